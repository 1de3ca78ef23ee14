#include "client/command_runner.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/create_request.h"
#include "client/output_format.h"

namespace sandboxd::client {

using sandbox::v1::BuildEvent;
using sandbox::v1::SandboxStatus;

std::string GrpcCodeName(grpc::StatusCode code) {
  // grpc::StatusCode and absl::StatusCode share the canonical numbering.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

CommandRunner::CommandRunner(sandbox::v1::SandboxService::StubInterface& stub,
                             const Clock& clock, std::istream& in,
                             std::ostream& out, std::ostream& err)
    : stub_(stub), clock_(clock), in_(in), out_(out), err_(err) {}

int CommandRunner::Run(const Invocation& inv) {
  switch (inv.command) {
    case Command::kCreate:
      return Create(inv);
    case Command::kGet:
      return Get(inv);
    case Command::kList:
      return List(inv);
    case Command::kDelete:
      return Delete(inv);
    case Command::kWatch:
      return Watch(inv);
    case Command::kApply:
      return Apply(inv);
  }
  return kExitUsage;
}

void CommandRunner::Configure(const GlobalOptions& global,
                              grpc::ClientContext* ctx) const {
  if (global.timeout.has_value()) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + *global.timeout));
  }
  if (!global.token.empty()) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", global.token));
  }
}

int CommandRunner::RpcError(const grpc::Status& status) {
  err_ << "error: " << GrpcCodeName(status.error_code()) << ": "
       << status.error_message() << "\n";
  return kExitFailure;
}

int CommandRunner::LocalError(const absl::Status& status) {
  err_ << "error: " << status.message() << "\n";
  return kExitUsage;
}

int CommandRunner::PrintJson(const google::protobuf::Message& message,
                             bool pretty) {
  absl::StatusOr<std::string> json = ToJson(message, pretty);
  if (!json.ok()) {
    err_ << "error: " << json.status().message() << "\n";
    return kExitFailure;
  }
  out_ << *json << "\n";
  out_.flush();
  return kExitOk;
}

int CommandRunner::Create(const Invocation& inv) {
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> request =
      BuildCreateRequest(inv.create, in_);
  if (!request.ok()) return LocalError(request.status());
  grpc::ClientContext ctx;
  Configure(inv.global, &ctx);
  sandbox::v1::CreateSandboxResponse response;
  grpc::Status status = stub_.Create(&ctx, *request, &response);
  if (!status.ok()) return RpcError(status);
  if (inv.output == OutputFormat::kJson) {
    if (PrintJson(response, true) != kExitOk) return kExitFailure;
  } else {
    out_ << FormatCreateResponse(response);
  }
  return response.success() ? kExitOk : kExitFailure;
}

int CommandRunner::Apply(const Invocation& inv) {
  absl::StatusOr<sandbox::v1::ApplyFilesRequest> request =
      BuildApplyRequest(inv.sandbox_id, inv.apply);
  if (!request.ok()) return LocalError(request.status());
  grpc::ClientContext ctx;
  Configure(inv.global, &ctx);
  sandbox::v1::ApplyFilesResponse response;
  grpc::Status status = stub_.ApplyFiles(&ctx, *request, &response);
  if (!status.ok()) return RpcError(status);
  if (inv.output == OutputFormat::kJson) {
    if (PrintJson(response, true) != kExitOk) return kExitFailure;
  } else {
    out_ << FormatApplyResponse(response);
  }
  // Without --wait the batch was only accepted: success means that.
  return response.success() ? kExitOk : kExitFailure;
}

int CommandRunner::Get(const Invocation& inv) {
  grpc::ClientContext ctx;
  Configure(inv.global, &ctx);
  sandbox::v1::GetSandboxRequest request;
  request.set_sandbox_id(inv.sandbox_id);
  sandbox::v1::GetSandboxResponse response;
  grpc::Status status = stub_.Get(&ctx, request, &response);
  if (!status.ok()) return RpcError(status);
  if (inv.output == OutputFormat::kJson) return PrintJson(response, true);
  out_ << FormatSandboxDetails(response.sandbox(), clock_.Now());
  return kExitOk;
}

int CommandRunner::List(const Invocation& inv) {
  sandbox::v1::ListSandboxesRequest request;
  request.set_page_size(inv.list.page_size);
  request.set_page_token(inv.list.page_token);
  for (SandboxStatus s : inv.list.statuses) request.add_statuses(s);
  for (const std::string& l : inv.list.label_selector) {
    request.add_label_selector(l);
  }
  sandbox::v1::ListSandboxesResponse all;
  std::set<std::string> seen_tokens;
  while (true) {
    grpc::ClientContext ctx;
    Configure(inv.global, &ctx);
    sandbox::v1::ListSandboxesResponse page;
    grpc::Status status = stub_.List(&ctx, request, &page);
    if (!status.ok()) return RpcError(status);
    all.set_success(page.success());
    all.set_count(page.count());
    all.mutable_sandboxes()->MergeFrom(page.sandboxes());
    all.set_next_page_token(page.next_page_token());
    if (!inv.list.all || page.next_page_token().empty()) break;
    // A server that hands out a token twice would keep --all looping forever.
    if (!seen_tokens.insert(page.next_page_token()).second) {
      err_ << "error: the server returned page token \""
           << page.next_page_token() << "\" twice\n";
      return kExitFailure;
    }
    request.set_page_token(page.next_page_token());
  }
  if (inv.output == OutputFormat::kJson) return PrintJson(all, true);
  std::vector<sandbox::v1::Sandbox> rows(all.sandboxes().begin(),
                                         all.sandboxes().end());
  out_ << FormatSandboxTable(rows, clock_.Now());
  if (!all.next_page_token().empty()) {
    out_ << "(" << all.sandboxes_size() << " of " << all.count()
         << "; next page: --page-token " << all.next_page_token() << ")\n";
  }
  return kExitOk;
}

int CommandRunner::Delete(const Invocation& inv) {
  grpc::ClientContext ctx;
  Configure(inv.global, &ctx);
  sandbox::v1::DeleteSandboxRequest request;
  request.set_sandbox_id(inv.sandbox_id);
  sandbox::v1::DeleteSandboxResponse response;
  grpc::Status status = stub_.Delete(&ctx, request, &response);
  if (!status.ok()) return RpcError(status);
  if (inv.output == OutputFormat::kJson) return PrintJson(response, true);
  out_ << inv.sandbox_id << ": "
       << (response.message().empty() ? "deleted" : response.message()) << "\n";
  return kExitOk;
}

int CommandRunner::Watch(const Invocation& inv) {
  const bool json = inv.output == OutputFormat::kJson;
  const absl::Time start = clock_.Now();
  grpc::ClientContext ctx;
  Configure(inv.global, &ctx);
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(inv.sandbox_id);
  request.set_after_sequence(inv.watch_after);
  std::unique_ptr<grpc::ClientReaderInterface<BuildEvent>> reader =
      stub_.WatchBuild(&ctx, request);
  std::optional<SandboxStatus> final_status;
  BuildEvent event;
  while (reader->Read(&event)) {
    if (json) {
      if (PrintJson(event, false) != kExitOk) {
        ctx.TryCancel();
        reader->Finish();
        return kExitFailure;
      }
    } else {
      out_ << FormatBuildEvent(event, clock_.Now() - start);
      out_.flush();
    }
    if (event.has_finished()) final_status = event.finished().status();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return RpcError(status);
  if (!final_status.has_value()) {
    return WatchOutcomeFromGet(inv, clock_.Now() - start);
  }
  return *final_status == sandbox::v1::SANDBOX_STATUS_READY ? kExitOk
                                                            : kExitFailure;
}

int CommandRunner::WatchOutcomeFromGet(const Invocation& inv,
                                       absl::Duration elapsed) {
  grpc::ClientContext ctx;
  GlobalOptions global = inv.global;
  if (!global.timeout.has_value()) global.timeout = kDefaultTimeout;
  Configure(global, &ctx);
  sandbox::v1::GetSandboxRequest request;
  request.set_sandbox_id(inv.sandbox_id);
  sandbox::v1::GetSandboxResponse response;
  grpc::Status status = stub_.Get(&ctx, request, &response);
  if (!status.ok()) return RpcError(status);
  const sandbox::v1::Sandbox& s = response.sandbox();
  if (inv.output == OutputFormat::kText) {
    BuildEvent outcome;
    outcome.mutable_finished()->set_status(s.status());
    outcome.mutable_finished()->set_preview_url(s.preview_url());
    if (s.has_error()) *outcome.mutable_finished()->mutable_error() = s.error();
    out_ << FormatBuildEvent(outcome, elapsed);
  }
  if (s.status() == sandbox::v1::SANDBOX_STATUS_READY) return kExitOk;
  if (s.status() != sandbox::v1::SANDBOX_STATUS_FAILED) {
    err_ << "error: the build stream ended while the sandbox is "
         << StatusName(s.status()) << "\n";
  }
  return kExitFailure;
}

}  // namespace sandboxd::client

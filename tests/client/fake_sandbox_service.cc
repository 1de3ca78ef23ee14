#include "tests/client/fake_sandbox_service.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace sandboxd::client::testing {

using sandbox::v1::BuildEvent;

void FakeSandboxService::AddSandbox(const sandbox::v1::Sandbox& sandbox) {
  absl::MutexLock lock(&mu_);
  sandboxes_[sandbox.sandbox_id()] = sandbox;
}

void FakeSandboxService::SetCreateResponse(
    const sandbox::v1::CreateSandboxResponse& response) {
  absl::MutexLock lock(&mu_);
  create_response_ = response;
}

void FakeSandboxService::SetListPages(
    const std::vector<sandbox::v1::ListSandboxesResponse>& pages) {
  absl::MutexLock lock(&mu_);
  pages_ = pages;
}

void FakeSandboxService::SetWatchScript(const std::vector<BuildEvent>& events,
                                        const grpc::Status& end) {
  absl::MutexLock lock(&mu_);
  events_ = events;
  watch_end_ = end;
}

std::vector<CallRecord> FakeSandboxService::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

std::vector<sandbox::v1::CreateSandboxRequest>
FakeSandboxService::create_requests() const {
  absl::MutexLock lock(&mu_);
  return create_requests_;
}

std::vector<sandbox::v1::ListSandboxesRequest>
FakeSandboxService::list_requests() const {
  absl::MutexLock lock(&mu_);
  return list_requests_;
}

void FakeSandboxService::Record(const std::string& method,
                                grpc::ServerContext* context) {
  CallRecord record;
  record.method = method;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    record.authorization = std::string(it->second.data(), it->second.size());
  }
  // Without a client deadline the server sees an infinite one.
  record.has_deadline = context->deadline() < std::chrono::system_clock::now() +
                                                  std::chrono::hours(24);
  calls_.push_back(std::move(record));
}

grpc::Status FakeSandboxService::Create(
    grpc::ServerContext* context,
    const sandbox::v1::CreateSandboxRequest* request,
    sandbox::v1::CreateSandboxResponse* response) {
  absl::MutexLock lock(&mu_);
  Record("Create", context);
  create_requests_.push_back(*request);
  *response = create_response_;
  return grpc::Status::OK;
}

grpc::Status FakeSandboxService::Get(
    grpc::ServerContext* context, const sandbox::v1::GetSandboxRequest* request,
    sandbox::v1::GetSandboxResponse* response) {
  absl::MutexLock lock(&mu_);
  Record("Get", context);
  auto it = sandboxes_.find(request->sandbox_id());
  if (it == sandboxes_.end()) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("sandbox \"", request->sandbox_id(), "\" not found"));
  }
  response->set_success(true);
  *response->mutable_sandbox() = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeSandboxService::Delete(
    grpc::ServerContext* context,
    const sandbox::v1::DeleteSandboxRequest* request,
    sandbox::v1::DeleteSandboxResponse* response) {
  absl::MutexLock lock(&mu_);
  Record("Delete", context);
  if (sandboxes_.count(request->sandbox_id()) == 0) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("sandbox \"", request->sandbox_id(), "\" not found"));
  }
  response->set_success(true);
  response->set_message("deleted");
  return grpc::Status::OK;
}

grpc::Status FakeSandboxService::List(
    grpc::ServerContext* context,
    const sandbox::v1::ListSandboxesRequest* request,
    sandbox::v1::ListSandboxesResponse* response) {
  absl::MutexLock lock(&mu_);
  Record("List", context);
  list_requests_.push_back(*request);
  std::string token;
  for (const auto& page : pages_) {
    if (token == request->page_token()) {
      *response = page;
      return grpc::Status::OK;
    }
    token = page.next_page_token();
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "page_token: malformed");
}

grpc::Status FakeSandboxService::WatchBuild(
    grpc::ServerContext* context, const sandbox::v1::WatchBuildRequest* request,
    grpc::ServerWriter<BuildEvent>* writer) {
  std::vector<BuildEvent> events;
  grpc::Status end;
  {
    absl::MutexLock lock(&mu_);
    Record("WatchBuild", context);
    events = events_;
    end = watch_end_;
  }
  for (const BuildEvent& event : events) {
    if (event.sequence() <= request->after_sequence()) continue;
    if (!writer->Write(event)) break;
  }
  return end;
}

}  // namespace sandboxd::client::testing

// Daytona REST calls: URLs, headers, bodies and the retry class of each.
#include "lib/daytona/daytona_client.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/common/status_macros.h"
#include "lib/daytona/daytona_errors.h"

namespace sandboxd::daytona {
namespace {

constexpr char kUserAgent[] = "sandboxd/0.1.0";
// The toolbox daemon picks its log format from the SDK version: 0.167 and
// newer get JSON {output, stdout, stderr} with the streams already apart.
constexpr char kSdkVersion[] = "0.218.0";

bool IsDestroyed(const SandboxDto& dto) {
  return dto.state == "destroyed" || dto.state == "destroying";
}

std::string BaseName(absl::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path
                                                      : path.substr(slash + 1));
}

// Adds the operation to a parse error of a response body.
template <typename T>
absl::StatusOr<T> Parsed(absl::string_view operation,
                         absl::StatusOr<T> parsed) {
  if (!parsed.ok()) return WithOperation(operation, parsed.status());
  return parsed;
}

}  // namespace

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct DaytonaClient::Call {
  Call(absl::string_view operation, HttpMethod method, std::string url,
       std::string json = "",
       Idempotency idempotency = Idempotency::kIdempotent)
      : operation(operation),
        method(method),
        url(std::move(url)),
        json(std::move(json)),
        idempotency(idempotency) {}

  absl::string_view operation;
  HttpMethod method;
  std::string url;
  std::string json;  // sent as application/json when not empty
  std::vector<MultipartPart> parts;
  Idempotency idempotency;
};

DaytonaClient::DaytonaClient(DaytonaOptions options,
                             std::shared_ptr<HttpTransport> transport,
                             std::shared_ptr<Retrier> retrier)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      retrier_(std::move(retrier)) {}

std::string DaytonaClient::ApiUrl(absl::string_view path) const {
  return absl::StrCat(absl::StripSuffix(options_.api_url, "/"), path);
}

std::string DaytonaClient::ToolboxBase(absl::string_view toolbox_proxy_url,
                                       absl::string_view sandbox_id) {
  return absl::StrCat(absl::StripSuffix(toolbox_proxy_url, "/"), "/",
                      UrlEncode(sandbox_id));
}

HttpRequest DaytonaClient::BaseRequest(const Call& call) const {
  HttpRequest request;
  request.method = call.method;
  request.url = call.url;
  const bool jwt = options_.api_key.empty();
  request.headers.Add(
      "Authorization",
      absl::StrCat("Bearer ", jwt ? options_.jwt_token : options_.api_key));
  // An API key is scoped to its organization; the header is for JWTs only.
  if (jwt) {
    request.headers.Add("X-Daytona-Organization-ID", options_.organization_id);
  }
  request.headers.Add("X-Daytona-Source", "sandboxd");
  request.headers.Add("X-Daytona-SDK-Version", kSdkVersion);
  request.headers.Add("User-Agent", kUserAgent);
  request.headers.Add("Accept", "application/json");
  if (!call.json.empty()) {
    request.headers.Add("Content-Type", "application/json");
    request.body = call.json;
  }
  request.parts = call.parts;
  return request;
}

absl::StatusOr<HttpResponse> DaytonaClient::Execute(const Call& call,
                                                    const CallContext& ctx) {
  HttpRequest request = BaseRequest(call);
  absl::StatusOr<HttpResponse> response = retrier_->Run(
      call.operation, call.idempotency, ctx,
      [&](absl::Duration timeout) -> absl::StatusOr<HttpResponse> {
        request.timeout = timeout;
        return transport_->Send(request);
      });
  if (response.ok()) return response;
  return Scrub(response.status());
}

absl::Status DaytonaClient::Scrub(const absl::Status& status) const {
  return Redact(Redact(status, options_.api_key), options_.jwt_token);
}

absl::StatusOr<SandboxDto> DaytonaClient::CreateSandbox(
    const CreateSandboxBody& body,
    const std::map<std::string, std::string>& identity_labels,
    const CallContext& ctx) {
  constexpr absl::string_view kOp = "create sandbox";
  HttpRequest request = BaseRequest(Call{
      kOp, HttpMethod::kPost, ApiUrl("/sandbox"), EncodeCreateSandbox(body)});
  int faults = 0;
  for (int retry = 0;; ++retry) {
    // A create whose reply was lost may still have made the sandbox. The list
    // is only eventually consistent, so this narrows the window; the name
    // (409 below) closes it.
    if (retry > 0) {
      ASSIGN_OR_RETURN(std::optional<SandboxDto> found,
                       FindByLabels(identity_labels, ctx));
      if (found.has_value()) return *found;
    }
    absl::StatusOr<absl::Duration> timeout = retrier_->AttemptTimeout(ctx);
    if (!timeout.ok()) return WithOperation(kOp, timeout.status());
    request.timeout = *timeout;
    absl::StatusOr<HttpResponse> outcome = transport_->Send(request);
    if (outcome.ok() && IsSuccess(*outcome)) {
      return Parsed(kOp, ParseSandbox(outcome->body));
    }
    // A resent create whose first try took effect: the name is ours.
    if (outcome.ok() && outcome->status == 409 && !body.name.empty()) {
      absl::Status conflict = HttpError(kOp, *outcome);
      if (absl::IsAlreadyExists(conflict)) {
        return ExistingByName(body.name, identity_labels, Scrub(conflict), ctx);
      }
    }
    if (!IsServerRequestedWait(outcome)) ++faults;
    // The lookup above makes a resend safe, so faults count as idempotent.
    std::optional<absl::Duration> delay =
        retrier_->RetryDelay(outcome, Idempotency::kIdempotent, retry, faults);
    absl::Status last = Scrub(Retrier::Failure(kOp, outcome));
    if (!delay.has_value()) return last;
    absl::Status waited = retrier_->Wait(*delay, ctx);
    if (!waited.ok()) {
      return absl::Status(
          waited.code(),
          absl::StrCat("daytona: create sandbox: ", waited.message(),
                       "; last error: ", last.message()));
    }
  }
}

absl::StatusOr<SandboxDto> DaytonaClient::ExistingByName(
    const std::string& name,
    const std::map<std::string, std::string>& identity_labels,
    const absl::Status& conflict, const CallContext& ctx) {
  ASSIGN_OR_RETURN(SandboxDto dto, GetSandbox(name, ctx));
  for (const auto& [key, value] : identity_labels) {
    auto it = dto.labels.find(key);
    // The name belongs to a sandbox that is not ours.
    if (it == dto.labels.end() || it->second != value) return conflict;
  }
  return dto;
}

absl::StatusOr<SandboxPage> DaytonaClient::ListSandboxes(
    const std::map<std::string, std::string>& labels,
    const std::optional<std::string>& cursor, const CallContext& ctx) {
  std::string url = ApiUrl(absl::StrCat(
      "/sandbox?labels=", UrlEncode(EncodeStringMap(labels)), "&limit=100"));
  if (cursor.has_value()) absl::StrAppend(&url, "&cursor=", UrlEncode(*cursor));
  ASSIGN_OR_RETURN(HttpResponse response,
                   Execute(Call{"list sandboxes", HttpMethod::kGet, url}, ctx));
  return Parsed("list sandboxes", ParseSandboxPage(response.body));
}

absl::StatusOr<std::optional<SandboxDto>> DaytonaClient::FindByLabels(
    const std::map<std::string, std::string>& labels, const CallContext& ctx) {
  std::optional<std::string> cursor;
  do {
    ASSIGN_OR_RETURN(SandboxPage page, ListSandboxes(labels, cursor, ctx));
    for (SandboxDto& dto : page.items) {
      if (!IsDestroyed(dto)) return std::optional<SandboxDto>(std::move(dto));
    }
    cursor = std::move(page.next_cursor);
  } while (cursor.has_value());
  return std::optional<SandboxDto>();
}

absl::StatusOr<SandboxDto> DaytonaClient::GetSandbox(absl::string_view id,
                                                     const CallContext& ctx) {
  ASSIGN_OR_RETURN(
      HttpResponse response,
      Execute(Call{"get sandbox", HttpMethod::kGet,
                   ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id)))},
              ctx));
  return Parsed("get sandbox", ParseSandbox(response.body));
}

absl::Status DaytonaClient::DeleteSandbox(absl::string_view id,
                                          const CallContext& ctx) {
  return Execute(Call{"delete sandbox", HttpMethod::kDelete,
                      ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id)))},
                 ctx)
      .status();
}

// Start and stop only move the sandbox towards a desired state, so sending
// them twice is harmless: they are retried as idempotent.
absl::Status DaytonaClient::StartSandbox(absl::string_view id,
                                         const CallContext& ctx) {
  return Execute(
             Call{"start sandbox", HttpMethod::kPost,
                  ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id), "/start"))},
             ctx)
      .status();
}

absl::Status DaytonaClient::StopSandbox(absl::string_view id,
                                        const CallContext& ctx) {
  return Execute(
             Call{"stop sandbox", HttpMethod::kPost,
                  ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id), "/stop"))},
             ctx)
      .status();
}

absl::Status DaytonaClient::SetLabels(
    absl::string_view id, const std::map<std::string, std::string>& labels,
    const CallContext& ctx) {
  return Execute(
             Call{"set labels", HttpMethod::kPut,
                  ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id), "/labels")),
                  EncodeLabels(labels)},
             ctx)
      .status();
}

absl::StatusOr<PreviewUrlDto> DaytonaClient::GetPreviewUrl(
    absl::string_view id, int port, const CallContext& ctx) {
  ASSIGN_OR_RETURN(
      HttpResponse response,
      Execute(Call{"get preview url", HttpMethod::kGet,
                   ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id), "/ports/",
                                       port, "/preview-url"))},
              ctx));
  return Parsed("get preview url", ParsePreviewUrl(response.body));
}

absl::StatusOr<PreviewUrlDto> DaytonaClient::GetSignedPreviewUrl(
    absl::string_view id, int port, absl::Duration ttl,
    const CallContext& ctx) {
  ASSIGN_OR_RETURN(
      HttpResponse response,
      Execute(
          Call{"get signed preview url", HttpMethod::kGet,
               ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id), "/ports/", port,
                                   "/signed-preview-url?expiresInSeconds=",
                                   absl::ToInt64Seconds(ttl)))},
          ctx));
  return Parsed("get signed preview url", ParseSignedPreviewUrl(response.body));
}

absl::StatusOr<std::string> DaytonaClient::GetToolboxProxyUrl(
    absl::string_view id, const CallContext& ctx) {
  ASSIGN_OR_RETURN(HttpResponse response,
                   Execute(Call{"get toolbox proxy url", HttpMethod::kGet,
                                ApiUrl(absl::StrCat("/sandbox/", UrlEncode(id),
                                                    "/toolbox-proxy-url"))},
                           ctx));
  return Parsed("get toolbox proxy url", ParseToolboxProxyUrl(response.body));
}

absl::Status DaytonaClient::BulkUpload(
    absl::string_view toolbox, const std::map<std::string, std::string>& files,
    const CallContext& ctx) {
  Call call{"upload files", HttpMethod::kPost,
            absl::StrCat(toolbox, "/files/bulk-upload")};
  size_t index = 0;
  for (const auto& [path, content] : files) {
    // The daemon streams the parts and needs each .path before its .file.
    call.parts.push_back(
        MultipartPart{absl::StrCat("files[", index, "].path"), path, "", ""});
    call.parts.push_back(MultipartPart{absl::StrCat("files[", index, "].file"),
                                       content, BaseName(path),
                                       "application/octet-stream"});
    ++index;
  }
  return Execute(call, ctx).status();
}

absl::Status DaytonaClient::DeletePath(absl::string_view toolbox,
                                       absl::string_view path,
                                       const CallContext& ctx) {
  absl::Status status =
      Execute(Call{"delete files", HttpMethod::kDelete,
                   absl::StrCat(toolbox, "/files?path=", UrlEncode(path),
                                "&recursive=true")},
              ctx)
          .status();
  if (absl::IsNotFound(status)) return absl::OkStatus();
  return status;
}

absl::Status DaytonaClient::CreateSession(absl::string_view toolbox,
                                          absl::string_view session_id,
                                          const CallContext& ctx) {
  // Creating a session that exists is a 409, so a resend is harmless.
  absl::Status status = Execute(Call{"create session", HttpMethod::kPost,
                                     absl::StrCat(toolbox, "/process/session"),
                                     EncodeCreateSession(session_id)},
                                ctx)
                            .status();
  if (absl::IsAlreadyExists(status) || absl::IsAborted(status)) {
    return absl::OkStatus();
  }
  return status;
}

absl::StatusOr<std::string> DaytonaClient::ExecAsync(
    absl::string_view toolbox, absl::string_view session_id,
    absl::string_view command, const CallContext& ctx) {
  // Not idempotent: a resent exec would run the command twice.
  ASSIGN_OR_RETURN(HttpResponse response,
                   Execute(Call{"exec command", HttpMethod::kPost,
                                absl::StrCat(toolbox, "/process/session/",
                                             UrlEncode(session_id), "/exec"),
                                EncodeSessionExec(command, /*run_async=*/true),
                                Idempotency::kNonIdempotent},
                           ctx));
  ASSIGN_OR_RETURN(SessionExecDto exec,
                   Parsed("exec command", ParseSessionExec(response.body)));
  return exec.cmd_id;
}

absl::StatusOr<CommandDto> DaytonaClient::GetCommand(
    absl::string_view toolbox, absl::string_view session_id,
    absl::string_view cmd_id, const CallContext& ctx) {
  ASSIGN_OR_RETURN(HttpResponse response,
                   Execute(Call{"get command", HttpMethod::kGet,
                                absl::StrCat(toolbox, "/process/session/",
                                             UrlEncode(session_id), "/command/",
                                             UrlEncode(cmd_id))},
                           ctx));
  return Parsed("get command", ParseCommand(response.body));
}

absl::StatusOr<CommandLogs> DaytonaClient::GetCommandLogs(
    absl::string_view toolbox, absl::string_view session_id,
    absl::string_view cmd_id, const CallContext& ctx) {
  ASSIGN_OR_RETURN(HttpResponse response,
                   Execute(Call{"get command logs", HttpMethod::kGet,
                                absl::StrCat(toolbox, "/process/session/",
                                             UrlEncode(session_id), "/command/",
                                             UrlEncode(cmd_id), "/logs")},
                           ctx));
  return Parsed("get command logs", ParseCommandLogs(response.body));
}

absl::Status DaytonaClient::DeleteSession(absl::string_view toolbox,
                                          absl::string_view session_id,
                                          const CallContext& ctx) {
  absl::Status status = Execute(Call{"delete session", HttpMethod::kDelete,
                                     absl::StrCat(toolbox, "/process/session/",
                                                  UrlEncode(session_id))},
                                ctx)
                            .status();
  if (absl::IsNotFound(status)) return absl::OkStatus();
  return status;
}

absl::StatusOr<HttpResponse> DaytonaClient::Probe(const std::string& url,
                                                  const CallContext& ctx) {
  ASSIGN_OR_RETURN(absl::Duration left, retrier_->AttemptTimeout(ctx));
  // No Authorization here: the preview proxy forwards requests to the app,
  // which is untrusted code and must never see the API key.
  HttpRequest request;
  request.method = HttpMethod::kGet;
  request.url = url;
  request.timeout = std::min(left, options_.probe_timeout);
  request.headers.Add("X-Daytona-Skip-Preview-Warning", "true");
  request.headers.Add("User-Agent", kUserAgent);
  return transport_->Send(request);
}

}  // namespace sandboxd::daytona

// Typed calls to Daytona's control plane (`{api_url}/sandbox...`) and to a
// sandbox's toolbox (`{toolboxProxyUrl}/{sandboxId}/...`), each one HTTP
// exchange under the retry policy. Used by DaytonaProvider, which owns the
// flows (polling, sessions, convergence).
#ifndef SANDBOXD_LIB_DAYTONA_DAYTONA_CLIENT_H_
#define SANDBOXD_LIB_DAYTONA_DAYTONA_CLIENT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/common/call_context.h"
#include "lib/daytona/daytona_json.h"
#include "lib/daytona/daytona_options.h"
#include "lib/daytona/http_transport.h"
#include "lib/daytona/retry.h"

namespace sandboxd::daytona {

// Every method blocks and returns the errors of daytona_errors.h, prefixed
// with the operation ("daytona: get sandbox: 404: ..."), or those of
// Retrier::Run. Credentials never appear in an error. Thread-safe.
class DaytonaClient {
 public:
  DaytonaClient(DaytonaOptions options,
                std::shared_ptr<HttpTransport> transport,
                std::shared_ptr<Retrier> retrier);

  // POST /sandbox. Not idempotent, so before every retry it looks for a
  // sandbox carrying `identity_labels` (which `body.labels` must include)
  // and returns that one instead of creating a second. With `body.name` set,
  // a 409 "already exists" fetches that sandbox by name and returns it if it
  // carries `identity_labels` (ALREADY_EXISTS otherwise).
  absl::StatusOr<SandboxDto> CreateSandbox(
      const CreateSandboxBody& body,
      const std::map<std::string, std::string>& identity_labels,
      const CallContext& ctx);
  // GET /sandbox?labels=<json>: the first sandbox with all `labels` that is
  // not destroyed or being destroyed; nullopt if none.
  absl::StatusOr<std::optional<SandboxDto>> FindByLabels(
      const std::map<std::string, std::string>& labels, const CallContext& ctx);
  // One page of GET /sandbox?labels=<json>&cursor=...
  absl::StatusOr<SandboxPage> ListSandboxes(
      const std::map<std::string, std::string>& labels,
      const std::optional<std::string>& cursor, const CallContext& ctx);
  absl::StatusOr<SandboxDto> GetSandbox(absl::string_view id,
                                        const CallContext& ctx);
  // DELETE /sandbox/{id}. 409 "state change in progress" is waited out.
  absl::Status DeleteSandbox(absl::string_view id, const CallContext& ctx);
  absl::Status StartSandbox(absl::string_view id, const CallContext& ctx);
  absl::Status StopSandbox(absl::string_view id, const CallContext& ctx);
  // PUT /sandbox/{id}/labels: replaces all the sandbox's labels.
  absl::Status SetLabels(absl::string_view id,
                         const std::map<std::string, std::string>& labels,
                         const CallContext& ctx);
  absl::StatusOr<PreviewUrlDto> GetPreviewUrl(absl::string_view id, int port,
                                              const CallContext& ctx);
  absl::StatusOr<PreviewUrlDto> GetSignedPreviewUrl(absl::string_view id,
                                                    int port,
                                                    absl::Duration ttl,
                                                    const CallContext& ctx);
  absl::StatusOr<std::string> GetToolboxProxyUrl(absl::string_view id,
                                                 const CallContext& ctx);

  // Toolbox calls; `toolbox` is ToolboxBase(proxy url, sandbox id).
  static std::string ToolboxBase(absl::string_view toolbox_proxy_url,
                                 absl::string_view sandbox_id);
  // POST /files/bulk-upload: parts files[i].path, files[i].file per file.
  absl::Status BulkUpload(absl::string_view toolbox,
                          const std::map<std::string, std::string>& files,
                          const CallContext& ctx);
  // DELETE /files?path=&recursive=true; a missing path is OK.
  absl::Status DeletePath(absl::string_view toolbox, absl::string_view path,
                          const CallContext& ctx);
  // POST /process/session; an existing session (409) is OK.
  absl::Status CreateSession(absl::string_view toolbox,
                             absl::string_view session_id,
                             const CallContext& ctx);
  // POST /process/session/{id}/exec with runAsync: the command's id.
  absl::StatusOr<std::string> ExecAsync(absl::string_view toolbox,
                                        absl::string_view session_id,
                                        absl::string_view command,
                                        const CallContext& ctx);
  absl::StatusOr<CommandDto> GetCommand(absl::string_view toolbox,
                                        absl::string_view session_id,
                                        absl::string_view cmd_id,
                                        const CallContext& ctx);
  absl::StatusOr<CommandLogs> GetCommandLogs(absl::string_view toolbox,
                                             absl::string_view session_id,
                                             absl::string_view cmd_id,
                                             const CallContext& ctx);
  absl::Status DeleteSession(absl::string_view toolbox,
                             absl::string_view session_id,
                             const CallContext& ctx);

  // One unauthenticated GET of a preview URL; its response (status and
  // body). Transport errors as HttpTransport. Never retried.
  absl::StatusOr<HttpResponse> Probe(const std::string& url,
                                     const CallContext& ctx);

  Retrier& retrier() { return *retrier_; }
  const DaytonaOptions& options() const { return options_; }

 private:
  struct Call;
  absl::StatusOr<SandboxDto> ExistingByName(
      const std::string& name,
      const std::map<std::string, std::string>& identity_labels,
      const absl::Status& conflict, const CallContext& ctx);
  absl::StatusOr<HttpResponse> Execute(const Call& call,
                                       const CallContext& ctx);
  HttpRequest BaseRequest(const Call& call) const;
  // Removes the credentials from an error's message.
  absl::Status Scrub(const absl::Status& status) const;
  std::string ApiUrl(absl::string_view path) const;

  const DaytonaOptions options_;
  const std::shared_ptr<HttpTransport> transport_;
  const std::shared_ptr<Retrier> retrier_;
};

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(absl::string_view text);

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_DAYTONA_CLIENT_H_

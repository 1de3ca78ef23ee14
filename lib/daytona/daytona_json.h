// The Daytona JSON codec: request bodies the adapter sends and the response
// bodies it reads (see ../shared/reference/daytona-api.md), as pure functions
// over strings. Used by DaytonaClient; fuzzable and testable without HTTP.
//
// Parsers return INTERNAL for a body that is not JSON or lacks a required
// field (a Daytona response we cannot read is a provider fault), with the DTO
// and field named: `daytona json: Sandbox: field "id": missing`. Unknown
// fields are ignored, as the SDK's generated client does.
#ifndef SANDBOXD_LIB_DAYTONA_DAYTONA_JSON_H_
#define SANDBOXD_LIB_DAYTONA_DAYTONA_JSON_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sandboxd::daytona {

// `CreateSandbox` body (reference §4.1). Optional fields are left out when
// unset; resources are only valid with `dockerfile_content`.
struct CreateSandboxBody {
  std::string name;                // empty: Daytona uses the id
  std::string snapshot;            // empty: organization default
  std::string dockerfile_content;  // buildInfo.dockerfileContent
  std::string target;              // empty: left out (org default region)
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> env;
  bool is_public = false;
  std::optional<int> auto_stop_interval_minutes;
  std::optional<int> cpu;
  std::optional<int> memory_gib;
  std::optional<int> disk_gib;
};
std::string EncodeCreateSandbox(const CreateSandboxBody& body);
// {"labels":{...}}, the body of PUT /sandbox/{id}/labels.
std::string EncodeLabels(const std::map<std::string, std::string>& labels);

// The `Sandbox` / `SandboxListItem` fields the adapter reads.
struct SandboxDto {
  std::string id;
  std::string name;
  std::string state;          // SandboxState, e.g. "started"; may be empty
  std::string desired_state;  // may be empty
  std::string error_reason;
  bool recoverable = false;
  std::string toolbox_proxy_url;  // may be empty (then ask the API)
  std::string target;
  std::map<std::string, std::string> labels;
  int auto_stop_interval = -1;  // -1: not reported
};
absl::StatusOr<SandboxDto> ParseSandbox(absl::string_view json);

// `GET /sandbox` reply: `{items, nextCursor}`.
struct SandboxPage {
  std::vector<SandboxDto> items;
  std::optional<std::string> next_cursor;  // nullopt: last page
};
absl::StatusOr<SandboxPage> ParseSandboxPage(absl::string_view json);

// `preview-url` reply `{sandboxId, url, token}` and `signed-preview-url`
// reply `{sandboxId, port, token, url}`.
struct PreviewUrlDto {
  std::string url;
  std::string token;
};
absl::StatusOr<PreviewUrlDto> ParsePreviewUrl(absl::string_view json);
absl::StatusOr<PreviewUrlDto> ParseSignedPreviewUrl(absl::string_view json);

// `{url}` of `GET /sandbox/{id}/toolbox-proxy-url`.
absl::StatusOr<std::string> ParseToolboxProxyUrl(absl::string_view json);

// A JSON object of string values, e.g. the `labels` list filter.
std::string EncodeStringMap(const std::map<std::string, std::string>& map);

// Toolbox sessions (reference §5.3).
std::string EncodeCreateSession(absl::string_view session_id);
std::string EncodeSessionExec(absl::string_view command, bool run_async);

// Sync exec: 200 `{cmdId, output, stdout, stderr, exitCode}`; async: 202
// `{cmdId}` only.
struct SessionExecDto {
  std::string cmd_id;
  std::optional<int> exit_code;
  std::string stdout_text;
  std::string stderr_text;
};
absl::StatusOr<SessionExecDto> ParseSessionExec(absl::string_view json);

// `{id, command, exitCode?}`; exitCode is absent while the command runs.
struct CommandDto {
  std::string id;
  std::string command;
  std::optional<int> exit_code;
};
absl::StatusOr<CommandDto> ParseCommand(absl::string_view json);

// Logs of a session command so far. Daemons answering SDK version >= 0.167
// send JSON `{output, stdout, stderr}`; older ones send text where every line
// is prefixed with a 3-byte marker (\x01\x01\x01 stdout, \x02\x02\x02 stderr),
// which is split here the same way.
struct CommandLogs {
  std::string stdout_text;
  std::string stderr_text;
};
absl::StatusOr<CommandLogs> ParseCommandLogs(absl::string_view body);

// The error bodies of the NestJS API
//   {"path","timestamp","statusCode","error","message"}
// and of the toolbox daemon
//   {"statusCode","message","code","timestamp","path","method","source"?}.
// `message` may be an array (validation errors); it is joined with ", ".
// Never fails: a body that is not such an object yields its raw text as the
// message (empty for an empty body), as the SDK does.
struct ErrorBody {
  std::string message;
  std::string error;  // NestJS reason phrase, e.g. "Not Found"
  std::string code;   // daemon code, e.g. "NOT_FOUND"
  std::string source;
};
ErrorBody ParseErrorBody(absl::string_view body);

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_DAYTONA_JSON_H_

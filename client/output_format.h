// How sandboxctl prints responses and build events: tables, details, watch
// lines and protobuf JSON. Pure functions (the caller passes "now"); used by
// CommandRunner and its tests.
#ifndef SANDBOXD_CLIENT_OUTPUT_FORMAT_H_
#define SANDBOXD_CLIENT_OUTPUT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd::client {

// "READY" for SANDBOX_STATUS_READY; the number for unknown values.
std::string StatusName(sandbox::v1::SandboxStatus status);
// "INSTALLING" for BUILD_PHASE_INSTALLING; "-" when unspecified.
std::string PhaseName(sandbox::v1::BuildPhase phase);
// A short age: "42s", "5m", "3h", "2d"; "0s" for negative ages.
std::string FormatAge(absl::Duration age);
// The watch prefix: "[  2.3s]".
std::string FormatElapsed(absl::Duration elapsed);

// An aligned table (ID, STATUS, PHASE, PROJECT, AGE, PREVIEW URL) with a
// header row; ages are relative to `now`.
std::string FormatSandboxTable(const std::vector<sandbox::v1::Sandbox>& rows,
                               absl::Time now);
// One "key: value" line per field that is set.
std::string FormatSandboxDetails(const sandbox::v1::Sandbox& sandbox,
                                 absl::Time now);
// The id, status and preview URL of a new sandbox (and its error, if any).
std::string FormatCreateResponse(
    const sandbox::v1::CreateSandboxResponse& response);
// The sandbox id, generation, status and preview URL after an apply (and
// its error, if any).
std::string FormatApplyResponse(
    const sandbox::v1::ApplyFilesResponse& response);
// "file:line:col: severity: message" (line and column left out when 0).
std::string FormatDiagnostic(const sandbox::v1::Diagnostic& diagnostic);
// The watch display of one event, ending in '\n'; "" for an event of no
// known kind. `elapsed` is the time since the watch began.
std::string FormatBuildEvent(const sandbox::v1::BuildEvent& event,
                             absl::Duration elapsed);

// Protobuf JSON with lowerCamelCase names (the REST shape): one line, or
// indented when `pretty`. INTERNAL if the message cannot be printed.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message,
                                   bool pretty);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_OUTPUT_FORMAT_H_

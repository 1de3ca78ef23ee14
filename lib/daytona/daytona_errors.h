// The one table from Daytona HTTP statuses to absl status codes, and the
// error messages the adapter returns. Used by the retry loop and
// DaytonaClient; nothing else in sandboxd maps HTTP statuses.
#ifndef SANDBOXD_LIB_DAYTONA_DAYTONA_ERRORS_H_
#define SANDBOXD_LIB_DAYTONA_DAYTONA_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/daytona/http_transport.h"

namespace sandboxd::daytona {

// Maps a non-2xx HTTP status and Daytona's error message to a code:
//
//   400  FAILED_PRECONDITION when the message is about the sandbox's state
//        ("Sandbox is not in a stoppable state", "Sandbox is not stopped",
//        "... errored state", "failed to resolve container IP ... Is the
//        Sandbox started?", "Sandbox failed to start: <reason>");
//        RESOURCE_EXHAUSTED for an organization quota ("... limit exceeded");
//        INVALID_ARGUMENT otherwise.
//   401  UNAUTHENTICATED            403  PERMISSION_DENIED (quota: as 400)
//   404  NOT_FOUND                  410  NOT_FOUND (gone)
//   408  DEADLINE_EXCEEDED          504  DEADLINE_EXCEEDED
//   409  ALREADY_EXISTS for "... already exists" (a name taken);
//        ABORTED otherwise ("Sandbox state change in progress").
//   412  FAILED_PRECONDITION        413  RESOURCE_EXHAUSTED
//   422  INVALID_ARGUMENT           429  RESOURCE_EXHAUSTED
//   501  UNIMPLEMENTED              other 5xx  UNAVAILABLE
//   other 4xx  FAILED_PRECONDITION  anything else  UNKNOWN
//
// Retry decisions (retry.h) are made on the HTTP status itself, before this
// mapping; this is what the caller finally sees.
absl::StatusCode HttpStatusToCode(int http_status, absl::string_view message);

// The error for a non-2xx `response` to `operation`:
//   "daytona: create sandbox: 409: Sandbox with name x already exists".
// The message comes from the NestJS or daemon error body (ParseErrorBody),
// "empty body" if there is none.
absl::Status HttpError(absl::string_view operation,
                       const HttpResponse& response);

// True for a 409 whose message says a state change is in progress.
bool IsStateChangeInProgress(const HttpResponse& response);

// Prefixes `status` with "daytona: <operation>: " (OK stays OK).
absl::Status WithOperation(absl::string_view operation,
                           const absl::Status& status);

// Replaces every occurrence of `secret` (the API key or JWT) in the message
// with "[redacted]", keeping code and payloads. Secrets shorter than 8 bytes
// are not searched for (they would match ordinary words).
absl::Status Redact(const absl::Status& status, absl::string_view secret);

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_DAYTONA_ERRORS_H_

// HTTP status -> absl code for Daytona, and error message assembly.
#include "lib/daytona/daytona_errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "lib/daytona/daytona_json.h"

namespace sandboxd::daytona {
namespace {

// Phrases of Daytona's 400 replies that reject an action because of the
// sandbox's current state rather than the request itself.
bool IsStateMessage(const std::string& lower) {
  for (absl::string_view phrase :
       {"state", "not started", "not stopped", "is the sandbox started",
        "failed to start", "not running"}) {
    if (absl::StrContains(lower, phrase)) return true;
  }
  return false;
}

}  // namespace

absl::StatusCode HttpStatusToCode(int http_status, absl::string_view message) {
  const std::string lower = absl::AsciiStrToLower(message);
  const bool quota = absl::StrContains(lower, "limit exceeded") ||
                     absl::StrContains(lower, "quota");
  switch (http_status) {
    case 400:
      if (quota) return absl::StatusCode::kResourceExhausted;
      return IsStateMessage(lower) ? absl::StatusCode::kFailedPrecondition
                                   : absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return quota ? absl::StatusCode::kResourceExhausted
                   : absl::StatusCode::kPermissionDenied;
    case 404:
    case 410:
      return absl::StatusCode::kNotFound;
    case 408:
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
      return absl::StrContains(lower, "already exists")
                 ? absl::StatusCode::kAlreadyExists
                 : absl::StatusCode::kAborted;
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 413:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 501:
      return absl::StatusCode::kUnimplemented;
    default:
      break;
  }
  if (http_status >= 500 && http_status < 600) {
    return absl::StatusCode::kUnavailable;
  }
  if (http_status >= 400 && http_status < 500) {
    return absl::StatusCode::kFailedPrecondition;
  }
  return absl::StatusCode::kUnknown;
}

absl::Status HttpError(absl::string_view operation,
                       const HttpResponse& response) {
  ErrorBody error = ParseErrorBody(response.body);
  std::string message = error.message.empty() ? "empty body" : error.message;
  // Bodies can be whole HTML pages from a proxy; keep the error readable.
  constexpr size_t kMaxMessage = 512;
  if (message.size() > kMaxMessage) {
    message = absl::StrCat(message.substr(0, kMaxMessage), "...");
  }
  if (!error.code.empty()) absl::StrAppend(&message, " [", error.code, "]");
  return absl::Status(HttpStatusToCode(response.status, error.message),
                      absl::StrCat("daytona: ", std::string(operation), ": ",
                                   response.status, ": ", message));
}

bool IsStateChangeInProgress(const HttpResponse& response) {
  if (response.status != 409) return false;
  const std::string lower =
      absl::AsciiStrToLower(ParseErrorBody(response.body).message);
  return absl::StrContains(lower, "in progress");
}

absl::Status WithOperation(absl::string_view operation,
                           const absl::Status& status) {
  if (status.ok()) return status;
  absl::Status out(status.code(),
                   absl::StrCat("daytona: ", std::string(operation), ": ",
                                std::string(status.message())));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

absl::Status Redact(const absl::Status& status, absl::string_view secret) {
  constexpr size_t kMinSecret = 8;
  if (status.ok() || secret.size() < kMinSecret ||
      !absl::StrContains(status.message(), secret)) {
    return status;
  }
  absl::Status out(
      status.code(),
      absl::StrReplaceAll(status.message(), {{secret, "[redacted]"}}));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

}  // namespace sandboxd::daytona

#include "lib/core/retry_hint.h"

#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sandboxd {

int64_t RetryAfterSeconds(absl::Duration delay) {
  int64_t seconds = absl::ToInt64Seconds(absl::Ceil(delay, absl::Seconds(1)));
  return seconds < 1 ? 1 : seconds;
}

absl::Status ResourceExhaustedWithRetry(const std::string& message,
                                        absl::Duration delay) {
  const int64_t seconds = RetryAfterSeconds(delay);
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(message, "; retry after ", seconds, "s"));
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(seconds)));
  return status;
}

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);
  int64_t seconds = 0;
  if (!payload.has_value() ||
      !absl::SimpleAtoi(std::string(*payload), &seconds) || seconds < 0) {
    return std::nullopt;
  }
  return absl::Seconds(seconds);
}

}  // namespace sandboxd

// The retry hint of a refusal: how long a caller should wait before trying
// again, carried on an absl::Status as a payload. lib/core attaches it to its
// RESOURCE_EXHAUSTED answers (quotas, a full build queue); server/'s status
// bridge turns it into the `retry-after` trailer (and REST's Retry-After).
//
// Thread-safety: stateless functions.
#ifndef SANDBOXD_LIB_CORE_RETRY_HINT_H_
#define SANDBOXD_LIB_CORE_RETRY_HINT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sandboxd {

// The payload's type URL; its value is the delay in whole seconds, decimal.
inline constexpr char kRetryAfterPayload[] = "sandboxd.dev/retry-after-seconds";

// The delay rounded up to whole seconds, at least 1.
int64_t RetryAfterSeconds(absl::Duration delay);

// RESOURCE_EXHAUSTED "<message>; retry after <N>s" with the hint attached.
absl::Status ResourceExhaustedWithRetry(const std::string& message,
                                        absl::Duration delay);

// The hint attached to `status`, if any (whole seconds).
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_RETRY_HINT_H_

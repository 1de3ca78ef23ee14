// Retries of Daytona HTTP calls: which outcomes are retried, how long to wait
// (exponential backoff with full jitter, or the server's rate-limit hint), and
// the Sleeper seam that does the waiting. Used by DaytonaClient and the
// provider's polling loops.
#ifndef SANDBOXD_LIB_DAYTONA_RETRY_H_
#define SANDBOXD_LIB_DAYTONA_RETRY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/common/call_context.h"
#include "lib/common/clock.h"
#include "lib/daytona/http_transport.h"

namespace sandboxd::daytona {

// Waits between attempts and polls. Thread-safe.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Blocks for `duration`, cut short if `ctx` is cancelled. Returns false if
  // it was cancelled.
  virtual bool Sleep(absl::Duration duration, const CallContext& ctx) = 0;
};

// Sleeps on the context's cancellation signal.
std::shared_ptr<Sleeper> MakeRealSleeper();

struct RetryPolicy {
  // Attempts for faults (5xx, transport errors). Waits asked for by the
  // server (429, 409 "state change in progress") are bounded only by the
  // call's deadline.
  int max_attempts = 6;
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(20);
  double multiplier = 2.0;
  // Cap on a server's Retry-After hint.
  absl::Duration max_retry_after = absl::Minutes(2);
  // Cap on one attempt's transport timeout (the deadline may be far away).
  absl::Duration max_attempt_timeout = absl::Minutes(2);
};

enum class Idempotency { kIdempotent, kNonIdempotent };

// How long a 429 asks us to wait: the largest of `Retry-After` and
// `Retry-After-{throttler}` (seconds), else `X-RateLimit-Reset-{throttler}`
// of the exhausted throttlers (remaining 0, or all if none says so).
// nullopt when there is no usable header.
std::optional<absl::Duration> RateLimitDelay(const HttpHeaders& headers);

// True for 2xx.
bool IsSuccess(const HttpResponse& response);

// Whether `outcome` may be retried:
// - 429 and 409 "state change in progress": always (nothing happened);
// - transport errors raised before the request was sent: always;
// - 408, 5xx except 501 (an empty 502 included), resets and timeouts: only
//   for idempotent calls, since the first try may have taken effect;
// - anything else (2xx, other 4xx, non-transport errors): never.
bool IsRetryable(const absl::StatusOr<HttpResponse>& outcome,
                 Idempotency idempotency);

// True for outcomes that are a server-requested wait rather than a fault.
bool IsServerRequestedWait(const absl::StatusOr<HttpResponse>& outcome);

// Runs attempts under a RetryPolicy, waiting with the Sleeper and measuring
// the deadline with the Clock. Thread-safe.
class Retrier {
 public:
  // `seed` makes the jitter reproducible (tests); nullopt seeds randomly.
  Retrier(RetryPolicy policy, std::shared_ptr<Sleeper> sleeper,
          std::shared_ptr<const Clock> clock,
          std::optional<uint64_t> seed = std::nullopt);

  // One try, given the timeout it may use.
  using Attempt =
      std::function<absl::StatusOr<HttpResponse>(absl::Duration timeout)>;

  // Runs `attempt` until it returns 2xx (returned), a final outcome, the
  // fault budget is spent or the deadline would pass. Errors:
  //   the HttpError/transport error of the last outcome, prefixed with
  //   "daytona: <operation>: "; DEADLINE_EXCEEDED when the next wait would
  //   pass the deadline; CANCELLED when the context is cancelled.
  absl::StatusOr<HttpResponse> Run(absl::string_view operation,
                                   Idempotency idempotency,
                                   const CallContext& ctx,
                                   const Attempt& attempt);

  // Building blocks for loops that do more between attempts (see
  // DaytonaClient::CreateSandbox).

  // The timeout for the next attempt: the time left before the deadline,
  // capped by the policy. DEADLINE_EXCEEDED if none is left.
  absl::StatusOr<absl::Duration> AttemptTimeout(const CallContext& ctx) const;
  // The wait before retry number `retry` (0 for the first retry) of
  // `outcome`, or nullopt when it must not be retried (including when
  // `faults` already spent the budget).
  std::optional<absl::Duration> RetryDelay(
      const absl::StatusOr<HttpResponse>& outcome, Idempotency idempotency,
      int retry, int faults);
  // Full jitter: uniform in [0, min(max_backoff, initial * multiplier^retry)].
  absl::Duration Backoff(int retry);
  // Sleeps `duration` unless that would pass the deadline
  // (DEADLINE_EXCEEDED) or the context is cancelled (CANCELLED).
  absl::Status Wait(absl::Duration duration, const CallContext& ctx);
  // The final error for `outcome` of `operation` (non-2xx or transport).
  static absl::Status Failure(absl::string_view operation,
                              const absl::StatusOr<HttpResponse>& outcome);

  const Clock& clock() const { return *clock_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  const RetryPolicy policy_;
  const std::shared_ptr<Sleeper> sleeper_;
  const std::shared_ptr<const Clock> clock_;
  absl::Mutex mu_;
  absl::BitGen bitgen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_RETRY_H_

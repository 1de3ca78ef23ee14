// Retry policy for Daytona calls.
#include "lib/daytona/retry.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/daytona/daytona_errors.h"

namespace sandboxd::daytona {
namespace {

class RealSleeper final : public Sleeper {
 public:
  bool Sleep(absl::Duration duration, const CallContext& ctx) override {
    return !ctx.cancellation()->WaitUntil(absl::Now() + duration);
  }
};

absl::BitGen MakeBitGen(std::optional<uint64_t> seed) {
  if (!seed.has_value()) return absl::BitGen();
  std::seed_seq seq{static_cast<uint32_t>(*seed),
                    static_cast<uint32_t>(*seed >> 32)};
  return absl::BitGen(seq);
}

// Daytona sends delta-seconds (possibly fractional); HTTP-dates are ignored.
std::optional<absl::Duration> ParseSeconds(const std::string& value) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !std::isfinite(seconds) ||
      seconds < 0) {
    return std::nullopt;
  }
  return absl::Seconds(seconds);
}

void KeepMax(std::optional<absl::Duration>& best, absl::Duration candidate) {
  if (!best.has_value() || candidate > *best) best = candidate;
}

}  // namespace

std::shared_ptr<Sleeper> MakeRealSleeper() {
  return std::make_shared<RealSleeper>();
}

std::optional<absl::Duration> RateLimitDelay(const HttpHeaders& headers) {
  constexpr absl::string_view kRetryAfter = "retry-after";
  constexpr absl::string_view kReset = "x-ratelimit-reset-";
  constexpr absl::string_view kRemaining = "x-ratelimit-remaining-";
  std::optional<absl::Duration> retry_after;
  std::optional<absl::Duration> exhausted_reset;
  std::optional<absl::Duration> any_reset;
  for (const auto& [name, value] : headers.entries()) {
    const std::string lower = absl::AsciiStrToLower(name);
    std::optional<absl::Duration> seconds = ParseSeconds(value);
    if (!seconds.has_value()) continue;
    if (lower == kRetryAfter ||
        absl::StartsWith(lower, absl::StrCat(kRetryAfter, "-"))) {
      KeepMax(retry_after, *seconds);
    } else if (absl::StartsWith(lower, kReset)) {
      KeepMax(any_reset, *seconds);
      const std::string throttler = lower.substr(kReset.size());
      std::optional<std::string> remaining =
          headers.Get(absl::StrCat(kRemaining, throttler));
      if (remaining.has_value() && *remaining == "0") {
        KeepMax(exhausted_reset, *seconds);
      }
    }
  }
  if (retry_after.has_value()) return retry_after;
  if (exhausted_reset.has_value()) return exhausted_reset;
  return any_reset;
}

bool IsSuccess(const HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

bool IsServerRequestedWait(const absl::StatusOr<HttpResponse>& outcome) {
  return outcome.ok() &&
         (outcome->status == 429 || IsStateChangeInProgress(*outcome));
}

bool IsRetryable(const absl::StatusOr<HttpResponse>& outcome,
                 Idempotency idempotency) {
  const bool idempotent = idempotency == Idempotency::kIdempotent;
  if (!outcome.ok()) {
    if (!IsTransportError(outcome.status())) return false;
    return idempotent || IsNotSentError(outcome.status());
  }
  if (IsServerRequestedWait(outcome)) return true;
  const int status = outcome->status;
  if (status == 408 || (status >= 500 && status < 600 && status != 501)) {
    return idempotent;
  }
  return false;
}

Retrier::Retrier(RetryPolicy policy, std::shared_ptr<Sleeper> sleeper,
                 std::shared_ptr<const Clock> clock,
                 std::optional<uint64_t> seed)
    : policy_(std::move(policy)),
      sleeper_(std::move(sleeper)),
      clock_(std::move(clock)),
      bitgen_(MakeBitGen(seed)) {}

absl::StatusOr<absl::Duration> Retrier::AttemptTimeout(
    const CallContext& ctx) const {
  const absl::Duration left = ctx.deadline() - clock_->Now();
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("deadline exceeded");
  }
  return std::min(left, policy_.max_attempt_timeout);
}

absl::Duration Retrier::Backoff(int retry) {
  const double factor = std::pow(policy_.multiplier, std::min(retry, 62));
  const absl::Duration cap =
      std::min(policy_.max_backoff, policy_.initial_backoff * factor);
  absl::MutexLock lock(&mu_);
  const double fraction = absl::Uniform(bitgen_, 0.0, 1.0);
  return cap * fraction;
}

std::optional<absl::Duration> Retrier::RetryDelay(
    const absl::StatusOr<HttpResponse>& outcome, Idempotency idempotency,
    int retry, int faults) {
  if (!IsRetryable(outcome, idempotency)) return std::nullopt;
  if (outcome.ok() && outcome->status == 429) {
    std::optional<absl::Duration> hint = RateLimitDelay(outcome->headers);
    if (hint.has_value()) return std::min(*hint, policy_.max_retry_after);
    return Backoff(retry);
  }
  if (IsServerRequestedWait(outcome)) return Backoff(retry);
  if (faults >= policy_.max_attempts) return std::nullopt;
  return Backoff(retry);
}

absl::Status Retrier::Wait(absl::Duration duration, const CallContext& ctx) {
  if (ctx.cancelled()) return absl::CancelledError("cancelled");
  if (clock_->Now() + duration >= ctx.deadline()) {
    return absl::DeadlineExceededError("deadline exceeded");
  }
  if (!sleeper_->Sleep(duration, ctx)) {
    return absl::CancelledError("cancelled");
  }
  return absl::OkStatus();
}

absl::Status Retrier::Failure(absl::string_view operation,
                              const absl::StatusOr<HttpResponse>& outcome) {
  if (!outcome.ok()) return WithOperation(operation, outcome.status());
  return HttpError(operation, *outcome);
}

absl::StatusOr<HttpResponse> Retrier::Run(absl::string_view operation,
                                          Idempotency idempotency,
                                          const CallContext& ctx,
                                          const Attempt& attempt) {
  int faults = 0;
  for (int retry = 0;; ++retry) {
    absl::StatusOr<absl::Duration> timeout = AttemptTimeout(ctx);
    if (!timeout.ok()) return WithOperation(operation, timeout.status());
    absl::StatusOr<HttpResponse> outcome = attempt(*timeout);
    if (outcome.ok() && IsSuccess(*outcome)) return outcome;
    if (!IsServerRequestedWait(outcome)) ++faults;
    std::optional<absl::Duration> delay =
        RetryDelay(outcome, idempotency, retry, faults);
    absl::Status last = Failure(operation, outcome);
    if (!delay.has_value()) return last;
    absl::Status waited = Wait(*delay, ctx);
    if (!waited.ok()) {
      return absl::Status(
          waited.code(),
          absl::StrCat("daytona: ", std::string(operation), ": ",
                       waited.message(), " after ", retry + 1,
                       " attempts; last error: ", last.message()));
    }
  }
}

}  // namespace sandboxd::daytona

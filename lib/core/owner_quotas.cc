#include "lib/core/owner_quotas.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/core/retry_hint.h"

namespace sandboxd {

// The owner's admission lock and creates-per-minute bucket. The bucket is a
// GCRA (virtual scheduling): `next` is when the bucket would be empty again,
// in exact absl::Duration arithmetic so a minute on the fake clock refills
// it exactly.
struct OwnerQuotas::Admission::State {
  explicit State(std::string owner) : owner(std::move(owner)) {}
  const std::string owner;
  absl::Mutex mu;
  absl::Time next ABSL_GUARDED_BY(mu) = absl::InfinitePast();
};

OwnerQuotas::OwnerQuotas(QuotaLimits limits, std::shared_ptr<Clock> clock)
    : limits_(limits), clock_(std::move(clock)) {}

OwnerQuotas::~OwnerQuotas() = default;

OwnerQuotas::Admission OwnerQuotas::Begin(const Caller& caller) {
  if (caller.admin) return Admission(this, nullptr);
  Admission::State* state;
  {
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Admission::State>& slot = owners_[caller.owner];
    if (slot == nullptr)
      slot = std::make_unique<Admission::State>(caller.owner);
    state = slot.get();
  }
  return Admission(this, state);
}

OwnerQuotas::Admission::Admission(OwnerQuotas* quotas, State* state)
    : quotas_(quotas), state_(state) {
  if (state_ != nullptr) state_->mu.Lock();
}

OwnerQuotas::Admission::~Admission() {
  if (state_ != nullptr) state_->mu.Unlock();
}

absl::Status OwnerQuotas::Admission::Check(const OwnerUsage& usage)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // state_->mu is held since the ctor
  if (state_ == nullptr) return absl::OkStatus();
  const QuotaLimits& limits = quotas_->limits_;
  const std::string who = absl::StrCat("owner \"", state_->owner, "\"");
  if (const int n = limits.max_creates_per_minute; n > 0) {
    const absl::Duration interval = absl::Minutes(1) / n;
    const absl::Time now = quotas_->clock_->Now();
    const absl::Time next = std::max(state_->next, now);
    // Room for one more while the bucket holds less than a minute's worth.
    const absl::Duration over = next + interval - now - absl::Minutes(1);
    if (over > absl::ZeroDuration()) {
      return ResourceExhaustedWithRetry(
          absl::StrCat("quota max_creates_per_minute exceeded: ", who,
                       " may create ", n, " sandboxes per minute"),
          over);
    }
  }
  if (const int n = limits.max_sandboxes; n > 0 && usage.sandboxes >= n) {
    return ResourceExhaustedWithRetry(
        absl::StrCat("quota max_sandboxes_per_owner exceeded: ", who, " has ",
                     usage.sandboxes, " sandboxes (limit ", n, "); delete one"),
        kSandboxesRetryAfter);
  }
  if (const int n = limits.max_builds; n > 0 && usage.builds >= n) {
    return ResourceExhaustedWithRetry(
        absl::StrCat("quota max_builds_per_owner exceeded: ", who, " has ",
                     usage.builds, " builds queued or running (limit ", n, ")"),
        kBuildsRetryAfter);
  }
  return absl::OkStatus();
}

void OwnerQuotas::Admission::Commit() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (state_ == nullptr) return;
  const int n = quotas_->limits_.max_creates_per_minute;
  if (n <= 0) return;
  const absl::Time now = quotas_->clock_->Now();
  state_->next = std::max(state_->next, now) + absl::Minutes(1) / n;
}

}  // namespace sandboxd

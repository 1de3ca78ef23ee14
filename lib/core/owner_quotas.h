// OwnerQuotas: the per-owner limits on Create (README "Quotas and
// admission"): sandboxes kept, creates per minute, builds at once. Used by
// SandboxManager::Create, which counts the owner's usage while it holds the
// owner's Admission so that concurrent creates cannot overshoot a limit.
#ifndef SANDBOXD_LIB_CORE_OWNER_QUOTAS_H_
#define SANDBOXD_LIB_CORE_OWNER_QUOTAS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/core/caller.h"

namespace sandboxd {

// Per-owner limits; 0 turns a limit off. Admin callers are exempt.
struct QuotaLimits {
  // Sandboxes the owner has that are not DELETED (FAILED ones keep their
  // provider sandbox for diagnosis, so they count until deleted).
  int max_sandboxes = 50;
  // Accepted creates per minute: a token bucket of this size, refilled
  // evenly over a minute (a burst of this many, then one every 60/N s).
  int max_creates_per_minute = 60;
  // The owner's builds queued or running: sandboxes PENDING or BUILDING
  // (restarts of stopped sandboxes included). A Create beyond it is refused
  // rather than queued.
  int max_builds = 20;
};

// What an owner holds now, counted by the caller of Admission::Check.
struct OwnerUsage {
  int64_t sandboxes = 0;  // not DELETED
  int64_t builds = 0;     // PENDING or BUILDING
};

// Thread-safe. Owner state (a mutex and a token bucket) is kept for every
// owner ever seen: a few dozen bytes per token subject.
class OwnerQuotas {
 public:
  // Retry hints where the wait cannot be computed: a sandbox is freed when
  // its owner deletes it; a build slot when a build ends (minutes).
  static constexpr absl::Duration kSandboxesRetryAfter = absl::Seconds(60);
  static constexpr absl::Duration kBuildsRetryAfter = absl::Seconds(30);

  OwnerQuotas(QuotaLimits limits, std::shared_ptr<Clock> clock);
  ~OwnerQuotas();

  // One Create's admission. Holds the owner's admission lock while it lives:
  // count the usage, Check, create, then Commit.
  class Admission {
   public:
    ~Admission();
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;

    // OK, or RESOURCE_EXHAUSTED naming the quota and its limit with a retry
    // hint (lib/core/retry_hint.h). Always OK for admins.
    absl::Status Check(const OwnerUsage& usage);
    // Charges the accepted create to the owner's creates-per-minute bucket.
    void Commit();
    bool exempt() const { return state_ == nullptr; }

   private:
    friend class OwnerQuotas;
    struct State;
    Admission(OwnerQuotas* quotas, State* state);

    OwnerQuotas* const quotas_;
    State* const state_;  // null for admins
  };

  // Blocks while another admission of the same owner is alive.
  Admission Begin(const Caller& caller);

  const QuotaLimits& limits() const { return limits_; }

 private:
  const QuotaLimits limits_;
  const std::shared_ptr<Clock> clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Admission::State>> owners_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_OWNER_QUOTAS_H_

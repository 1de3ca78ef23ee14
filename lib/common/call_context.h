// Deadline and cancellation for one blocking operation (a provider call, a
// build phase). Passed down from lib/core to providers; providers poll or wait
// on it.
#ifndef SANDBOXD_LIB_COMMON_CALL_CONTEXT_H_
#define SANDBOXD_LIB_COMMON_CALL_CONTEXT_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sandboxd {

// A one-way "stop now" signal shared by the canceller and the workers.
// Thread-safe.
class Cancellation {
 public:
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  bool IsCancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  // Blocks until cancelled or `until` passes. Returns true if cancelled.
  bool WaitUntil(absl::Time until) const {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithDeadline(absl::Condition(&cancelled_), until);
    return cancelled_;
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// Immutable after construction; cheap to copy. Thread-safe.
class CallContext {
 public:
  explicit CallContext(absl::Time deadline,
                       std::shared_ptr<const Cancellation> cancellation =
                           std::make_shared<Cancellation>())
      : deadline_(deadline), cancellation_(std::move(cancellation)) {}

  absl::Time deadline() const { return deadline_; }
  bool cancelled() const { return cancellation_->IsCancelled(); }
  // True once cancelled or past the deadline.
  bool Done() const { return cancelled() || absl::Now() >= deadline_; }
  // Sleeps for `d`, cut short by cancellation or the deadline. Returns false
  // if the sleep was cut short (the caller should give up).
  bool SleepFor(absl::Duration d) const {
    absl::Time until = std::min(absl::Now() + d, deadline_);
    if (cancellation_->WaitUntil(until)) return false;
    return until < deadline_;
  }
  // The same cancellation with a tighter deadline.
  CallContext WithDeadline(absl::Time deadline) const {
    return CallContext(std::min(deadline, deadline_), cancellation_);
  }
  const std::shared_ptr<const Cancellation>& cancellation() const {
    return cancellation_;
  }

 private:
  absl::Time deadline_;
  std::shared_ptr<const Cancellation> cancellation_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_COMMON_CALL_CONTEXT_H_

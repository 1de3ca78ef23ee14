// A Clock that moves only when a test says so.
#ifndef SANDBOXD_TESTS_TESTING_FAKE_CLOCK_H_
#define SANDBOXD_TESTS_TESTING_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "lib/common/clock.h"

namespace sandboxd::testing {

// Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1790000000))
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_TESTING_FAKE_CLOCK_H_

// A hand-set Clock for sandboxctl's tests (watch elapsed times, list ages).
#ifndef SANDBOXD_TESTS_CLIENT_FAKE_CLOCK_H_
#define SANDBOXD_TESTS_CLIENT_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"

namespace sandboxd::client::testing {

// Thread-safe: the integration test's server thread may advance it while
// the runner reads it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
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

}  // namespace sandboxd::client::testing

#endif  // SANDBOXD_TESTS_CLIENT_FAKE_CLOCK_H_

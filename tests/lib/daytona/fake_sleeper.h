// A settable clock and a Sleeper that advances it instead of sleeping, for
// the Daytona adapter's unit tests. Thread-safe.
#ifndef SANDBOXD_TESTS_LIB_DAYTONA_FAKE_SLEEPER_H_
#define SANDBOXD_TESTS_LIB_DAYTONA_FAKE_SLEEPER_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/common/clock.h"
#include "lib/daytona/retry.h"

namespace sandboxd::daytona::testing {

// A fixed instant far from the real time, so nothing can pass by accident.
inline const absl::Time kTestEpoch = absl::FromUnixSeconds(1'900'000'000);

class FakeClock final : public Clock {
 public:
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
  absl::Time now_ = kTestEpoch;
};

class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(std::shared_ptr<FakeClock> clock)
      : clock_(std::move(clock)) {}
  bool Sleep(absl::Duration d, const CallContext& ctx) override {
    {
      absl::MutexLock lock(&mu_);
      sleeps_.push_back(d);
    }
    clock_->Advance(d);
    return !ctx.cancelled();
  }
  std::vector<absl::Duration> sleeps() const {
    absl::MutexLock lock(&mu_);
    return sleeps_;
  }

 private:
  std::shared_ptr<FakeClock> clock_;
  mutable absl::Mutex mu_;
  std::vector<absl::Duration> sleeps_;
};

// A context whose deadline is `budget` after the fake epoch.
inline CallContext TestContext(absl::Duration budget = absl::Hours(1)) {
  return CallContext(kTestEpoch + budget);
}

}  // namespace sandboxd::daytona::testing

#endif  // SANDBOXD_TESTS_LIB_DAYTONA_FAKE_SLEEPER_H_

// The time seam: production code reads time through Clock so tests can drive
// it. Used by lib/core (reaper, deadlines, event times) and lib/store.
#ifndef SANDBOXD_LIB_COMMON_CLOCK_H_
#define SANDBOXD_LIB_COMMON_CLOCK_H_

#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sandboxd {

// Thread-safe. Now() never blocks.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

inline std::shared_ptr<Clock> MakeSystemClock() {
  return std::make_shared<SystemClock>();
}

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_COMMON_CLOCK_H_

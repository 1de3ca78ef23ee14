// EventLog: numbers each sandbox's build events, persists them through the
// Store before anyone sees them, keeps a small in-memory tail per sandbox, and
// wakes watchers (WatchBuild streams) when new events arrive. Used by the
// build pipeline (writer) and by server/'s WatchBuild reactors (readers).
//
// Watchers never slow the writer: Append only persists, pushes to the tail and
// hands one-shot wake-ups to a notifier thread. A watcher reads at its own
// pace; one that falls behind the tail reads from the store.
#ifndef SANDBOXD_LIB_CORE_EVENT_LOG_H_
#define SANDBOXD_LIB_CORE_EVENT_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/clock.h"
#include "lib/store/store.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

// Thread-safe.
class EventLog {
 public:
  struct Options {
    int tail_size = 256;  // events kept in memory per sandbox
    int max_log_events =
        10000;  // log lines recorded per sandbox (then dropped)
    size_t max_line_bytes = 4096;  // longer log lines are cut
  };

  EventLog(Store* store, std::shared_ptr<Clock> clock, Options options);
  ~EventLog();

  // Assigns the next sequence number and the time, persists the event, then
  // wakes waiters. Returns the sequence number, or 0 when a log line was
  // dropped because the sandbox reached max_log_events (one notice is
  // recorded instead). Errors come from the store.
  absl::StatusOr<int64_t> Append(const std::string& sandbox_id,
                                 sandbox::v1::BuildEvent event);

  // Whether a build (or restart) of the sandbox is in progress, so that
  // watchers should wait for more events. Clearing it wakes every waiter.
  void SetActive(const std::string& sandbox_id, bool active);
  bool IsActive(const std::string& sandbox_id);

  // Up to `max` events with sequence > `after`, ascending.
  absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> Read(
      const std::string& sandbox_id, int64_t after, int max);

  // The last recorded sequence number (0 if none).
  absl::StatusOr<int64_t> LastSequence(const std::string& sandbox_id);

  // Runs `wake` once on the notifier thread as soon as an event with
  // sequence > `after` exists or the sandbox is not active (immediately if
  // that is already true). `wake` must not block. Returns a handle for
  // CancelWait; a cancelled wake-up may still run if it was already due.
  uint64_t Wait(const std::string& sandbox_id, int64_t after,
                std::function<void()> wake);
  void CancelWait(const std::string& sandbox_id, uint64_t handle);

  // Drops the in-memory state of a purged sandbox.
  void Forget(const std::string& sandbox_id);

 private:
  struct Waiter {
    int64_t after;
    std::function<void()> wake;
  };
  struct Stream {
    absl::Mutex mu;
    bool loaded ABSL_GUARDED_BY(mu) = false;
    int64_t last_sequence ABSL_GUARDED_BY(mu) = 0;
    std::deque<sandbox::v1::BuildEvent> tail ABSL_GUARDED_BY(mu);
    bool active ABSL_GUARDED_BY(mu) = false;
    int log_events ABSL_GUARDED_BY(mu) = 0;
    bool truncated ABSL_GUARDED_BY(mu) = false;
    std::map<uint64_t, Waiter> waiters ABSL_GUARDED_BY(mu);
  };

  std::shared_ptr<Stream> GetStream(const std::string& sandbox_id);
  absl::Status LoadLocked(const std::string& sandbox_id, Stream& stream)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stream.mu);
  absl::StatusOr<int64_t> AppendLocked(const std::string& sandbox_id,
                                       Stream& stream,
                                       sandbox::v1::BuildEvent event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stream.mu);
  void Notify(std::vector<std::function<void()>> wakes);
  void NotifierLoop();

  Store* const store_;
  const std::shared_ptr<Clock> clock_;
  const Options options_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Stream>> streams_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_handle_ ABSL_GUARDED_BY(mu_) = 1;

  absl::Mutex notify_mu_;
  std::deque<std::function<void()>> pending_ ABSL_GUARDED_BY(notify_mu_);
  bool stopping_ ABSL_GUARDED_BY(notify_mu_) = false;
  std::thread notifier_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_EVENT_LOG_H_

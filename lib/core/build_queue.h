// BuildQueue: a bounded queue of build tasks served by a fixed pool of worker
// threads, fair across owners: each owner has a FIFO lane and the workers
// take one task from each lane in turn (round-robin), so a burst from one
// owner waits behind no more than one task of every other owner per round.
// SandboxManager queues builds and restarts here so that a burst of creates
// never runs more builds at once than the host can take.
#ifndef SANDBOXD_LIB_CORE_BUILD_QUEUE_H_
#define SANDBOXD_LIB_CORE_BUILD_QUEUE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sandboxd {

// Thread-safe.
class BuildQueue {
 public:
  using Task = std::function<void()>;

  // The retry hint of a refusal because the queue is full.
  static constexpr absl::Duration kFullRetryAfter = absl::Seconds(60);

  // Starts `workers` threads; at most `max_queued` tasks wait (all owners).
  BuildQueue(int workers, size_t max_queued);
  // Shuts down (see Shutdown).
  ~BuildQueue();

  // Queues `task` under `key` (a sandbox id) in `owner`'s lane. Returns its
  // 1-based position in the fair order. RESOURCE_EXHAUSTED (with a retry
  // hint, lib/core/retry_hint.h) when the queue is full, UNAVAILABLE after
  // Shutdown, ALREADY_EXISTS if `key` is already queued.
  absl::StatusOr<int> Enqueue(const std::string& key, const std::string& owner,
                              Task task);
  // Same, in the lane of the empty owner (plain FIFO when nobody else queues).
  absl::StatusOr<int> Enqueue(const std::string& key, Task task) {
    return Enqueue(key, "", std::move(task));
  }

  // Removes a queued task. False if it is not queued (running or unknown).
  bool Remove(const std::string& key);

  // 1-based position of a queued task in the order the workers will take
  // the queued tasks if nothing else arrives; 0 if not queued. A later task
  // of an owner with a shorter lane can move ahead: that is the fairness.
  int Position(const std::string& key) const;
  // The position a task of `owner` queued now would get.
  int NextPosition(const std::string& owner) const;

  size_t queued() const;
  size_t running() const;

  // Stops taking tasks, drops the queued ones (returned, so the caller can
  // record them) and waits for running tasks to return.
  std::vector<std::string> Shutdown();

 private:
  struct Entry {
    std::string key;
    Task task;
  };
  struct Lane {
    std::string owner;
    std::deque<Entry> entries;
  };

  void WorkerLoop();
  // Lane index of `owner`, or lanes_.size() if it has none.
  size_t LaneOf(const std::string& owner) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Position of the `index`-th entry of lane `lane` (which may be one past
  // the end of the lane, or of lanes_).
  int PositionLocked(size_t lane, size_t index) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  // The round-robin ring: the front lane gives the next task, then goes to
  // the back; a lane is dropped when empty, a new owner's lane joins at the
  // back.
  std::deque<Lane> lanes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> owner_of_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_BUILD_QUEUE_H_

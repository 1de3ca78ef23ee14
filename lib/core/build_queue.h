// BuildQueue: a bounded FIFO of build tasks served by a fixed pool of worker
// threads. SandboxManager queues builds and restarts here so that a burst of
// creates never runs more builds at once than the host can take.
#ifndef SANDBOXD_LIB_CORE_BUILD_QUEUE_H_
#define SANDBOXD_LIB_CORE_BUILD_QUEUE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace sandboxd {

// Thread-safe.
class BuildQueue {
 public:
  using Task = std::function<void()>;

  // Starts `workers` threads; at most `max_queued` tasks wait.
  BuildQueue(int workers, size_t max_queued);
  // Shuts down (see Shutdown).
  ~BuildQueue();

  // Queues `task` under `key` (a sandbox id). Returns its 1-based position.
  // RESOURCE_EXHAUSTED when the queue is full, UNAVAILABLE after Shutdown,
  // ALREADY_EXISTS if `key` is already queued.
  absl::StatusOr<int> Enqueue(const std::string& key, Task task);

  // Removes a queued task. False if it is not queued (running or unknown).
  bool Remove(const std::string& key);

  // 1-based position of a queued task; 0 if not queued.
  int Position(const std::string& key) const;

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
  void WorkerLoop();

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_BUILD_QUEUE_H_

// A long-lived thread that runs closures one at a time, for work that must
// happen on one stable thread: spawning sandboxes (PR_SET_PDEATHSIG follows
// the spawning thread) and netns dialing (setns changes only that thread).
// Thread-safe: Run may be called from any thread; it blocks until done.
#ifndef SANDBOXD_LIB_LOCAL_TASK_THREAD_H_
#define SANDBOXD_LIB_LOCAL_TASK_THREAD_H_

#include <deque>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace sandboxd::local {

class TaskThread {
 public:
  TaskThread() : thread_([this] { Loop(); }) {}
  ~TaskThread() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  // Runs `task` on the thread and waits for it.
  void Run(const std::function<void()>& task) {
    absl::Notification done;
    {
      absl::MutexLock lock(&mu_);
      queue_.push_back([&] {
        task();
        done.Notify();
      });
    }
    done.WaitForNotification();
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](TaskThread* self) {
              return self->stopping_ || !self->queue_.empty();
            },
            this));
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_TASK_THREAD_H_

#include "lib/core/build_queue.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sandboxd {

BuildQueue::BuildQueue(int workers, size_t max_queued)
    : max_queued_(max_queued) {
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

BuildQueue::~BuildQueue() { Shutdown(); }

absl::StatusOr<int> BuildQueue::Enqueue(const std::string& key, Task task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("build queue is shutting down");
  for (const Entry& entry : queue_) {
    if (entry.key == key) {
      return absl::AlreadyExistsError(absl::StrCat(key, " is already queued"));
    }
  }
  if (queue_.size() >= max_queued_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("build queue is full (", max_queued_,
                     " builds waiting); retry in a minute"));
  }
  queue_.push_back(Entry{key, std::move(task)});
  return static_cast<int>(queue_.size());
}

bool BuildQueue::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->key == key) {
      queue_.erase(it);
      return true;
    }
  }
  return false;
}

int BuildQueue::Position(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < queue_.size(); ++i) {
    if (queue_[i].key == key) return static_cast<int>(i + 1);
  }
  return 0;
}

size_t BuildQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

size_t BuildQueue::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

std::vector<std::string> BuildQueue::Shutdown() {
  std::vector<std::string> dropped;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && workers_.empty()) return dropped;
    stopping_ = true;
    for (Entry& entry : queue_) dropped.push_back(entry.key);
    queue_.clear();
  }
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  return dropped;
}

void BuildQueue::WorkerLoop() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  };
  while (true) {
    Entry entry;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_work));
      if (stopping_) return;
      entry = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    entry.task();
    absl::MutexLock lock(&mu_);
    --running_;
  }
}

}  // namespace sandboxd

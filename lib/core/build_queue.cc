#include "lib/core/build_queue.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/core/retry_hint.h"

namespace sandboxd {

BuildQueue::BuildQueue(int workers, size_t max_queued)
    : max_queued_(max_queued) {
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

BuildQueue::~BuildQueue() { Shutdown(); }

absl::StatusOr<int> BuildQueue::Enqueue(const std::string& key,
                                        const std::string& owner, Task task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("build queue is shutting down");
  if (owner_of_.contains(key)) {
    return absl::AlreadyExistsError(absl::StrCat(key, " is already queued"));
  }
  if (queued_ >= max_queued_) {
    return ResourceExhaustedWithRetry(
        absl::StrCat("the build queue is full (", max_queued_,
                     " builds waiting)"),
        kFullRetryAfter);
  }
  size_t lane = LaneOf(owner);
  if (lane == lanes_.size()) lanes_.push_back(Lane{owner, {}});
  lanes_[lane].entries.push_back(Entry{key, std::move(task)});
  owner_of_[key] = owner;
  ++queued_;
  return PositionLocked(lane, lanes_[lane].entries.size() - 1);
}

bool BuildQueue::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto owner = owner_of_.find(key);
  if (owner == owner_of_.end()) return false;
  const size_t lane = LaneOf(owner->second);
  std::deque<Entry>& entries = lanes_[lane].entries;
  entries.erase(std::find_if(entries.begin(), entries.end(),
                             [&](const Entry& e) { return e.key == key; }));
  if (entries.empty()) lanes_.erase(lanes_.begin() + lane);
  owner_of_.erase(owner);
  --queued_;
  return true;
}

size_t BuildQueue::LaneOf(const std::string& owner) const {
  for (size_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i].owner == owner) return i;
  }
  return lanes_.size();
}

// Round r takes the r-th task of every lane long enough, lanes in ring
// order. The `index`-th task of lane `lane` goes in round `index`, after
// min(len, index) tasks of every other lane and after the lanes ahead of it
// in the ring that still have a task in that round.
int BuildQueue::PositionLocked(size_t lane, size_t index) const {
  size_t ahead = index;
  for (size_t i = 0; i < lanes_.size(); ++i) {
    if (i == lane) continue;
    const size_t length = lanes_[i].entries.size();
    ahead += std::min(length, index);
    if (i < lane && length > index) ++ahead;
  }
  return static_cast<int>(ahead + 1);
}

int BuildQueue::Position(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto owner = owner_of_.find(key);
  if (owner == owner_of_.end()) return 0;
  const size_t lane = LaneOf(owner->second);
  const std::deque<Entry>& entries = lanes_[lane].entries;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].key == key) return PositionLocked(lane, i);
  }
  return 0;
}

int BuildQueue::NextPosition(const std::string& owner) const {
  absl::MutexLock lock(&mu_);
  const size_t lane = LaneOf(owner);
  const size_t index = lane == lanes_.size() ? 0 : lanes_[lane].entries.size();
  return PositionLocked(lane, index);
}

size_t BuildQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
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
    // In the order they would have run.
    while (!lanes_.empty()) {
      Lane lane = std::move(lanes_.front());
      lanes_.pop_front();
      dropped.push_back(lane.entries.front().key);
      lane.entries.pop_front();
      if (!lane.entries.empty()) lanes_.push_back(std::move(lane));
    }
    owner_of_.clear();
    queued_ = 0;
  }
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  return dropped;
}

void BuildQueue::WorkerLoop() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !lanes_.empty();
  };
  while (true) {
    Entry entry;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_work));
      if (stopping_) return;
      Lane lane = std::move(lanes_.front());
      lanes_.pop_front();
      entry = std::move(lane.entries.front());
      lane.entries.pop_front();
      if (!lane.entries.empty()) lanes_.push_back(std::move(lane));
      owner_of_.erase(entry.key);
      --queued_;
      ++running_;
    }
    entry.task();
    absl::MutexLock lock(&mu_);
    --running_;
  }
}

}  // namespace sandboxd

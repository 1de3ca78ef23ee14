#include "server/watch_reactor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/status_bridge.h"

namespace sandboxd {

void WatchRegistry::Add(std::shared_ptr<WatchReactor> reactor) {
  absl::MutexLock lock(&mu_);
  open_.insert(std::move(reactor));
  if (watchers_ != nullptr)
    watchers_->Set({}, static_cast<double>(open_.size()));
}

void WatchRegistry::Remove(WatchReactor* reactor) {
  std::shared_ptr<WatchReactor> released;
  absl::MutexLock lock(&mu_);
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->get() == reactor) {
      // Destroyed outside the lock, when `released` goes out of scope.
      released = *it;
      open_.erase(it);
      break;
    }
  }
  if (watchers_ != nullptr)
    watchers_->Set({}, static_cast<double>(open_.size()));
}

void WatchRegistry::DrainAll() {
  std::vector<std::shared_ptr<WatchReactor>> open;
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
    open.assign(open_.begin(), open_.end());
  }
  for (auto& reactor : open) reactor->Drain();
}

bool WatchRegistry::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

size_t WatchRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return open_.size();
}

WatchReactor::WatchReactor(EventLog* events, WatchRegistry* registry,
                           std::string sandbox_id, int64_t after_sequence)
    : events_(events),
      registry_(registry),
      sandbox_id_(std::move(sandbox_id)),
      cursor_(after_sequence) {}

void WatchReactor::Begin() {
  const absl::Duration max = registry_->max_stream_duration();
  if (max != absl::InfiniteDuration()) {
    // The alarm's callback may run after the reactor is gone (with ok false
    // once the alarm is destroyed): it holds only a weak reference.
    std::weak_ptr<WatchReactor> weak = weak_from_this();
    expiry_.Set(absl::ToChronoTime(absl::Now() + max), [weak](bool ok) {
      if (!ok) return;
      if (auto self = weak.lock()) self->Expire();
    });
  }
  Pump();
}

void WatchReactor::Expire() {
  absl::MutexLock lock(&mu_);
  expired_ = true;
  // With a write in flight, OnWriteDone's Pump finishes the stream.
  if (!writing_) FinishLocked(ResumeStatusLocked());
}

grpc::Status WatchReactor::ResumeStatusLocked() const {
  const char* why = draining_ ? "sandboxd is shutting down"
                              : "the stream reached the server's maximum "
                                "duration (--max_watch_duration)";
  return grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      absl::StrCat(why, "; reconnect with after_sequence=", cursor_));
}

void WatchReactor::Fail(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  FinishLocked(status);
}

void WatchReactor::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  // With a write in flight, OnWriteDone finishes the stream.
  if (!writing_) FinishLocked(ResumeStatusLocked());
}

void WatchReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  if (wait_handle_ != 0) events_->CancelWait(sandbox_id_, wait_handle_);
  Finish(status);
}

void WatchReactor::Pump() {
  absl::MutexLock lock(&mu_);
  if (finished_ || writing_) return;
  if (draining_ || expired_) {
    FinishLocked(ResumeStatusLocked());
    return;
  }
  if (pending_.empty()) {
    // Whether the build is still going must be read before the events: an
    // event appended in between is then seen by the Read (or wakes us).
    bool active = events_->IsActive(sandbox_id_);
    absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> events =
        events_->Read(sandbox_id_, cursor_, kBatch);
    if (!events.ok()) {
      FinishLocked(ToGrpcStatus(events.status()));
      return;
    }
    for (auto& event : *events) pending_.push_back(std::move(event));
    if (pending_.empty()) {
      if (!active) {
        FinishLocked(grpc::Status::OK);
        return;
      }
      std::weak_ptr<WatchReactor> weak = weak_from_this();
      wait_handle_ = events_->Wait(sandbox_id_, cursor_, [weak] {
        if (auto self = weak.lock()) self->Pump();
      });
      return;
    }
  }
  current_ = std::move(pending_.front());
  pending_.pop_front();
  cursor_ = current_.sequence();
  writing_ = true;
  StartWrite(&current_);
}

void WatchReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      // The client is gone; OnCancel follows.
      FinishLocked(
          grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
  }
  Pump();
}

void WatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
}

void WatchReactor::OnDone() { registry_->Remove(this); }

}  // namespace sandboxd

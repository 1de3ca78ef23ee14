#include "lib/http/stream_channel.h"

#include <utility>

namespace sandboxd {

StreamChannel::StreamChannel(size_t max_queued_bytes)
    : max_queued_bytes_(max_queued_bytes) {}

bool StreamChannel::Wake() {
  if (wake_pending_) return false;
  wake_pending_ = true;
  return true;
}

bool StreamChannel::Respond(HttpResponse response, bool& wake) {
  absl::MutexLock lock(&mu_);
  wake = false;
  if (!Open() || started_) return false;
  responded_ = true;
  response_ = std::move(response);
  wake = Wake();
  return true;
}

bool StreamChannel::Start(HttpResponseHeader header, bool& wake) {
  absl::MutexLock lock(&mu_);
  wake = false;
  if (!Open() || started_) return false;
  started_ = true;
  header_ = std::move(header);
  wake = Wake();
  return true;
}

StreamChannel::PushResult StreamChannel::Push(std::string chunk, bool& wake) {
  absl::MutexLock lock(&mu_);
  wake = false;
  if (!Open()) return PushResult::kClosed;
  if (!started_) {
    started_ = true;
    header_.emplace();
    header_->result(boost::beast::http::status::ok);
    wake = Wake();
  }
  if (chunk.empty()) return PushResult::kAccepted;
  if (queued_bytes_ > 0 && queued_bytes_ + chunk.size() > max_queued_bytes_) {
    was_full_ = true;
    return PushResult::kFull;
  }
  queued_bytes_ += chunk.size();
  chunks_.push_back(std::move(chunk));
  if (Wake()) wake = true;
  return PushResult::kAccepted;
}

bool StreamChannel::Finish(bool& wake) {
  absl::MutexLock lock(&mu_);
  wake = false;
  if (!Open()) return false;
  if (!started_) {
    started_ = true;
    header_.emplace();
    header_->result(boost::beast::http::status::ok);
  }
  finished_ = true;
  finish_pending_ = true;
  wake = Wake();
  return true;
}

void StreamChannel::Abandon(bool& wake) {
  absl::MutexLock lock(&mu_);
  wake = false;
  if (!Open()) return;
  abandoned_ = true;
  closed_ = true;
  wake = Wake();
}

bool StreamChannel::WaitWritable(size_t size) {
  absl::MutexLock lock(&mu_);
  auto writable = [this, size]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !Open() || queued_bytes_ == 0 ||
           queued_bytes_ + size <= max_queued_bytes_;
  };
  mu_.Await(absl::Condition(&writable));
  return Open();
}

bool StreamChannel::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

void StreamChannel::SetOnDrained(std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  on_drained_ = std::move(callback);
}

void StreamChannel::SetOnClosed(std::function<void()> callback) {
  {
    absl::MutexLock lock(&mu_);
    if (!closed_ || complete_ || abandoned_) {
      on_closed_ = std::move(callback);
      return;
    }
  }
  callback();
}

StreamChannel::Batch StreamChannel::Take() {
  Batch batch;
  std::function<void()> drained;
  {
    absl::MutexLock lock(&mu_);
    wake_pending_ = false;
    batch.response = std::exchange(response_, std::nullopt);
    batch.header = std::exchange(header_, std::nullopt);
    batch.chunks.swap(chunks_);
    queued_bytes_ = 0;
    batch.finish = std::exchange(finish_pending_, false);
    batch.abandoned = abandoned_;
    if (was_full_ && !closed_) drained = on_drained_;
    was_full_ = false;
  }
  if (drained) drained();
  return batch;
}

void StreamChannel::Close() {
  std::function<void()> closed;
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || complete_) {
      closed_ = true;
      return;
    }
    closed_ = true;
    closed = std::move(on_closed_);
  }
  if (closed) closed();
}

void StreamChannel::MarkComplete() {
  absl::MutexLock lock(&mu_);
  complete_ = true;
  closed_ = true;
}

}  // namespace sandboxd

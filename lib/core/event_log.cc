#include "lib/core/event_log.h"

#include <utility>

#include "google/protobuf/util/time_util.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::BuildEvent;

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string& text, size_t max) {
  if (text.size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  text += "…";
}

}  // namespace

EventLog::EventLog(Store* store, std::shared_ptr<Clock> clock, Options options)
    : store_(store), clock_(std::move(clock)), options_(options) {
  notifier_ = std::thread([this] { NotifierLoop(); });
}

EventLog::~EventLog() {
  {
    absl::MutexLock lock(&notify_mu_);
    stopping_ = true;
  }
  notifier_.join();
}

std::shared_ptr<EventLog::Stream> EventLog::GetStream(
    const std::string& sandbox_id) {
  absl::MutexLock lock(&mu_);
  auto& stream = streams_[sandbox_id];
  if (stream == nullptr) stream = std::make_shared<Stream>();
  return stream;
}

absl::Status EventLog::LoadLocked(const std::string& sandbox_id,
                                  Stream& stream) {
  if (stream.loaded) return absl::OkStatus();
  absl::StatusOr<int64_t> last = store_->LastEventSequence(sandbox_id);
  if (!last.ok()) return last.status();
  stream.last_sequence = *last;
  stream.loaded = true;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> EventLog::Append(const std::string& sandbox_id,
                                         BuildEvent event) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  std::vector<std::function<void()>> wakes;
  int64_t sequence = 0;
  {
    absl::MutexLock lock(&stream->mu);
    if (absl::Status s = LoadLocked(sandbox_id, *stream); !s.ok()) return s;
    if (event.has_log()) {
      if (stream->truncated) return 0;
      if (++stream->log_events > options_.max_log_events) {
        // One notice in place of everything that follows, so the event table
        // stays bounded however much a build prints.
        stream->truncated = true;
        BuildEvent notice;
        notice.set_phase(event.phase());
        notice.mutable_log()->set_stream(sandbox::v1::LOG_STREAM_SYSTEM);
        notice.mutable_log()->set_text(
            "output truncated: further log lines of this sandbox are not "
            "recorded");
        event = std::move(notice);
      } else {
        TruncateUtf8(*event.mutable_log()->mutable_text(),
                     options_.max_line_bytes);
      }
    }
    absl::StatusOr<int64_t> appended =
        AppendLocked(sandbox_id, *stream, std::move(event));
    if (!appended.ok()) return appended.status();
    sequence = *appended;
    for (auto it = stream->waiters.begin(); it != stream->waiters.end();) {
      if (it->second.after < sequence) {
        wakes.push_back(std::move(it->second.wake));
        it = stream->waiters.erase(it);
      } else {
        ++it;
      }
    }
  }
  Notify(std::move(wakes));
  return sequence;
}

absl::StatusOr<int64_t> EventLog::AppendLocked(const std::string& sandbox_id,
                                               Stream& stream,
                                               BuildEvent event) {
  event.set_sequence(stream.last_sequence + 1);
  event.set_sandbox_id(sandbox_id);
  *event.mutable_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(clock_->Now()));
  if (absl::Status s = store_->AppendEvents({event}); !s.ok()) return s;
  stream.last_sequence = event.sequence();
  stream.tail.push_back(std::move(event));
  while (static_cast<int>(stream.tail.size()) > options_.tail_size) {
    stream.tail.pop_front();
  }
  return stream.last_sequence;
}

void EventLog::SetActive(const std::string& sandbox_id, bool active) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  std::vector<std::function<void()>> wakes;
  {
    absl::MutexLock lock(&stream->mu);
    stream->active = active;
    if (active) {
      // A new build (or restart) records its output afresh.
      stream->log_events = 0;
      stream->truncated = false;
    } else {
      for (auto& [handle, waiter] : stream->waiters) {
        wakes.push_back(std::move(waiter.wake));
      }
      stream->waiters.clear();
    }
  }
  Notify(std::move(wakes));
}

bool EventLog::IsActive(const std::string& sandbox_id) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  absl::MutexLock lock(&stream->mu);
  return stream->active;
}

absl::StatusOr<std::vector<BuildEvent>> EventLog::Read(
    const std::string& sandbox_id, int64_t after, int max) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  {
    absl::MutexLock lock(&stream->mu);
    if (absl::Status s = LoadLocked(sandbox_id, *stream); !s.ok()) return s;
    if (after >= stream->last_sequence) return std::vector<BuildEvent>();
    if (!stream->tail.empty() && stream->tail.front().sequence() <= after + 1) {
      std::vector<BuildEvent> events;
      size_t first =
          static_cast<size_t>(after + 1 - stream->tail.front().sequence());
      for (size_t i = first;
           i < stream->tail.size() && static_cast<int>(events.size()) < max;
           ++i) {
        events.push_back(stream->tail[i]);
      }
      return events;
    }
  }
  // Behind the in-memory tail: catch up from the store, outside the lock so
  // the writer is never held up by a slow reader.
  return store_->ReadEvents(sandbox_id, after, max);
}

absl::StatusOr<int64_t> EventLog::LastSequence(const std::string& sandbox_id) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  absl::MutexLock lock(&stream->mu);
  if (absl::Status s = LoadLocked(sandbox_id, *stream); !s.ok()) return s;
  return stream->last_sequence;
}

uint64_t EventLog::Wait(const std::string& sandbox_id, int64_t after,
                        std::function<void()> wake) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  uint64_t handle;
  {
    absl::MutexLock lock(&mu_);
    handle = next_handle_++;
  }
  {
    absl::MutexLock lock(&stream->mu);
    bool due = !LoadLocked(sandbox_id, *stream).ok() || !stream->active ||
               stream->last_sequence > after;
    if (!due) {
      stream->waiters.emplace(handle, Waiter{after, std::move(wake)});
      return handle;
    }
  }
  std::vector<std::function<void()>> wakes;
  wakes.push_back(std::move(wake));
  Notify(std::move(wakes));
  return handle;
}

void EventLog::CancelWait(const std::string& sandbox_id, uint64_t handle) {
  std::shared_ptr<Stream> stream = GetStream(sandbox_id);
  absl::MutexLock lock(&stream->mu);
  stream->waiters.erase(handle);
}

void EventLog::Forget(const std::string& sandbox_id) {
  absl::MutexLock lock(&mu_);
  streams_.erase(sandbox_id);
}

void EventLog::Notify(std::vector<std::function<void()>> wakes) {
  if (wakes.empty()) return;
  absl::MutexLock lock(&notify_mu_);
  for (auto& wake : wakes) pending_.push_back(std::move(wake));
}

void EventLog::NotifierLoop() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(notify_mu_) {
    return stopping_ || !pending_.empty();
  };
  while (true) {
    std::deque<std::function<void()>> batch;
    {
      absl::MutexLock lock(&notify_mu_);
      notify_mu_.Await(absl::Condition(&ready));
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
    }
    for (auto& wake : batch) wake();
  }
}

}  // namespace sandboxd

// The bounded queue between a streaming handler's producer (StreamWriter, any
// thread) and the connection that writes it out (HttpSession, io thread).
// Internal to lib/http.
#ifndef SANDBOXD_LIB_HTTP_STREAM_CHANNEL_H_
#define SANDBOXD_LIB_HTTP_STREAM_CHANNEL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/http/handler.h"

namespace sandboxd {

// Thread-safe. Producer calls report through `wake` whether the session must
// be woken (PumpStream posted); wake-ups coalesce until the session's next
// Take. Callbacks run on the caller's thread, outside the lock.
class StreamChannel {
 public:
  enum class PushResult { kAccepted, kFull, kClosed };

  explicit StreamChannel(size_t max_queued_bytes);

  // Producer side. Each returns false / kClosed once the stream was answered,
  // finished or the client is gone.
  bool Respond(HttpResponse response, bool& wake);
  bool Start(HttpResponseHeader header, bool& wake);
  // Starts with 200 if Start was not called. kFull: not queued, because the
  // queue holds data and this chunk would exceed the bound; retry after the
  // drained callback. An empty chunk is accepted and dropped.
  PushResult Push(std::string chunk, bool& wake);
  bool Finish(bool& wake);
  // The producer dropped its writer without finishing.
  void Abandon(bool& wake);
  // Blocks until a chunk of `size` bytes fits or the channel is closed.
  // Returns false when closed.
  bool WaitWritable(size_t size);
  bool closed() const;
  void SetOnDrained(std::function<void()> callback);
  // Runs at once if the client is already gone.
  void SetOnClosed(std::function<void()> callback);

  // Session side.
  struct Batch {
    std::optional<HttpResponse> response;
    std::optional<HttpResponseHeader> header;
    std::deque<std::string> chunks;
    bool finish = false;
    bool abandoned = false;
  };
  // Takes everything pending; runs the drained callback if a Push was refused
  // since the last Take.
  Batch Take();
  // The client is gone (or the server closed the connection): runs the closed
  // callback once, unless the stream had already completed.
  void Close();
  // The stream was written out completely.
  void MarkComplete();

 private:
  bool Wake() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Open() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !closed_ && !finished_ && !responded_;
  }

  const size_t max_queued_bytes_;
  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool responded_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool complete_ ABSL_GUARDED_BY(mu_) = false;
  bool was_full_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<HttpResponse> response_ ABSL_GUARDED_BY(mu_);
  std::optional<HttpResponseHeader> header_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool finish_pending_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_drained_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_closed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_STREAM_CHANNEL_H_

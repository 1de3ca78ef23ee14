// The WatchBuild stream: one reactor per call, one write in flight, events
// pulled from the EventLog at the client's pace (replay from after_sequence,
// then live). WatchRegistry tracks open streams so a drain can end them.
#ifndef SANDBOXD_SERVER_WATCH_REACTOR_H_
#define SANDBOXD_SERVER_WATCH_REACTOR_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/alarm.h"
#include "grpcpp/grpcpp.h"
#include "lib/core/event_log.h"
#include "lib/metrics/metrics_registry.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

class WatchReactor;

// Open WatchBuild streams. Thread-safe.
class WatchRegistry {
 public:
  // A stream open for `max_stream_duration` ends with UNAVAILABLE and the
  // sequence to resume from, like a drained one: long-lived streams cannot
  // pin a connection forever, and clients already reconnect on UNAVAILABLE.
  explicit WatchRegistry(
      GaugeFamily* watchers,
      absl::Duration max_stream_duration = absl::InfiniteDuration())
      : watchers_(watchers), max_stream_duration_(max_stream_duration) {}
  void Add(std::shared_ptr<WatchReactor> reactor);
  void Remove(WatchReactor* reactor);
  // Ends every open stream with UNAVAILABLE; `draining()` tells new ones.
  void DrainAll();
  bool draining() const;
  size_t size() const;
  absl::Duration max_stream_duration() const { return max_stream_duration_; }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::shared_ptr<WatchReactor>> open_ ABSL_GUARDED_BY(mu_);
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  GaugeFamily* const watchers_;
  const absl::Duration max_stream_duration_;
};

// Owned by itself through a shared_ptr held by the registry (and by pending
// wake-ups); released in OnDone. Thread-safe: gRPC callbacks and EventLog
// wake-ups arrive on different threads.
class WatchReactor final
    : public grpc::ServerWriteReactor<sandbox::v1::BuildEvent>,
      public std::enable_shared_from_this<WatchReactor> {
 public:
  WatchReactor(EventLog* events, WatchRegistry* registry,
               std::string sandbox_id, int64_t after_sequence);

  // Starts pumping events and the registry's maximum stream duration; call
  // once after registering.
  void Begin();
  // Ends the stream at once with `status` (instead of Begin).
  void Fail(const grpc::Status& status);
  // Ends the stream with UNAVAILABLE (server draining).
  void Drain();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  static constexpr int kBatch = 64;

  void Pump();
  void Expire();
  // UNAVAILABLE with the sequence to resume from (draining or expired).
  grpc::Status ResumeStatusLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EventLog* const events_;
  WatchRegistry* const registry_;
  const std::string sandbox_id_;

  absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_);
  std::deque<sandbox::v1::BuildEvent> pending_ ABSL_GUARDED_BY(mu_);
  sandbox::v1::BuildEvent current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool expired_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Alarm expiry_;
  uint64_t wait_handle_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_WATCH_REACTOR_H_

// SandboxManager: the business rules of sandboxd. Owns the sandbox state
// machine (DESIGN.md "Sandbox life"), idempotent Create, the build queue,
// deletes that always converge, the idle reaper and the reconciler.
// server/'s gRPC service (and through it the REST front) calls it; it drives
// a Provider and persists through a Store.
#ifndef SANDBOXD_LIB_CORE_SANDBOX_MANAGER_H_
#define SANDBOXD_LIB_CORE_SANDBOX_MANAGER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "lib/common/clock.h"
#include "lib/core/build_queue.h"
#include "lib/core/build_runner.h"
#include "lib/core/caller.h"
#include "lib/core/event_log.h"
#include "lib/core/owner_quotas.h"
#include "lib/core/sandbox_records.h"
#include "lib/core/validation.h"
#include "lib/metrics/metrics_registry.h"
#include "lib/provider/provider.h"
#include "lib/scaffold/scaffold.h"
#include "lib/store/store.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

struct ManagerOptions {
  RequestLimits limits;
  scaffold::Limits scaffold_limits;
  PhaseDeadlines deadlines;
  EventLog::Options events;
  int build_workers = 2;  // builds at once
  // Builds that take a pre-started sandbox from the provider's warm pool
  // run on their own workers: a claim costs a fraction of a build, and
  // queueing it behind cold builds would waste the pool.
  int warm_workers = 4;
  size_t max_queued_builds = 1000;  // beyond: RESOURCE_EXHAUSTED
  QuotaLimits quotas;               // per owner, on Create
  int max_build_attempts = 3;       // resumes after restarts, then FAILED
  absl::Duration delete_wait = absl::Seconds(10);  // Delete waits this long
  absl::Duration deleted_retention = absl::Hours(24);
  absl::Duration reap_interval = absl::Seconds(15);
  absl::Duration reconcile_interval = absl::Minutes(2);
};

// Thread-safe. Methods block on the store; Delete may block up to
// options.delete_wait on the provider.
class SandboxManager {
 public:
  // `provider` may be null: sandboxd then serves reads but Create answers
  // FAILED_PRECONDITION. `metrics` may be null.
  SandboxManager(Store* store, Provider* provider, std::shared_ptr<Clock> clock,
                 MetricsRegistry* metrics, ManagerOptions options);
  ~SandboxManager();

  // Validates, records the sandbox and queues its build. Returns the record
  // (status PENDING, queue_position set). With a request_id seen before for
  // this owner: the same sandbox, or ALREADY_EXISTS if the request differs
  // (never a quota refusal). INVALID_ARGUMENT naming the field;
  // RESOURCE_EXHAUSTED with a retry hint (lib/core/retry_hint.h) when an
  // owner quota (options.quotas) is reached or the queue is full;
  // FAILED_PRECONDITION when no provider is configured.
  absl::StatusOr<sandbox::v1::Sandbox> Create(
      const Caller& caller, const sandbox::v1::CreateSandboxRequest& request);

  // The record, with its live queue position. Counts as activity; a sandbox
  // stopped for idleness starts again (the returned record says BUILDING).
  // NOT_FOUND if absent or owned by someone else.
  absl::StatusOr<sandbox::v1::Sandbox> Get(const Caller& caller,
                                           const std::string& sandbox_id);

  // Same as Get without the side effects (activity, wake-up).
  absl::StatusOr<sandbox::v1::Sandbox> Peek(const Caller& caller,
                                            const std::string& sandbox_id);

  // Deletes from any state; idempotent. Returns a message for the caller:
  // "deleted", "already deleted" or "deletion in progress" (the provider is
  // still releasing resources; the reconciler finishes the job).
  absl::StatusOr<std::string> Delete(const Caller& caller,
                                     const std::string& sandbox_id);

  // Applies a batch of file changes (lib/core/sandbox_apply.cc) to a READY
  // or FAILED sandbox: stores the new spec, moves the sandbox to BUILDING
  // (phase UPLOADING, generation + 1) and queues the apply on its own
  // workers (applies never wait behind cold builds). Returns that record.
  // INVALID_ARGUMENT naming `files[...]` or `deleted_paths[i]`; NOT_FOUND;
  // FAILED_PRECONDITION for another status; ABORTED if the sandbox is busy.
  absl::StatusOr<sandbox::v1::Sandbox> ApplyFiles(
      const Caller& caller, const sandbox::v1::ApplyFilesRequest& request);

  absl::StatusOr<sandbox::v1::ListSandboxesResponse> List(
      const Caller& caller, const sandbox::v1::ListSandboxesRequest& request);

  // For WatchBuild: NOT_FOUND unless the caller may see the sandbox.
  absl::Status CheckVisible(const Caller& caller,
                            const std::string& sandbox_id);
  EventLog& events() { return events_; }

  // Records activity (preview traffic) for the idle timeout.
  void Touch(const std::string& sandbox_id);

  // For the preview proxy: the sandbox behind a preview host, whoever owns
  // it (the preview host is the capability). Counts as activity and starts
  // a stopped sandbox again, like Get. NOT_FOUND if it does not exist.
  absl::StatusOr<sandbox::v1::Sandbox> PreviewLookup(
      const std::string& sandbox_id);

  // One sweep of the idle reaper: stops READY sandboxes idle past their
  // timeout, purges DELETED records past retention.
  void ReapIdle();
  // One reconciliation pass between the store and the provider: resumes or
  // fails interrupted builds, finishes deletes, removes orphans.
  absl::Status Reconcile();

  // Runs ReapIdle and Reconcile periodically on a background thread.
  void StartBackgroundTasks();
  // Stops background tasks and builds (interrupted builds resume at the next
  // start). Idempotent.
  void Shutdown();

  bool has_provider() const { return provider_ != nullptr; }

 private:
  struct Active {
    BuildControl control;
    absl::Notification done;
  };

  absl::StatusOr<sandbox::v1::Sandbox> Load(const Caller& caller,
                                            const std::string& sandbox_id);
  absl::StatusOr<sandbox::v1::Sandbox> FindExisting(
      const Caller& caller, const sandbox::v1::CreateSandboxRequest& request,
      const std::string& fingerprint);
  // Creates past the idempotency check: admission, record, queue.
  absl::StatusOr<sandbox::v1::Sandbox> Admit(
      const Caller& caller, const sandbox::v1::CreateSandboxRequest& request,
      const scaffold::Project& project, const std::string& fingerprint);
  absl::StatusOr<OwnerUsage> UsageOf(const std::string& owner);
  // Queues in the owner's lane of the fair build queue, or (`warm`, a new
  // DEV build the provider has a pooled sandbox for) on warm_queue_.
  absl::Status QueueBuild(const sandbox::v1::Sandbox& sandbox, bool restart,
                          bool warm = false);
  // Appends the QUEUED event of a build queued at `position`.
  absl::Status AppendQueued(const std::string& sandbox_id, int position,
                            const std::string& message);
  // Registers a new run of `sandbox_id` in active_. If a run is still
  // registered (the one that just settled the record may be returning),
  // waits for it once, up to 10 s, when `may_wait()` says so; otherwise, or
  // if it does not let go, returns `busy`. UNAVAILABLE while shutting down.
  absl::StatusOr<std::shared_ptr<Active>> TakeRun(
      const std::string& sandbox_id, const std::function<bool()>& may_wait,
      const absl::Status& busy);
  void RunQueued(const std::string& sandbox_id, bool restart);
  // The run registered for `sandbox_id` in active_, or null.
  std::shared_ptr<Active> ActiveRun(const std::string& sandbox_id);
  // Ends a run: out of active_, and its waiters are woken.
  void FinishRun(const std::string& sandbox_id,
                 const std::shared_ptr<Active>& active);
  // Adds `delta` to the record's build attempts (never below 0).
  void CountAttempt(const std::string& sandbox_id, int delta);
  // Runs a warm build; if the pooled sandbox went to another create
  // meanwhile, queues the build on queue_ (or, if that fails, runs it
  // cold here).
  void RunWarm(const std::string& sandbox_id, const std::string& owner);
  void Wake(const sandbox::v1::Sandbox& sandbox);
  // Stops the build, releases the provider's resources and marks DELETED.
  // Returns whether it finished within `wait`.
  bool Teardown(const std::string& sandbox_id, absl::Duration wait);
  void TeardownNow(const std::string& sandbox_id);
  void StopIdle(const sandbox::v1::Sandbox& sandbox);
  void FinishInterrupted(const sandbox::v1::Sandbox& sandbox);
  void Overlay(sandbox::v1::Sandbox& sandbox);
  void RecordFinished(const std::string& sandbox_id,
                      sandbox::v1::SandboxStatus status,
                      const sandbox::v1::SandboxError* error);
  void BackgroundLoop();
  void DefineMetrics(MetricsRegistry* metrics);

  Store* const store_;
  Provider* const provider_;
  const std::shared_ptr<Clock> clock_;
  const ManagerOptions options_;
  SandboxRecords records_;
  EventLog events_;
  BuildRunner runner_;
  BuildQueue queue_;
  BuildQueue warm_queue_;
  OwnerQuotas quotas_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Active>> active_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> activity_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<absl::Notification>>
      teardowns_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // Cancelled at Shutdown: cuts teardown retry back-offs short.
  std::shared_ptr<Cancellation> shutdown_ = std::make_shared<Cancellation>();
  // Runs teardowns (provider Destroy with retries) off the caller's thread.
  BuildQueue teardown_queue_{2, 100000};
  // Runs ApplyFiles batches (fast hot reloads) apart from cold builds.
  BuildQueue apply_queue_{2, 1000};

  absl::Mutex bg_mu_;
  bool bg_stop_ ABSL_GUARDED_BY(bg_mu_) = false;
  std::thread background_;

  CounterFamily* creates_total_ = nullptr;
  CounterFamily* builds_total_ = nullptr;
  HistogramFamily* phase_seconds_ = nullptr;
  GaugeFamily* sandboxes_ = nullptr;
  GaugeFamily* queue_depth_ = nullptr;
  GaugeFamily* builds_running_ = nullptr;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_SANDBOX_MANAGER_H_

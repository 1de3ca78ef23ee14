// BuildRunner: the build pipeline of one sandbox (ASSEMBLING → PROVISIONING →
// UPLOADING → INSTALLING → BUILDING → STARTING → READY), and the restart of a
// stopped one. Each phase is one Provider call with its own deadline; every
// step is recorded as build events. SandboxManager runs it on BuildQueue
// workers.
#ifndef SANDBOXD_LIB_CORE_BUILD_RUNNER_H_
#define SANDBOXD_LIB_CORE_BUILD_RUNNER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "lib/common/call_context.h"
#include "lib/common/clock.h"
#include "lib/core/event_log.h"
#include "lib/core/sandbox_records.h"
#include "lib/provider/provider.h"
#include "lib/scaffold/scaffold.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

// How long each phase may take.
struct PhaseDeadlines {
  absl::Duration provision = absl::Minutes(5);
  absl::Duration upload = absl::Minutes(2);
  absl::Duration install = absl::Minutes(10);
  absl::Duration build = absl::Minutes(15);
  absl::Duration start = absl::Minutes(5);
  absl::Duration stop = absl::Minutes(2);
  absl::Duration destroy = absl::Minutes(2);
};

// Why a running build is asked to stop. Thread-safe.
class BuildControl {
 public:
  enum class Cause { kNone, kDeleted, kShutdown };
  BuildControl() : cancellation_(std::make_shared<Cancellation>()) {}
  void Stop(Cause cause) {
    Cause none = Cause::kNone;
    cause_.compare_exchange_strong(none, cause);
    cancellation_->Cancel();
  }
  Cause cause() const { return cause_.load(); }
  const std::shared_ptr<Cancellation>& cancellation() const {
    return cancellation_;
  }

 private:
  std::atomic<Cause> cause_{Cause::kNone};
  std::shared_ptr<Cancellation> cancellation_;
};

// What the provider is asked to create for `record` running `project`.
ProvisionSpec ProvisionSpecFor(const sandbox::v1::Sandbox& record,
                               const scaffold::Project& project);

// Thread-safe: one Build or Restart per sandbox at a time (the caller
// guarantees it), many sandboxes at once.
class BuildRunner {
 public:
  struct Hooks {
    // A phase finished successfully after `took`.
    std::function<void(sandbox::v1::BuildPhase, absl::Duration took)>
        phase_done;
    // A build or restart ended with `status` (READY or FAILED).
    std::function<void(sandbox::v1::SandboxStatus)> finished;
  };

  BuildRunner(SandboxRecords* records, EventLog* events, Provider* provider,
              std::shared_ptr<Clock> clock, scaffold::Limits scaffold_limits,
              PhaseDeadlines deadlines, Hooks hooks);

  // Runs the whole build of `sandbox_id` from its stored spec. Returns when
  // the sandbox is READY or FAILED, or when `control` stopped it: after a
  // delete the record is left to the deleter; after a shutdown it stays
  // PENDING/BUILDING so the next start resumes it.
  void Build(const std::string& sandbox_id, const BuildControl& control);

  // How a warm build ended.
  enum class WarmOutcome {
    kDone,           // like Build: READY, FAILED or stopped by `control`
    kNeedsColdBuild  // no pooled sandbox could be claimed after all
  };
  // Build for a sandbox the provider had a pooled sandbox for
  // (Provider::HasWarmFit). If ClaimWarm finds none left (another create
  // took it), stops in PROVISIONING, having provisioned nothing, and
  // returns kNeedsColdBuild: the caller queues a cold Build.
  WarmOutcome BuildWarm(const std::string& sandbox_id,
                        const BuildControl& control);

  // Starts the app of a sandbox that was stopped (idle) and is now BUILDING
  // in phase STARTING; ends READY or FAILED like Build.
  void Restart(const std::string& sandbox_id, const BuildControl& control);

  // How ApplyFiles lands a batch.
  enum class ApplyMode {
    // The app runs (DEV) with the right dependencies: the files are synced
    // in place and served by hot reload.
    kHot,
    // The app runs (DEV) but the dependencies changed: the provider adds
    // them to the running app (Provider::AddDependencies), then as kHot;
    // if it cannot, as kCold.
    kHotAddingDependencies,
    // The app is stopped and the sandbox rebuilt from UPLOADING on.
    kCold,
  };
  // Applies the stored spec's files to a sandbox that ApplyFiles set
  // BUILDING (phase UPLOADING). Ends READY or FAILED like Build.
  void Apply(const std::string& sandbox_id, ApplyMode mode,
             const BuildControl& control);

 private:
  class Run;

  SandboxRecords* const records_;
  EventLog* const events_;
  Provider* const provider_;
  const std::shared_ptr<Clock> clock_;
  const scaffold::Limits scaffold_limits_;
  const PhaseDeadlines deadlines_;
  const Hooks hooks_;
};

// The scaffold request for a Create request, marked with
// `generation_token` (lib/scaffold/generation.h) when not empty.
scaffold::Request ToScaffoldRequest(
    const sandbox::v1::CreateSandboxRequest& request,
    const std::string& generation_token = "");

// The generation token of a sandbox's current files: "<id>.g<generation>".
std::string GenerationToken(const sandbox::v1::Sandbox& sandbox);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_BUILD_RUNNER_H_

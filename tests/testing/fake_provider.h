// FakeProvider: a scripted, in-memory Provider for tests of lib/core and
// server/ (test code only; production has no fake). Each call can be given a
// result, output lines, a delay, or a gate that holds it until released.
#ifndef SANDBOXD_TESTS_TESTING_FAKE_PROVIDER_H_
#define SANDBOXD_TESTS_TESTING_FAKE_PROVIDER_H_

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/provider/provider.h"

namespace sandboxd::testing {

// Thread-safe.
class FakeProvider : public Provider {
 public:
  enum class Call {
    kProvision,
    kUpload,
    kInstall,
    kRun,
    kStartApp,
    kResolvePreview,
    kStop,
    kStart,
    kDestroy,
    kList,
    kClaimWarm,       // NOT_FOUND ("the fake has no warm pool") unless scripted
    kAddDependencies  // UNIMPLEMENTED unless scripted
  };
  // One call as it arrived (before any gate), for tests that assert what
  // the core asked of the provider.
  struct CallRecord {
    Call call;
    std::string sandbox_id;
    std::string generation_token;              // StartApp, Install, ClaimWarm
    std::string dependency_fingerprint;        // Provision, Install, ClaimWarm
    std::map<std::string, std::string> files;  // Upload, ClaimWarm
  };

  FakeProvider();
  struct Step {
    absl::Status result;  // returned (RunCommand: when not OK)
    int exit_code = 0;    // RunCommand's exit code when result is OK
    std::vector<std::pair<OutputStream, std::string>> output;
    absl::Duration delay = absl::ZeroDuration();  // honours cancellation
  };

  // The behaviour of every later `call` (replaces the previous default).
  void SetDefault(Call call, Step step);
  // The behaviour of the next `call` only (queued before the default).
  void Once(Call call, Step step);
  // Holds every `call` at its start until Release(call) or cancellation.
  void Hold(Call call);
  void Release(Call call);
  // Blocks until `count` calls of `call` are held at the gate.
  void AwaitHeld(Call call, int count);
  // Same, giving up after `timeout` (false), for tests whose failure mode
  // is that the calls never arrive together.
  bool AwaitHeldFor(Call call, int count, absl::Duration timeout);

  int CallCount(Call call) const;
  // Every call for `sandbox_id`, in arrival order.
  std::vector<CallRecord> Calls(const std::string& sandbox_id) const;
  // The kinds of Calls(sandbox_id), in arrival order.
  std::vector<Call> CallSequence(const std::string& sandbox_id) const;
  bool Exists(const std::string& sandbox_id) const;
  bool Running(const std::string& sandbox_id) const;
  // Adds a sandbox the store does not know (an orphan).
  void AddOrphan(const std::string& sandbox_id);
  // Forgets a sandbox without being asked (a provider-side loss).
  void Lose(const std::string& sandbox_id);
  std::map<std::string, std::string> UploadedFiles(
      const std::string& sandbox_id) const;
  // Keeps the set of sandboxes (and whether each runs) in `path`, loaded now
  // and rewritten on every change, so a restarted process finds them the way
  // a real provider would.
  void PersistTo(const std::string& path);

  std::string_view name() const override { return "fake"; }
  absl::Status Provision(const ProvisionSpec& spec,
                         const CallContext& ctx) override;
  absl::Status Upload(std::string_view sandbox_id,
                      const std::map<std::string, std::string>& files,
                      const CallContext& ctx) override;
  absl::Status InstallDependencies(std::string_view sandbox_id,
                                   const scaffold::BuildPlan& plan,
                                   const OutputSink& sink,
                                   const CallContext& ctx) override;
  absl::StatusOr<int> RunCommand(
      std::string_view sandbox_id, const std::string& command,
      const std::map<std::string, std::string>& environment,
      const OutputSink& sink, const CallContext& ctx) override;
  absl::Status StartApp(std::string_view sandbox_id,
                        const scaffold::BuildPlan& plan, const OutputSink& sink,
                        const CallContext& ctx) override;
  absl::StatusOr<PreviewEndpoint> ResolvePreview(
      std::string_view sandbox_id, const CallContext& ctx) override;
  absl::Status Stop(std::string_view sandbox_id,
                    const CallContext& ctx) override;
  absl::Status Start(std::string_view sandbox_id,
                     const CallContext& ctx) override;
  absl::Status Destroy(std::string_view sandbox_id,
                       const CallContext& ctx) override;
  absl::StatusOr<std::vector<ProviderSandbox>> List(
      const CallContext& ctx) override;
  // On success the sandbox exists with its app running and the project's
  // files, like a claimed pool sandbox.
  absl::Status ClaimWarm(const ProvisionSpec& spec,
                         const scaffold::Project& project,
                         const OutputSink& sink,
                         const CallContext& ctx) override;
  // On success the sandbox's app "has" the project's dependencies.
  absl::Status AddDependencies(std::string_view sandbox_id,
                               const scaffold::Project& project,
                               const OutputSink& sink,
                               const CallContext& ctx) override;
  // What SetWarmFit said (false by default); never for PRODUCTION.
  bool HasWarmFit(const ProvisionSpec& spec,
                  const scaffold::Project& project) override;
  void SetWarmFit(bool fits);

 private:
  struct Box {
    bool running = false;
    std::map<std::string, std::string> files;
  };
  // Counts the call, waits at its gate and delay, then returns its step.
  // CANCELLED / DEADLINE_EXCEEDED if the context ends first.
  absl::StatusOr<Step> Enter(Call call, const CallContext& ctx);
  static void Emit(const Step& step, const OutputSink& sink);
  void SaveLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(CallRecord record);

  mutable absl::Mutex mu_;
  bool warm_fit_ ABSL_GUARDED_BY(mu_) = false;
  std::map<Call, Step> defaults_ ABSL_GUARDED_BY(mu_);
  std::map<Call, std::deque<Step>> once_ ABSL_GUARDED_BY(mu_);
  std::map<Call, bool> held_ ABSL_GUARDED_BY(mu_);
  std::map<Call, int> waiting_ ABSL_GUARDED_BY(mu_);
  std::map<Call, int> counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Box> boxes_ ABSL_GUARDED_BY(mu_);
  std::vector<CallRecord> records_ ABSL_GUARDED_BY(mu_);
  std::string state_path_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_TESTING_FAKE_PROVIDER_H_

// The Daytona cloud as a sandboxd Provider: sandboxes are Daytona sandboxes
// labelled with sandboxd's id, driven over Daytona's REST API (DaytonaClient).
// Built by server/ wiring through MakeDaytonaProviderFromEnv().
#ifndef SANDBOXD_LIB_DAYTONA_DAYTONA_PROVIDER_H_
#define SANDBOXD_LIB_DAYTONA_DAYTONA_PROVIDER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/clock.h"
#include "lib/daytona/daytona_client.h"
#include "lib/daytona/daytona_options.h"
#include "lib/daytona/http_transport.h"
#include "lib/daytona/output_follower.h"
#include "lib/daytona/retry.h"
#include "lib/provider/provider.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::daytona {

// Labels put on every sandbox; List and lookups filter on them.
inline constexpr char kManagedByLabel[] = "managed-by";
inline constexpr char kManagedByValue[] = "sandboxd";
inline constexpr char kSandboxIdLabel[] = "sandboxd-id";
// On pooled sandboxes (warm pool) until a Create takes one, with the host's
// name as value (a start sweeps only its own host's leftovers); their ids
// start with kWarmPrefix. List leaves them out: they are not sandboxd's
// sandboxes.
inline constexpr char kWarmPoolLabel[] = "sandboxd-pool";
inline constexpr char kWarmPrefix[] = "pool-";

// Thread-safe (Provider contract). Caches, per sandboxd id, the Daytona id,
// the toolbox URL, the app's port and the signed preview URL; a cache miss
// (e.g. after a restart) is filled from a lookup by label.
class DaytonaProvider final : public Provider {
 public:
  DaytonaProvider(DaytonaOptions options,
                  std::shared_ptr<HttpTransport> transport,
                  std::shared_ptr<Sleeper> sleeper,
                  std::shared_ptr<const Clock> clock,
                  std::optional<uint64_t> jitter_seed = std::nullopt);

  ~DaytonaProvider() override;

  std::string_view name() const override { return "daytona"; }
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

  // The warm pool (daytona_pool.cc): options.warm_pool_size pre-started DEV
  // sandboxes per Tailwind major, each made from the scaffold's warm
  // template like any DEV build (create, upload, npm install, `next dev`
  // compiled once). A Create that fits one (scaffold::FitWarm) takes it
  // over: the sandbox is relabelled with the new identity, missing packages
  // are added with npm, and the core then syncs the new tree in place.
  absl::Status ClaimWarm(const ProvisionSpec& spec,
                         const scaffold::Project& project,
                         const OutputSink& sink,
                         const CallContext& ctx) override;
  bool HasWarmFit(const ProvisionSpec& spec,
                  const scaffold::Project& project) override;
  // Starts the background filler: it first deletes the pooled sandboxes an
  // earlier process left, then keeps the pool full (one fill at a time; a
  // failed fill is retried after options.warm_fill_backoff). No-op when
  // options.warm_pool_size is 0. The destructor stops it and deletes the
  // pooled sandboxes.
  void StartWarmPool();
  // Makes one pooled sandbox now (the filler's step).
  absl::Status FillWarmSlot(scaffold::TailwindMajor tailwind,
                            const CallContext& ctx);

 private:
  struct WarmSlot {
    std::string id;
    scaffold::Project project;
    scaffold::TailwindMajor tailwind;
  };
  void FillLoop();
  void RemoveLeftoverSlots(const CallContext& ctx);
  struct CachedPreview {
    std::string url;
    absl::Time refresh_at;  // InfiniteFuture for public previews
  };
  struct SandboxRef {
    std::string daytona_id;
    std::string toolbox;  // DaytonaClient::ToolboxBase
    int port = 0;
    std::optional<CachedPreview> preview;
    // The dependency fingerprint npm installed in this process's knowledge
    // (a claimed pooled sandbox, or an earlier InstallDependencies): the
    // same plan again runs no npm.
    std::string installed_fingerprint;
    // The session and command of the app StartApp launched (kept running);
    // empty once the sandbox stops or starts.
    std::string app_session;
    std::string app_cmd;
  };

  // daytona_provider.cc: lifecycle.
  absl::StatusOr<SandboxRef> Lookup(std::string_view sandbox_id,
                                    const CallContext& ctx);
  absl::StatusOr<SandboxRef> Remember(std::string_view sandbox_id,
                                      const SandboxDto& dto,
                                      const CallContext& ctx);
  void Forget(std::string_view sandbox_id);
  // Drops what a stop or start ends: the preview URL and the app's session.
  void ForgetRuntime(std::string_view sandbox_id);
  absl::StatusOr<SandboxDto> WaitForState(SandboxDto current,
                                          std::string_view target,
                                          std::string_view operation,
                                          const CallContext& ctx);
  absl::Status WaitGone(const std::string& daytona_id, const CallContext& ctx,
                        bool& gone);
  CreateSandboxBody CreateBody(const ProvisionSpec& spec) const;
  absl::Duration NextPoll(absl::Duration delay) const;

  // daytona_commands.cc: toolbox sessions and previews.
  struct Launched {
    std::string session_id;
    std::string cmd_id;
  };
  // Runs `step`; if it fails as toolbox calls do while the sandbox is not
  // running, starts the sandbox (if it is not `started`) and runs it again.
  absl::Status WithSandboxRunning(std::string_view sandbox_id,
                                  const SandboxRef& ref, const CallContext& ctx,
                                  const std::function<absl::Status()>& step);
  absl::StatusOr<Launched> Launch(std::string_view sandbox_id,
                                  const SandboxRef& ref,
                                  const std::string& command,
                                  const std::map<std::string, std::string>& env,
                                  const CallContext& ctx);
  // Launches `command`, follows it to its exit (output to `output`) and
  // deletes its session; its exit code.
  absl::StatusOr<int> RunToExit(
      std::string_view sandbox_id, const SandboxRef& ref,
      const std::string& command,
      const std::map<std::string, std::string>& environment,
      OutputFollower& output, const CallContext& ctx);
  // Follows `launched` until it exits (its exit code) or, with `ready`, until
  // `ready` says true (nullopt).
  absl::StatusOr<std::optional<int>> Follow(
      const SandboxRef& ref, const Launched& launched, OutputFollower& output,
      const std::function<absl::StatusOr<bool>()>& ready,
      const CallContext& ctx);
  absl::StatusOr<std::string> PreviewUrl(std::string_view sandbox_id,
                                         const SandboxRef& ref,
                                         const CallContext& ctx);
  std::string ShellLine(const std::string& command,
                        const std::map<std::string, std::string>& env) const;

  const DaytonaOptions options_;
  const std::shared_ptr<const Clock> clock_;
  const std::shared_ptr<Retrier> retrier_;
  DaytonaClient client_;
  std::atomic<uint64_t> next_session_{0};
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, SandboxRef> refs_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex pool_mu_;
  std::vector<WarmSlot> warm_ ABSL_GUARDED_BY(pool_mu_);
  const std::shared_ptr<Cancellation> pool_stop_ =
      std::make_shared<Cancellation>();
  std::thread filler_;
};

// A provider on libcurl, the real sleeper and the system clock.
// INVALID_ARGUMENT for invalid options (ValidateOptions).
absl::StatusOr<std::unique_ptr<Provider>> MakeDaytonaProvider(
    DaytonaOptions options);

// MakeDaytonaProvider with options read from the process environment
// (DAYTONA_API_KEY, DAYTONA_API_URL, DAYTONA_TARGET, DAYTONA_JWT_TOKEN,
// DAYTONA_ORGANIZATION_ID, ...; see DaytonaOptionsFromEnv) over `defaults`.
absl::StatusOr<std::unique_ptr<Provider>> MakeDaytonaProviderFromEnv(
    DaytonaOptions defaults = DaytonaOptions());

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_DAYTONA_PROVIDER_H_

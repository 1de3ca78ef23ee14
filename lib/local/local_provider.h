// The local provider: isolated process sandboxes on this host (bubblewrap
// namespaces, cgroup limits, a disk budget, no network at run time), the
// embedded default Provider of sandboxd. See lib/local/README.md for the
// layout on disk and what the host needs.
//
// Thread-safe: different sandboxes are driven concurrently; calls for one
// sandbox are serialized by the caller (Provider contract). DialApp may be
// called from any thread at any time (the preview proxy).
#ifndef SANDBOXD_LIB_LOCAL_LOCAL_PROVIDER_H_
#define SANDBOXD_LIB_LOCAL_LOCAL_PROVIDER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/local/cgroups.h"
#include "lib/local/dependency_store.h"
#include "lib/local/local_provider_options.h"
#include "lib/local/netns_dialer.h"
#include "lib/local/process_launcher.h"
#include "lib/local/registry_proxy.h"
#include "lib/local/sandbox_process.h"
#include "lib/local/sandbox_record.h"
#include "lib/provider/provider.h"
#include "lib/scaffold/warm_template.h"

namespace sandboxd::local {

// How a kill by the disk watchdog is reported (prefix of the reason).
inline constexpr char kDiskBudgetExceeded[] = "disk budget exceeded";

class LocalProvider final : public Provider {
 public:
  // Use MakeLocalProvider, which checks the host first.
  LocalProvider(LocalProviderOptions options, CgroupHost cgroups,
                std::unique_ptr<ProcessLauncher> launcher,
                std::unique_ptr<NetnsDialer> dialer);
  // Kills every sandbox process this instance started (files are kept).
  ~LocalProvider() override;

  // Creates the directories, the synthetic /etc and the store.
  absl::Status Init();

  std::string_view name() const override { return "local"; }
  absl::Status Provision(const ProvisionSpec& spec,
                         const CallContext& ctx) override;
  // INVALID_ARGUMENT for a path that escapes the project, RESOURCE_EXHAUSTED
  // past the disk budget.
  absl::Status Upload(std::string_view sandbox_id,
                      const std::map<std::string, std::string>& files,
                      const CallContext& ctx) override;
  // Logs "reusing installed dependencies <fp>" to `sink` when the store
  // has them; otherwise runs plan.install_command in an install sandbox.
  absl::Status InstallDependencies(std::string_view sandbox_id,
                                   const scaffold::BuildPlan& plan,
                                   const OutputSink& sink,
                                   const CallContext& ctx) override;
  // RESOURCE_EXHAUSTED if the command was killed for the disk budget,
  // ABORTED if it was killed by Stop or Destroy.
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
  // Takes a pooled sandbox (DEV only) whose template `project` fits
  // (lib/scaffold/warm_template.h): its directory and cgroups are renamed to
  // spec.sandbox_id and its dev server keeps running; Upload then syncs the
  // project in place. NOT_FOUND (saying why) when none fits.
  absl::Status ClaimWarm(const ProvisionSpec& spec,
                         const scaffold::Project& project,
                         const OutputSink& sink,
                         const CallContext& ctx) override;
  bool HasWarmFit(const ProvisionSpec& spec,
                  const scaffold::Project& project) override;
  // A running DEV app on its own node_modules (a claimed pooled sandbox),
  // sandboxd as root, and only additions (up to scaffold::kMaxWarmAdditions):
  // the packages are added as for a claim. UNIMPLEMENTED otherwise.
  absl::Status AddDependencies(std::string_view sandbox_id,
                               const scaffold::Project& project,
                               const OutputSink& sink,
                               const CallContext& ctx) override;

  // Starts the warm pool's filler, the builder of the missing build cache
  // seeds (options.warm_pool.seed_build_cache; it takes turns with the
  // fills) and the route prefetcher. Called once after Init.
  void StartBackground();
  // Pooled sandboxes ready to be claimed.
  int warm_ready();

  // A connected TCP socket (blocking, close-on-exec; the caller owns it) to
  // the app's 127.0.0.1:<port> inside the sandbox's network namespace, for
  // the preview proxy. NOT_FOUND for an unknown sandbox, FAILED_PRECONDITION
  // if its app is not running, UNAVAILABLE if nothing listens yet. Blocks
  // for at most ~1 s.
  absl::StatusOr<int> DialApp(std::string_view sandbox_id) override;

  // Where a sandbox's project files live on the host (tests, diagnostics).
  std::string ProjectDir(std::string_view sandbox_id) const;
  const LocalProviderOptions& options() const { return options_; }

  // Runs `shell_command` in a throw-away sandbox (no cgroup) as the
  // installer uid; used by MakeLocalProvider to prove bwrap works here.
  absl::StatusOr<int> ProbeSandbox(const std::string& shell_command,
                                   absl::Duration timeout);

 private:
  // One sandbox's state. Guarded by `mu`, except `cgroup` (immutable).
  struct Sandbox {
    absl::Mutex mu;
    SandboxRecord record ABSL_GUARDED_BY(mu);
    std::map<std::string, std::string> environment ABSL_GUARDED_BY(mu);
    std::shared_ptr<SandboxProcess> app ABSL_GUARDED_BY(mu);
    std::shared_ptr<SandboxProcess> command ABSL_GUARDED_BY(mu);
    // What the mounted node_modules was installed from (name -> spec); empty
    // when unknown (after a restart).
    std::map<std::string, std::string> installed ABSL_GUARDED_BY(mu);
    // Hash of what Upload last wrote to each path. An unchanged file is not
    // written again: a rewrite of next.config.* restarts `next dev`, and
    // tsconfig.json / next-env.d.ts are patched by `next dev` itself.
    std::map<std::string, size_t> written ABSL_GUARDED_BY(mu);
    std::unique_ptr<SandboxCgroup> cgroup;
  };
  // A pooled sandbox ready to be claimed.
  struct WarmSlot {
    std::string id;
    scaffold::Project project;  // the template it runs
    absl::Time ready_at;
  };
  enum class Kind { kApp, kInstall };
  struct SpawnRequest {
    Kind kind = Kind::kApp;
    std::string app_dir;
    uid_t uid = 0;
    std::string node_modules_dir;
    std::string shell_command;
    std::map<std::string, std::string> environment;
    SandboxCgroup* cgroup = nullptr;  // null: no cgroup (probe only)
  };

  std::string SandboxDir(std::string_view sandbox_id) const;
  // The cgroups named `cgroup_name` (SandboxRecord::cgroup).
  std::unique_ptr<SandboxCgroup> CgroupFor(std::string_view cgroup_name) const;
  CgroupLimits LimitsFor(scaffold::Mode mode) const;
  absl::StatusOr<std::shared_ptr<Sandbox>> Find(std::string_view sandbox_id);
  absl::Status SaveRecord(const SandboxRecord& record) const;
  absl::StatusOr<uid_t> AllocateUid() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::shared_ptr<SandboxProcess>> Spawn(
      const SpawnRequest& request, OutputSink sink, const CallContext& ctx);
  // Runs to exit; `tail` gets the last output lines.
  absl::StatusOr<int> RunToCompletion(Sandbox& sandbox,
                                      const SpawnRequest& request,
                                      const OutputSink& sink,
                                      const CallContext& ctx,
                                      std::string* tail);
  // The sandbox's node_modules: its own (OwnNodeModulesDir) if it has one,
  // else the store's entry for its dependency set.
  std::string NodeModulesFor(Sandbox& sandbox);
  // lib/local/local_provider_deps.cc. Pooled sandboxes get their own
  // node_modules, a hard-linked copy of the store's entry (root-owned,
  // mounted read-only like the store), so that a claim can add packages.
  std::string OwnNodeModulesDir(std::string_view sandbox_id) const;
  absl::Status LinkOwnNodeModules(std::string_view sandbox_id,
                                  const std::string& fingerprint);
  // Installs `additions` (name -> spec) into the sandbox's own
  // node_modules while its app runs: npm runs in an install sandbox on a
  // hard-linked copy, and the new top-level packages are moved in.
  // FAILED_PRECONDITION if npm fails or would change installed packages.
  absl::Status AddPackages(const std::string& sandbox_id,
                           const scaffold::Project& project,
                           const std::map<std::string, std::string>& additions,
                           const OutputSink& sink, const CallContext& ctx);
  // Runs the install command in an install sandbox on `staging`, which gets
  // the project's package.json (and package-lock.json).
  absl::Status InstallInto(Sandbox& sandbox, const std::string& staging,
                           const std::string& install_command,
                           const OutputSink& sink, const CallContext& ctx);
  // Polls until the app answers 200 on "/" carrying `generation_token` (if
  // not empty). FAILED_PRECONDITION when the app exits or keeps answering
  // 5xx (a compile or render error) once it answered before.
  absl::Status WaitUntilServing(Sandbox& sandbox, SandboxProcess& app, int port,
                                const std::string& generation_token,
                                absl::Duration poll, const CallContext& ctx);
  // Fetches each route once in the background so its first visit is fast
  // (`next dev` compiles routes on first request).
  void QueuePrefetch(std::string sandbox_id, std::vector<std::string> routes);
  void PrefetchLoop();
  void FillLoop();
  // The trusted build-cache seeds (lib/local/build_cache_seed.cc): builds
  // the missing ones once, one at a time, when no user installs or builds.
  void SeedBuildCaches();
  absl::Status BuildCacheSeed(const scaffold::Project& project);
  // Copies the seed of `fingerprint`, if any, into the project's
  // .next/cache when it has none; logs to `sink` what it did.
  void SeedProjectBuildCache(std::string_view sandbox_id,
                             const std::string& fingerprint,
                             const OutputSink& sink);
  class UserCommand;
  absl::Status FillSlot(scaffold::TailwindMajor tailwind);
  // A fresh id for a provider-owned sandbox: `prefix` + 16 hex digits.
  static std::string BackgroundId(std::string_view prefix);
  // The pool's fills and the seed builds: provisions `id` (owned by
  // `owner`) for `project` at the fill CPU weight, uploads the project,
  // installs its dependencies, then runs `finish` on it. On error the
  // sandbox is destroyed and the error carries its last output lines.
  absl::Status RunBackgroundSandbox(
      const std::string& id, const std::string& owner,
      const scaffold::Project& project, const CallContext& ctx,
      const std::function<absl::Status(const OutputSink&)>& finish);
  void RemoveLeftoverSlots();
  // Whether `project` can take `slot` over: scaffold::FitWarm, plus what the
  // isolation mode allows.
  scaffold::WarmFit FitSlot(const WarmSlot& slot,
                            const scaffold::Project& project) const;
  std::string ExitReason(Sandbox& sandbox, const std::string& kill_reason,
                         int code);
  void KillProcesses(Sandbox& sandbox, const std::string& reason);
  void WatchDisk();

  const LocalProviderOptions options_;
  const CgroupHost cgroups_;
  std::unique_ptr<ProcessLauncher> launcher_;
  std::unique_ptr<NetnsDialer> dialer_;
  DependencyStore store_;
  // The install sandboxes' only way out (started by Init).
  std::unique_ptr<RegistryProxy> registry_proxy_;

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Sandbox>, std::less<>> sandboxes_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watchdog_;

  // The warm pool and the prefetcher.
  absl::Mutex pool_mu_;
  std::vector<WarmSlot> warm_ ABSL_GUARDED_BY(pool_mu_);
  int filling_ ABSL_GUARDED_BY(pool_mu_) = 0;
  bool pool_stopping_ ABSL_GUARDED_BY(pool_mu_) = false;
  std::deque<std::pair<std::string, std::vector<std::string>>> prefetch_
      ABSL_GUARDED_BY(pool_mu_);
  // Installs and builds of user sandboxes running now: refills wait.
  std::atomic<int> user_commands_{0};
  const std::shared_ptr<Cancellation> pool_cancel_ =
      std::make_shared<Cancellation>();
  std::thread filler_;
  std::thread prefetcher_;
};

// Checks the host (bubblewrap present and able to create a sandbox with
// user namespaces; as root, cgroups available) and builds a ready provider.
// Root: per-sandbox uids, cgroups, setns dialer. Not root: the unprivileged
// mode (lib/local/README.md): sandboxes run as sandboxd's uid, cgroups only
// in a delegated cgroup_v2_parent (else a loud warning: no limits), the
// (c') netns helper. Logs the mode to stderr. FAILED_PRECONDITION saying
// exactly what is missing: untrusted code never runs unsandboxed.
absl::StatusOr<std::unique_ptr<LocalProvider>> MakeLocalProvider(
    LocalProviderOptions options);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_LOCAL_PROVIDER_H_

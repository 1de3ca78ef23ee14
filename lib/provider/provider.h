// The Provider seam: where sandboxes actually run (lib/local, lib/daytona).
// lib/core's build pipeline, reaper and reconciler drive a Provider; tests
// drive the core with the scripted fake under tests/testing/.
//
// Contract shared by every method:
// - Blocks the calling thread until done, the context's deadline passes
//   (DEADLINE_EXCEEDED) or it is cancelled (CANCELLED).
// - Keyed by sandboxd's sandbox id; providers keep their own ids internally
//   and label their resources with sandboxd's id so List can find them.
// - UNAVAILABLE for a transient provider fault the caller may retry,
//   NOT_FOUND for an unknown sandbox, FAILED_PRECONDITION for a call that the
//   sandbox's state does not allow, INTERNAL for provider bugs.
// - Implementations are thread-safe: different sandboxes are driven
//   concurrently; calls for one sandbox are serialized by the caller.
#ifndef SANDBOXD_LIB_PROVIDER_PROVIDER_H_
#define SANDBOXD_LIB_PROVIDER_PROVIDER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/common/call_context.h"
#include "lib/scaffold/scaffold.h"

namespace sandboxd {

// Which stream an output line came from.
enum class OutputStream { kStdout, kStderr };

// Receives a command's output one line at a time (without the newline), in
// order, on the provider's thread. Must not block for long.
using OutputSink = std::function<void(OutputStream, std::string_view line)>;

// What the core asks a provider to create.
struct ProvisionSpec {
  std::string sandbox_id;
  std::string owner;
  std::string project_name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> environment;
  scaffold::Mode mode = scaffold::Mode::kDev;
  absl::Duration idle_timeout = absl::Hours(1);
  std::string dependency_fingerprint;
};

// A provider's view of one sandbox, for reconciliation.
struct ProviderSandbox {
  enum class State { kRunning, kStopped, kTransitioning, kError, kUnknown };
  std::string sandbox_id;    // sandboxd's id, from the provider's label
  std::string provider_ref;  // the provider's own id
  State state = State::kUnknown;
  std::string detail;  // e.g. the provider's error reason
};

// Where a running app's preview is reached.
struct PreviewEndpoint {
  std::string url;  // what Get returns as preview_url
};

class Provider {
 public:
  virtual ~Provider() = default;

  // "local" or "daytona"; recorded on each sandbox.
  virtual std::string_view name() const = 0;

  // Creates the sandbox (isolation, resources). Idempotent per
  // spec.sandbox_id: if that sandbox exists already it is reused, never
  // duplicated.
  virtual absl::Status Provision(const ProvisionSpec& spec,
                                 const CallContext& ctx) = 0;

  // Writes the complete project tree (path -> content) into the sandbox's
  // project directory, replacing what was there: files the tree does not
  // have are removed. While the app runs (DEV hot reload, a warm claim)
  // the tree is synced in place: each file written atomically, the
  // generation module (lib/scaffold/generation.h) last.
  virtual absl::Status Upload(std::string_view sandbox_id,
                              const std::map<std::string, std::string>& files,
                              const CallContext& ctx) = 0;

  // Installs the plan's dependencies (providers may share installs between
  // sandboxes with the same plan.dependency_fingerprint). Output goes to
  // `sink`. A failed install is FAILED_PRECONDITION with the last output lines.
  virtual absl::Status InstallDependencies(std::string_view sandbox_id,
                                           const scaffold::BuildPlan& plan,
                                           const OutputSink& sink,
                                           const CallContext& ctx) = 0;

  // Runs `command` (a shell command line) in the project directory with
  // `environment`, streaming its output to `sink`. Returns its exit code;
  // an error status only when it could not be run to completion.
  virtual absl::StatusOr<int> RunCommand(
      std::string_view sandbox_id, const std::string& command,
      const std::map<std::string, std::string>& environment,
      const OutputSink& sink, const CallContext& ctx) = 0;

  // Starts the app (plan.start_command) in the background and returns once
  // it answers HTTP 200 on `/` with plan.generation_token in the page (when
  // the plan has one). If the app is running already (hot reload), only
  // waits for that. The app's output goes to `sink` until it answers.
  // FAILED_PRECONDITION if the app exits first or keeps failing (5xx).
  virtual absl::Status StartApp(std::string_view sandbox_id,
                                const scaffold::BuildPlan& plan,
                                const OutputSink& sink,
                                const CallContext& ctx) = 0;

  // Where the running app is reached from outside.
  virtual absl::StatusOr<PreviewEndpoint> ResolvePreview(
      std::string_view sandbox_id, const CallContext& ctx) = 0;

  // Stops the app and releases its compute; files are kept.
  virtual absl::Status Stop(std::string_view sandbox_id,
                            const CallContext& ctx) = 0;

  // Makes a stopped sandbox runnable again (the app is started with StartApp).
  virtual absl::Status Start(std::string_view sandbox_id,
                             const CallContext& ctx) = 0;

  // Releases everything the sandbox holds. OK if it does not exist: Destroy
  // is idempotent and must converge from any state.
  virtual absl::Status Destroy(std::string_view sandbox_id,
                               const CallContext& ctx) = 0;

  // Every sandbox this provider holds for sandboxd.
  virtual absl::StatusOr<std::vector<ProviderSandbox>> List(
      const CallContext& ctx) = 0;

  // Warm start (DEV): takes a pre-started sandbox from the provider's pool
  // whose template `project` can take over, and makes it spec.sandbox_id
  // with its app already running; Upload, InstallDependencies and StartApp
  // then apply the project in place. NOT_FOUND (saying why) when no pooled
  // sandbox fits; the caller then provisions as usual. Output of the work
  // a claim does (adding packages the pool lacks) goes to `sink`.
  // Providers without a pool keep this default.
  virtual absl::Status ClaimWarm(const ProvisionSpec& spec,
                                 const scaffold::Project& project,
                                 const OutputSink& sink,
                                 const CallContext& ctx) {
    return absl::NotFoundError("this provider has no warm pool");
  }

  // Installs the dependencies of `project` that the running sandbox lacks
  // without restarting its app (an ApplyFiles that adds packages lands by
  // hot reload). Called before the new files are uploaded. OK when the app
  // now has them all (also when nothing was missing); any error means "not
  // done" (UNIMPLEMENTED: the provider cannot for this sandbox, or a
  // failure, saying why) and the caller restarts the sandbox with a full
  // install instead. Output goes to `sink`. Providers that cannot keep this
  // default.
  virtual absl::Status AddDependencies(std::string_view sandbox_id,
                                       const scaffold::Project& project,
                                       const OutputSink& sink,
                                       const CallContext& ctx) {
    return absl::UnimplementedError(
        "this provider cannot add packages to a running app");
  }

  // Whether a pooled sandbox could take `project` over now: a cheap check
  // that claims nothing (another Create may take the slot first, so
  // ClaimWarm may still answer NOT_FOUND). SandboxManager runs builds that
  // fit on their own workers, apart from cold builds. Never blocks.
  virtual bool HasWarmFit(const ProvisionSpec& spec,
                          const scaffold::Project& project) {
    return false;
  }

  // For providers whose previews go through sandboxd's own preview proxy
  // (local): a connected socket to the running app, owned by the caller.
  // NOT_FOUND for an unknown sandbox, FAILED_PRECONDITION if its app is not
  // running, UNAVAILABLE if it does not accept yet. Blocks briefly.
  // Providers whose preview URLs are reached directly (Daytona) keep this
  // default.
  virtual absl::StatusOr<int> DialApp(std::string_view sandbox_id) {
    return absl::UnimplementedError(
        "this provider's previews are not proxied by sandboxd");
  }
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_PROVIDER_PROVIDER_H_

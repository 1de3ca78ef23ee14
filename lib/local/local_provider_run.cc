// LocalProvider: running things in sandboxes (installs, commands, the app)
// and reaching the app.
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/bwrap_command.h"
#include "lib/local/fs_util.h"
#include "lib/local/http_probe.h"
#include "lib/local/local_provider.h"
#include "lib/local/seccomp_filter.h"

namespace sandboxd::local {
namespace {

constexpr absl::Duration kSetupTimeout = absl::Seconds(30);
constexpr absl::Duration kKillTimeout = absl::Seconds(10);
constexpr size_t kErrorTailLines = 20;
constexpr absl::Duration kColdPollInterval = absl::Milliseconds(200);
// A warm or hot-reloaded app serves new files within a fraction of a second.
constexpr absl::Duration kHotPollInterval = absl::Milliseconds(25);
constexpr absl::Duration kAppErrorGrace = absl::Seconds(3);

// Built once: the same for every sandbox.
const std::string& SandboxSeccompProgram() {
  static const std::string* const program = new std::string(SeccompProgram());
  return *program;
}

absl::Status DoneStatus(const CallContext& ctx, std::string_view what) {
  return ctx.cancelled() ? absl::CancelledError(
                               absl::StrCat(std::string(what), ": cancelled"))
                         : absl::DeadlineExceededError(absl::StrCat(
                               std::string(what), ": deadline exceeded"));
}

}  // namespace

// Counts a user sandbox's install or build while it runs: warm-pool refills
// wait for none to run.
class LocalProvider::UserCommand {
 public:
  UserCommand(LocalProvider* provider, std::string_view sandbox_id)
      : provider_(sandbox_id.starts_with("pool-") ? nullptr : provider) {
    if (provider_ != nullptr) provider_->user_commands_.fetch_add(1);
  }
  ~UserCommand() {
    if (provider_ != nullptr) provider_->user_commands_.fetch_sub(1);
  }
  UserCommand(const UserCommand&) = delete;
  UserCommand& operator=(const UserCommand&) = delete;

 private:
  LocalProvider* const provider_;
};

absl::StatusOr<std::shared_ptr<SandboxProcess>> LocalProvider::Spawn(
    const SpawnRequest& request, OutputSink sink, const CallContext& ctx) {
  BwrapSpec spec;
  spec.bwrap_path = options_.bwrap_path;
  spec.etc_dir = options_.root_dir + "/etc";
  spec.app_dir = request.app_dir;
  spec.node_modules_dir = request.node_modules_dir;
  spec.install = request.kind == Kind::kInstall;
  spec.environment = request.environment;
  if (spec.install) {
    spec.npm_cache_dir = options_.npm_cache_dir;
    // The registry the tunnel opens to (and set last: it wins).
    spec.environment["npm_config_registry"] = options_.npm_registry;
    if (registry_proxy_ != nullptr) {
      spec.registry_socket = registry_proxy_->socket_path();
      spec.registry_forwarder =
          options_.root_dir + "/etc/registry-forwarder.js";
    }
  }
  spec.tmp_bytes = options_.limits.tmp_bytes;
  // Every sandboxed process runs under the seccomp filter.
  const std::string& seccomp = SandboxSeccompProgram();
  constexpr int kSeccompFd = 4;
  if (!seccomp.empty()) spec.seccomp_fd = kSeccompFd;
  spec.shell_command = request.shell_command;

  std::vector<UniqueFd> cgroup_fds;
  if (request.cgroup != nullptr) {
    ASSIGN_OR_RETURN(cgroup_fds, request.cgroup->OpenProcsFds());
  }
  LaunchSpec launch;
  launch.argv = BuildBwrapArgv(spec);
  launch.seccomp_program = seccomp;
  launch.seccomp_fd_number = kSeccompFd;
  if (::geteuid() == 0) launch.uid = request.uid;
  for (const UniqueFd& fd : cgroup_fds)
    launch.cgroup_procs_fds.push_back(fd.get());
  // One file can never outgrow the budget, even between two watchdog runs.
  if (request.kind == Kind::kApp) {
    launch.max_file_bytes = options_.limits.disk_bytes;
  }
  ASSIGN_OR_RETURN(LaunchedProcess launched, launcher_->Launch(launch));
  ASSIGN_OR_RETURN(std::unique_ptr<SandboxProcess> process,
                   SandboxProcess::Adopt(
                       std::move(launched), std::move(sink),
                       std::min(ctx.deadline(), absl::Now() + kSetupTimeout)));
  return std::shared_ptr<SandboxProcess>(std::move(process));
}

std::string LocalProvider::ExitReason(Sandbox& sandbox,
                                      const std::string& kill_reason,
                                      int code) {
  if (!kill_reason.empty()) return kill_reason;
  if (code == 128 + 9 && sandbox.cgroup->OomKills() > 0) {
    absl::MutexLock lock(&sandbox.mu);
    return absl::StrCat("killed by the memory limit (",
                        LimitsFor(sandbox.record.mode).memory_bytes >> 20,
                        " MiB)");
  }
  return absl::StrCat("exit code ", code);
}

absl::StatusOr<int> LocalProvider::RunToCompletion(Sandbox& sandbox,
                                                   const SpawnRequest& request,
                                                   const OutputSink& sink,
                                                   const CallContext& ctx,
                                                   std::string* tail) {
  ASSIGN_OR_RETURN(std::shared_ptr<SandboxProcess> process,
                   Spawn(request, sink, ctx));
  {
    absl::MutexLock lock(&sandbox.mu);
    sandbox.command = process;
  }
  std::optional<int> code = process->Wait(ctx);
  if (!code.has_value()) {
    process->Kill("deadline");
    process->Wait(CallContext(absl::Now() + kKillTimeout));
  }
  {
    absl::MutexLock lock(&sandbox.mu);
    sandbox.command.reset();
  }
  if (tail != nullptr) *tail = process->Tail(kErrorTailLines);
  if (!code.has_value()) return DoneStatus(ctx, "local: command");
  std::string killed = process->kill_reason();
  if (killed.starts_with(kDiskBudgetExceeded)) {
    return absl::ResourceExhaustedError("local: " + killed);
  }
  if (!killed.empty()) {
    return absl::AbortedError("local: command killed: " + killed);
  }
  return *code;
}

std::string LocalProvider::NodeModulesFor(Sandbox& sandbox) {
  std::string fingerprint;
  std::string own;
  {
    absl::MutexLock lock(&sandbox.mu);
    fingerprint = sandbox.record.dependency_fingerprint;
    own = OwnNodeModulesDir(sandbox.record.sandbox_id);
  }
  if (::access(own.c_str(), F_OK) == 0) return own;
  if (fingerprint.empty() || !store_.Has(fingerprint)) return "";
  return store_.NodeModulesDir(fingerprint);
}

absl::Status LocalProvider::InstallInto(Sandbox& sandbox,
                                        const std::string& staging,
                                        const std::string& install_command,
                                        const OutputSink& sink,
                                        const CallContext& ctx) {
  const uid_t installer = options_.uid_base;
  std::string project;
  {
    absl::MutexLock lock(&sandbox.mu);
    project = ProjectDir(sandbox.record.sandbox_id);
  }
  // Only the manifest (and lock file) travel: an .npmrc from the generated
  // project could point npm at another registry.
  for (const std::string name : {"package.json", "package-lock.json"}) {
    absl::StatusOr<std::string> content =
        ReadSmallFile(absl::StrCat(project, "/", name));
    if (absl::IsNotFound(content.status()) && name != "package.json") continue;
    if (!content.ok()) return Annotate(content.status(), "local: install");
    RETURN_IF_ERROR(
        WriteFileNoFollow(staging, name, *content, installer, installer));
  }
  SpawnRequest request;
  request.kind = Kind::kInstall;
  request.app_dir = staging;
  request.uid = installer;
  request.shell_command = install_command;
  request.cgroup = sandbox.cgroup.get();
  std::string tail;
  ASSIGN_OR_RETURN(int code,
                   RunToCompletion(sandbox, request, sink, ctx, &tail));
  if (code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("dependency install failed (",
                     ExitReason(sandbox, "", code), "):\n", tail));
  }
  return absl::OkStatus();
}

absl::Status LocalProvider::InstallDependencies(std::string_view sandbox_id,
                                                const scaffold::BuildPlan& plan,
                                                const OutputSink& sink,
                                                const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  const std::string& fingerprint = plan.dependency_fingerprint;
  RETURN_IF_ERROR(Annotate(ValidateFingerprint(fingerprint), "local: plan"));
  if (plan.install_command.empty()) {
    return absl::InvalidArgumentError("local: plan.install_command is empty");
  }
  auto log = [&sink](const std::string& line) {
    if (sink) sink(OutputStream::kStdout, line);
  };
  {
    // A running app (a warm claim, a hot-reload update) keeps its mounted
    // dependencies when they serve the plan.
    absl::MutexLock lock(&sandbox->mu);
    if (sandbox->app != nullptr && !sandbox->app->Exited() &&
        !sandbox->installed.empty() &&
        scaffold::MissingDependency(sandbox->installed, plan.dependencies)
            .empty()) {
      log(absl::StrCat(
          "dependencies already installed in the running "
          "sandbox (",
          sandbox->record.dependency_fingerprint.substr(0, 12), ")"));
      return absl::OkStatus();
    }
  }
  if (store_.Has(fingerprint)) {
    log(absl::StrCat("reusing installed dependencies ", fingerprint));
  } else {
    log(absl::StrCat("installing dependencies ", fingerprint));
    const absl::Time start = absl::Now();
    UserCommand busy(this, sandbox_id);
    auto install = [&](const std::string& staging) {
      return InstallInto(*sandbox, staging, plan.install_command, sink, ctx);
    };
    ASSIGN_OR_RETURN(bool installed, store_.Ensure(fingerprint, install, ctx));
    log(installed
            ? absl::StrCat("installed dependencies ", fingerprint, " in ",
                           absl::FormatDuration(absl::Trunc(
                               absl::Now() - start, absl::Milliseconds(100))))
            : absl::StrCat("reusing installed dependencies ", fingerprint,
                           " (installed meanwhile by another sandbox)"));
  }
  SandboxRecord record;
  bool app_running;
  {
    absl::MutexLock lock(&sandbox->mu);
    sandbox->record.dependency_fingerprint = fingerprint;
    sandbox->installed = plan.dependencies;
    record = sandbox->record;
    app_running = sandbox->app != nullptr && !sandbox->app->Exited();
  }
  // A former pooled sandbox's own node_modules would hide the new set from
  // the next app start (a cold apply stops the app before this).
  if (!app_running) {
    RETURN_IF_ERROR(RemoveTree(SandboxDir(sandbox_id) + "/deps"));
  }
  RETURN_IF_ERROR(SaveRecord(record));
  if (!plan.build_command.empty()) {
    SeedProjectBuildCache(sandbox_id, fingerprint, sink);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LocalProvider::RunCommand(
    std::string_view sandbox_id, const std::string& command,
    const std::map<std::string, std::string>& environment,
    const OutputSink& sink, const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  SpawnRequest request;
  request.app_dir = ProjectDir(sandbox_id);
  request.node_modules_dir = NodeModulesFor(*sandbox);
  request.shell_command = command;
  request.cgroup = sandbox->cgroup.get();
  {
    absl::MutexLock lock(&sandbox->mu);
    request.uid = sandbox->record.uid;
    request.environment = sandbox->environment;
  }
  for (const auto& [name, value] : environment)
    request.environment[name] = value;
  UserCommand busy(this, sandbox_id);
  return RunToCompletion(*sandbox, request, sink, ctx, nullptr);
}

absl::Status LocalProvider::StartApp(std::string_view sandbox_id,
                                     const scaffold::BuildPlan& plan,
                                     const OutputSink& sink,
                                     const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  // Refills wait until a user's app serves (a claim's first compile too).
  UserCommand busy(this, sandbox_id);
  SpawnRequest request;
  request.app_dir = ProjectDir(sandbox_id);
  request.node_modules_dir = NodeModulesFor(*sandbox);
  request.shell_command = plan.start_command;
  request.cgroup = sandbox->cgroup.get();
  std::shared_ptr<SandboxProcess> running;
  {
    absl::MutexLock lock(&sandbox->mu);
    if (sandbox->app != nullptr && !sandbox->app->Exited()) {
      running = sandbox->app;
    }
    request.uid = sandbox->record.uid;
    request.environment = sandbox->environment;
  }
  if (running != nullptr) {
    // Hot reload: the files are in place; wait until they are served.
    running->SetSink(sink);
    absl::Status serving =
        WaitUntilServing(*sandbox, *running, plan.port, plan.generation_token,
                         kHotPollInterval, ctx);
    running->SetSink(nullptr);
    if (serving.ok()) QueuePrefetch(std::string(sandbox_id), plan.routes);
    return serving;
  }
  for (const auto& [name, value] : plan.environment) {
    request.environment[name] = value;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<SandboxProcess> app,
                   Spawn(request, sink, ctx));
  SandboxRecord record;
  {
    absl::MutexLock lock(&sandbox->mu);
    sandbox->app = app;
    sandbox->record.state = SandboxRecord::State::kRunning;
    sandbox->record.port = plan.port;
    sandbox->record.detail.clear();
    record = sandbox->record;
  }
  RETURN_IF_ERROR(SaveRecord(record));
  absl::Status serving = WaitUntilServing(
      *sandbox, *app, plan.port, plan.generation_token, kColdPollInterval, ctx);
  // The caller's sink is only valid during this call.
  app->SetSink(nullptr);
  if (serving.ok()) {
    QueuePrefetch(std::string(sandbox_id), plan.routes);
    return serving;
  }
  app->Kill("the app did not start");
  app->Wait(CallContext(absl::Now() + kKillTimeout));
  {
    absl::MutexLock lock(&sandbox->mu);
    if (sandbox->app == app) sandbox->app.reset();
    sandbox->record.state = SandboxRecord::State::kFailed;
    sandbox->record.detail = std::string(serving.message());
    record = sandbox->record;
  }
  SaveRecord(record).IgnoreError();
  return serving;
}

absl::Status LocalProvider::WaitUntilServing(
    Sandbox& sandbox, SandboxProcess& app, int port,
    const std::string& generation_token, absl::Duration poll,
    const CallContext& ctx) {
  const std::string host = absl::StrCat("127.0.0.1:", port);
  std::string last = "no answer yet";
  // Once the app has answered, 5xx for this long is an error in the app
  // (Next answers 500 for a compile or render error), not a slow start.
  std::optional<absl::Time> failing_since;
  while (true) {
    if (app.Exited()) {
      int code = app.Wait(ctx).value_or(-1);
      return absl::FailedPreconditionError(
          absl::StrCat("the app exited before answering on port ", port, " (",
                       ExitReason(sandbox, app.kill_reason(), code), "):\n",
                       app.Tail(kErrorTailLines)));
    }
    absl::StatusOr<UniqueFd> fd =
        dialer_->Dial(app.netns_fd(), port, absl::Seconds(1));
    if (fd.ok()) {
      // The first request in DEV mode compiles the page: allow it time.
      absl::StatusOr<HttpResponse> response =
          HttpGet(fd->get(), host, "/",
                  std::max(absl::Seconds(1), ctx.deadline() - absl::Now()));
      if (response.ok() && response->status == 200) {
        if (generation_token.empty() ||
            absl::StrContains(response->body, generation_token)) {
          return absl::OkStatus();
        }
        last = "HTTP 200 with an earlier generation of the files";
        failing_since.reset();
      } else if (response.ok() && response->status >= 500) {
        last = absl::StrCat("HTTP ", response->status);
        const absl::Time now = absl::Now();
        if (!failing_since.has_value()) failing_since = now;
        if (now - *failing_since > kAppErrorGrace) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the app answers HTTP ", response->status,
              " (a compile or render error):\n", app.Tail(kErrorTailLines)));
        }
      } else {
        last = response.ok() ? absl::StrCat("HTTP ", response->status)
                             : std::string(response.status().message());
      }
    } else {
      last = std::string(fd.status().message());
    }
    if (!ctx.SleepFor(poll)) {
      absl::Status done = DoneStatus(ctx, "local: start app");
      return absl::Status(done.code(),
                          absl::StrCat(done.message(), " (last probe: ", last,
                                       "):\n", app.Tail(kErrorTailLines)));
    }
  }
}

absl::StatusOr<int> LocalProvider::DialApp(std::string_view sandbox_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  std::shared_ptr<SandboxProcess> app;
  int port;
  {
    absl::MutexLock lock(&sandbox->mu);
    app = sandbox->app;
    port = sandbox->record.port;
  }
  if (app == nullptr || app->Exited() || app->netns_fd() < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("local: the app of sandbox ", std::string(sandbox_id),
                     " is not running"));
  }
  ASSIGN_OR_RETURN(UniqueFd fd,
                   dialer_->Dial(app->netns_fd(), port, absl::Seconds(1)));
  return fd.release();
}

absl::StatusOr<PreviewEndpoint> LocalProvider::ResolvePreview(
    std::string_view sandbox_id, const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  PreviewEndpoint endpoint;
  endpoint.url = absl::StrCat("http://", std::string(sandbox_id), ".",
                              options_.preview_base_domain, ":",
                              options_.preview_http_port->load(), "/");
  return endpoint;
}

}  // namespace sandboxd::local

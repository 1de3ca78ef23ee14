// DaytonaProvider: files, commands (toolbox sessions) and previews.
#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/daytona/daytona_provider.h"

namespace sandboxd::daytona {
namespace {

std::string ShellQuote(absl::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

absl::Status CheckRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("files[\"", path, "\"]: must be a relative path"));
  }
  if (path.find_first_of("\n\r") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("files[\"", path, "\"]: contains a line break"));
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("files[\"", path, "\"]: path escapes the project"));
    }
  }
  return absl::OkStatus();
}

// Where Upload stages a new tree, inside the project directory (the same
// file system, so every move into place is an atomic rename).
constexpr char kStagingDir[] = ".sandboxd-upload";

// Syncs the staged tree into the project in place, as the local provider
// does, so that a running dev server sees an update (hot reload): every
// file is moved into place, then what the project no longer has is
// removed, and the generation module goes last (the app serves its token
// only once everything before it is on disk). node_modules, .next (the
// build cache, and where a running `next dev` writes) and next-env.d.ts
// are kept.
constexpr char kSyncScript[] = R"sh(set -e
S=.sandboxd-upload
place() { mkdir -p -- "$(dirname -- "$1")"; mv -f -- "$S/files/$1" "$1"; }
while IFS= read -r f; do
  case "$f" in *sandboxd-generation.ts) ;; *) place "$f" ;; esac
done < "$S/manifest"
find . \( -path ./node_modules -o -path ./.next -o -path ./next-env.d.ts \
  -o -path "./$S" \) -prune -o \( -type f -o -type l \) -print |
  sed 's|^\./||' | { grep -vxF -f "$S/manifest" || true; } |
  while IFS= read -r f; do rm -f -- "$f"; done
while IFS= read -r f; do
  case "$f" in *sandboxd-generation.ts) place "$f" ;; esac
done < "$S/manifest"
rm -rf "$S")sh";

// The scaffold's start command binds 127.0.0.1, which suits the local
// provider's network namespace; Daytona's preview proxy reaches the app over
// the sandbox's network interface, so the bind is widened here.
std::string ListenOnAllInterfaces(const std::string& command) {
  return absl::StrReplaceAll(command,
                             {{"-H 127.0.0.1", "-H 0.0.0.0"},
                              {"--hostname 127.0.0.1", "--hostname 0.0.0.0"}});
}

}  // namespace

std::string DaytonaProvider::ShellLine(
    const std::string& command,
    const std::map<std::string, std::string>& env) const {
  // Every command gets its own session, so nothing leaks between them; the
  // command still runs under `sh -c` so its exit code is the session's.
  std::string line =
      absl::StrCat("mkdir -p ", ShellQuote(options_.project_dir), " && cd ",
                   ShellQuote(options_.project_dir), " && env");
  for (const auto& [key, value] : env) {
    absl::StrAppend(&line, " ", ShellQuote(absl::StrCat(key, "=", value)));
  }
  absl::StrAppend(&line, " sh -c ", ShellQuote(command));
  return line;
}

absl::Status DaytonaProvider::Upload(
    std::string_view sandbox_id,
    const std::map<std::string, std::string>& files, const CallContext& ctx) {
  // The new tree and its manifest go to a staging directory in one
  // multipart request (the daemon creates parent directories itself), then
  // one command syncs it into place (kSyncScript).
  const std::string staging =
      absl::StrCat(options_.project_dir, "/", kStagingDir);
  std::map<std::string, std::string> destinations;
  std::string manifest;
  for (const auto& [path, content] : files) {
    RETURN_IF_ERROR(CheckRelativePath(path));
    destinations[absl::StrCat(staging, "/files/", path)] = content;
    absl::StrAppend(&manifest, path, "\n");
  }
  destinations[absl::StrCat(staging, "/manifest")] = manifest;
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  // Both steps are idempotent (a failed earlier upload left its staging).
  RETURN_IF_ERROR(WithSandboxRunning(sandbox_id, ref, ctx, [&] {
    RETURN_IF_ERROR(client_.DeletePath(ref.toolbox, staging, ctx));
    return client_.BulkUpload(ref.toolbox, destinations, ctx);
  }));
  OutputFollower output(nullptr);
  ASSIGN_OR_RETURN(int code,
                   RunToExit(sandbox_id, ref, kSyncScript, {}, output, ctx));
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("daytona: syncing the uploaded files exited with ", code,
                     ": ", output.Tail()));
  }
  return absl::OkStatus();
}

// Around a stop (or after the daemon died, Daytona issues #4142 and #5140)
// toolbox calls fail with 400 "failed to resolve container IP ... Is the
// Sandbox started?" or a bare 502 while the API may still say `started` for a
// while. Only idempotent steps are rerun here; an exec never is.
absl::Status DaytonaProvider::WithSandboxRunning(
    std::string_view sandbox_id, const SandboxRef& ref, const CallContext& ctx,
    const std::function<absl::Status()>& step) {
  absl::Status status = step();
  if (!absl::IsFailedPrecondition(status) && !absl::IsUnavailable(status)) {
    return status;
  }
  ASSIGN_OR_RETURN(SandboxDto dto, client_.GetSandbox(ref.daytona_id, ctx));
  if (dto.state == "started") return status;
  RETURN_IF_ERROR(Start(sandbox_id, ctx));
  return step();
}

absl::StatusOr<DaytonaProvider::Launched> DaytonaProvider::Launch(
    std::string_view sandbox_id, const SandboxRef& ref,
    const std::string& command, const std::map<std::string, std::string>& env,
    const CallContext& ctx) {
  Launched launched;
  launched.session_id =
      absl::StrCat("sandboxd-", absl::ToUnixMicros(clock_->Now()), "-",
                   next_session_.fetch_add(1));
  RETURN_IF_ERROR(WithSandboxRunning(sandbox_id, ref, ctx, [&] {
    return client_.CreateSession(ref.toolbox, launched.session_id, ctx);
  }));
  ASSIGN_OR_RETURN(launched.cmd_id,
                   client_.ExecAsync(ref.toolbox, launched.session_id,
                                     ShellLine(command, env), ctx));
  return launched;
}

// Output is followed by polling the command's logs and emitting only the new
// bytes, not through the daemon's WebSocket follow: there is no WebSocket
// client in our dependency set, and polling survives reconnects and proxy
// restarts without losing or repeating output (the logs are cumulative).
absl::StatusOr<std::optional<int>> DaytonaProvider::Follow(
    const SandboxRef& ref, const Launched& launched, OutputFollower& output,
    const std::function<absl::StatusOr<bool>()>& ready,
    const CallContext& ctx) {
  absl::Duration delay = options_.log_poll_initial;
  for (;;) {
    // Status first, logs second: once the exit code is seen, the logs read
    // after it are complete.
    ASSIGN_OR_RETURN(CommandDto command,
                     client_.GetCommand(ref.toolbox, launched.session_id,
                                        launched.cmd_id, ctx));
    ASSIGN_OR_RETURN(CommandLogs logs,
                     client_.GetCommandLogs(ref.toolbox, launched.session_id,
                                            launched.cmd_id, ctx));
    output.Update(logs);
    if (command.exit_code.has_value()) {
      output.Finish();
      return command.exit_code;
    }
    if (ready) {
      ASSIGN_OR_RETURN(bool is_ready, ready());
      if (is_ready) return std::optional<int>();
    }
    absl::Status waited = retrier_->Wait(delay, ctx);
    if (!waited.ok()) {
      return absl::Status(
          waited.code(), absl::StrCat("daytona: follow command ",
                                      launched.cmd_id, ": ", waited.message()));
    }
    delay = std::min(options_.log_poll_max, delay * 1.5);
  }
}

absl::StatusOr<int> DaytonaProvider::RunToExit(
    std::string_view sandbox_id, const SandboxRef& ref,
    const std::string& command,
    const std::map<std::string, std::string>& environment,
    OutputFollower& output, const CallContext& ctx) {
  ASSIGN_OR_RETURN(Launched launched,
                   Launch(sandbox_id, ref, command, environment, ctx));
  absl::StatusOr<std::optional<int>> exit =
      Follow(ref, launched, output, nullptr, ctx);
  // Best effort: a leftover session only holds an exited shell.
  (void)client_.DeleteSession(ref.toolbox, launched.session_id, ctx);
  if (!exit.ok()) return exit.status();
  return **exit;
}

absl::StatusOr<int> DaytonaProvider::RunCommand(
    std::string_view sandbox_id, const std::string& command,
    const std::map<std::string, std::string>& environment,
    const OutputSink& sink, const CallContext& ctx) {
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  OutputFollower output(sink);
  return RunToExit(sandbox_id, ref, command, environment, output, ctx);
}

absl::Status DaytonaProvider::InstallDependencies(
    std::string_view sandbox_id, const scaffold::BuildPlan& plan,
    const OutputSink& sink, const CallContext& ctx) {
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  if (!plan.dependency_fingerprint.empty() &&
      ref.installed_fingerprint == plan.dependency_fingerprint) {
    if (sink) {
      sink(OutputStream::kStdout,
           absl::StrCat("reusing the dependencies installed in this sandbox (",
                        plan.dependency_fingerprint.substr(0, 12), ")"));
    }
    return absl::OkStatus();
  }
  OutputFollower output(sink);
  ASSIGN_OR_RETURN(int code, RunToExit(sandbox_id, ref, plan.install_command,
                                       plan.environment, output, ctx));
  if (code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("daytona: install dependencies: `", plan.install_command,
                     "` exited with code ", code, ":\n", output.Tail()));
  }
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(std::string(sandbox_id));
  if (it != refs_.end() && it->second.daytona_id == ref.daytona_id) {
    it->second.installed_fingerprint = plan.dependency_fingerprint;
  }
  return absl::OkStatus();
}

absl::Status DaytonaProvider::StartApp(std::string_view sandbox_id,
                                       const scaffold::BuildPlan& plan,
                                       const OutputSink& sink,
                                       const CallContext& ctx) {
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  {
    absl::MutexLock lock(&mu_);
    auto it = refs_.find(std::string(sandbox_id));
    if (it != refs_.end() && it->second.port != plan.port) {
      it->second.port = plan.port;
      it->second.preview.reset();
    }
  }
  ref.port = plan.port;
  // Ready means the page answers 200 carrying this generation's token (Next
  // answers the first request after a write with the old page).
  auto answers = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(std::string url, PreviewUrl(sandbox_id, ref, ctx));
    absl::StatusOr<HttpResponse> response = client_.Probe(url, ctx);
    // Refused connections and proxy errors just mean "not yet".
    if (!response.ok() || response->status != 200) return false;
    return plan.generation_token.empty() ||
           absl::StrContains(response->body, plan.generation_token);
  };
  // Hot reload: the app this process started still runs; only wait for the
  // new generation.
  if (!ref.app_session.empty()) {
    // Polled briskly: a hot reload compiles in well under a second.
    absl::Duration delay = absl::Milliseconds(100);
    for (;;) {
      absl::StatusOr<CommandDto> app =
          client_.GetCommand(ref.toolbox, ref.app_session, ref.app_cmd, ctx);
      if (!app.ok() || app->exit_code.has_value()) break;  // start it anew
      ASSIGN_OR_RETURN(bool ready, answers());
      if (ready) return absl::OkStatus();
      absl::Status waited = retrier_->Wait(delay, ctx);
      if (!waited.ok()) {
        return absl::Status(
            waited.code(),
            absl::StrCat("daytona: start app: the running app did not serve "
                         "the new files: ",
                         waited.message()));
      }
      delay = std::min(absl::Milliseconds(500), delay * 1.5);
    }
  }
  // The app's session is kept: deleting it would end the app.
  ASSIGN_OR_RETURN(
      Launched launched,
      Launch(sandbox_id, ref, ListenOnAllInterfaces(plan.start_command),
             plan.environment, ctx));
  {
    absl::MutexLock lock(&mu_);
    auto it = refs_.find(std::string(sandbox_id));
    if (it != refs_.end()) {
      it->second.app_session = launched.session_id;
      it->second.app_cmd = launched.cmd_id;
    }
  }
  OutputFollower output(sink);
  ASSIGN_OR_RETURN(std::optional<int> exit,
                   Follow(ref, launched, output, answers, ctx));
  if (!exit.has_value()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "daytona: start app: `", plan.start_command, "` exited with code ", *exit,
      " before answering on port ", plan.port, ":\n", output.Tail()));
}

absl::StatusOr<std::string> DaytonaProvider::PreviewUrl(
    std::string_view sandbox_id, const SandboxRef& ref,
    const CallContext& ctx) {
  int port = ref.port;
  {
    absl::MutexLock lock(&mu_);
    auto it = refs_.find(std::string(sandbox_id));
    if (it != refs_.end()) {
      port = it->second.port;
      if (it->second.preview.has_value() &&
          clock_->Now() < it->second.preview->refresh_at) {
        return it->second.preview->url;
      }
    }
  }
  CachedPreview preview;
  if (options_.public_previews) {
    ASSIGN_OR_RETURN(PreviewUrlDto dto,
                     client_.GetPreviewUrl(ref.daytona_id, port, ctx));
    preview = CachedPreview{dto.url, absl::InfiniteFuture()};
  } else {
    // Signed URLs carry their token in the host name, so a browser needs no
    // custom header; refresh them well before they expire.
    const absl::Duration ttl = options_.signed_preview_ttl;
    ASSIGN_OR_RETURN(PreviewUrlDto dto, client_.GetSignedPreviewUrl(
                                            ref.daytona_id, port, ttl, ctx));
    const absl::Duration margin =
        std::min(options_.signed_preview_refresh, ttl / 2);
    preview = CachedPreview{dto.url, clock_->Now() + ttl - margin};
  }
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(std::string(sandbox_id));
  if (it != refs_.end() && it->second.daytona_id == ref.daytona_id) {
    it->second.preview = preview;
  }
  return preview.url;
}

absl::StatusOr<PreviewEndpoint> DaytonaProvider::ResolvePreview(
    std::string_view sandbox_id, const CallContext& ctx) {
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  ASSIGN_OR_RETURN(std::string url, PreviewUrl(sandbox_id, ref, ctx));
  return PreviewEndpoint{url};
}

}  // namespace sandboxd::daytona

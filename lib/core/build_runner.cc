#include "lib/core/build_runner.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/status_macros.h"
#include "lib/core/diagnostics.h"

namespace sandboxd {

using ::sandbox::v1::BuildEvent;
using ::sandbox::v1::BuildPhase;
using ::sandbox::v1::Sandbox;
using ::sandbox::v1::SandboxStatus;

std::string GenerationToken(const Sandbox& sandbox) {
  return absl::StrCat(sandbox.sandbox_id(), ".g",
                      std::max<int64_t>(1, sandbox.generation()));
}

scaffold::Request ToScaffoldRequest(
    const sandbox::v1::CreateSandboxRequest& request,
    const std::string& generation_token) {
  scaffold::Request out;
  out.generation_token = generation_token;
  out.generated_code.insert(request.generated_code().begin(),
                            request.generated_code().end());
  out.environment.insert(request.environment().begin(),
                         request.environment().end());
  out.build_script = request.build_script();
  out.mode = request.mode() == sandbox::v1::MODE_PRODUCTION
                 ? scaffold::Mode::kProduction
                 : scaffold::Mode::kDev;
  return out;
}

ProvisionSpec ProvisionSpecFor(const Sandbox& record,
                               const scaffold::Project& project) {
  ProvisionSpec provision;
  provision.sandbox_id = record.sandbox_id();
  provision.owner = record.owner();
  provision.project_name = record.project_name();
  provision.labels.insert(record.labels().begin(), record.labels().end());
  provision.environment = project.plan.environment;
  provision.mode = record.mode() == sandbox::v1::MODE_PRODUCTION
                       ? scaffold::Mode::kProduction
                       : scaffold::Mode::kDev;
  provision.idle_timeout = FromDuration(record.idle_timeout());
  provision.dependency_fingerprint = project.plan.dependency_fingerprint;
  return provision;
}

// The state of one build or restart: its current phase, the recent output
// (for error messages) and the diagnostics parsers. Output arrives on
// provider threads, hence the mutex.
class BuildRunner::Run {
 public:
  Run(BuildRunner* runner, std::string sandbox_id, const BuildControl& control)
      : r_(runner), id_(std::move(sandbox_id)), control_(control) {}

  // `warm_only`: see BuildRunner::BuildWarm; true if it gave up for lack
  // of a pooled sandbox.
  bool Build(bool warm_only = false);
  void Restart();
  void Apply(ApplyMode mode);

 private:
  static constexpr size_t kTailLines = 30;

  // Records the phase change (event + record). False if the sandbox is no
  // longer ours to build (deleted meanwhile).
  bool Enter(BuildPhase phase, const std::string& message = "");
  // Ends the current phase: records its duration.
  void Leave();
  // Handles a failed step: interruption, cancellation or FAILED.
  void Fail(const std::string& code, const absl::Status& status);
  void Succeed(const std::string& preview_url);
  void Log(sandbox::v1::LogStream stream, std::string_view line);
  void System(const std::string& text) {
    Log(sandbox::v1::LOG_STREAM_SYSTEM, text);
  }
  OutputSink Sink();
  CallContext Deadline(absl::Duration d) const {
    return CallContext(absl::Now() + d, control_.cancellation());
  }
  // Runs the app and resolves its URL: shared by Build and Restart.
  bool StartApp(const scaffold::BuildPlan& plan);
  // UPLOADING, INSTALLING (unless `install` is false: a hot apply keeps
  // the dependencies) and (PRODUCTION) BUILDING: shared by Build and
  // Apply. False when the build ended (FAILED or stopped).
  bool UploadInstallBuild(const scaffold::Project& project,
                          bool install = true);
  // Loads the spec and record and assembles the project for the record's
  // generation; FAILED on error.
  std::optional<scaffold::Project> Assemble(Sandbox* record);
  std::string TailText();

  BuildRunner* const r_;
  const std::string id_;
  const BuildControl& control_;
  BuildPhase phase_ = sandbox::v1::BUILD_PHASE_QUEUED;
  // Fail stops the app before it records FAILED (a failed hot apply).
  bool stop_app_on_failure_ = false;
  absl::Time phase_start_;
  std::vector<std::pair<BuildPhase, absl::Duration>> durations_;

  absl::Mutex mu_;
  std::deque<std::string> tail_ ABSL_GUARDED_BY(mu_);
  DiagnosticParser stdout_parser_ ABSL_GUARDED_BY(mu_);
  DiagnosticParser stderr_parser_ ABSL_GUARDED_BY(mu_);
};

BuildRunner::BuildRunner(SandboxRecords* records, EventLog* events,
                         Provider* provider, std::shared_ptr<Clock> clock,
                         scaffold::Limits scaffold_limits,
                         PhaseDeadlines deadlines, Hooks hooks)
    : records_(records),
      events_(events),
      provider_(provider),
      clock_(std::move(clock)),
      scaffold_limits_(scaffold_limits),
      deadlines_(deadlines),
      hooks_(std::move(hooks)) {}

void BuildRunner::Build(const std::string& sandbox_id,
                        const BuildControl& control) {
  Run(this, sandbox_id, control).Build();
}

BuildRunner::WarmOutcome BuildRunner::BuildWarm(const std::string& sandbox_id,
                                                const BuildControl& control) {
  return Run(this, sandbox_id, control).Build(/*warm_only=*/true)
             ? WarmOutcome::kNeedsColdBuild
             : WarmOutcome::kDone;
}

void BuildRunner::Restart(const std::string& sandbox_id,
                          const BuildControl& control) {
  Run(this, sandbox_id, control).Restart();
}

void BuildRunner::Apply(const std::string& sandbox_id, ApplyMode mode,
                        const BuildControl& control) {
  Run(this, sandbox_id, control).Apply(mode);
}

bool BuildRunner::Run::Enter(BuildPhase phase, const std::string& message) {
  BuildPhase from = phase_;
  absl::StatusOr<Sandbox> updated =
      r_->records_->Mutate(id_, [&](Sandbox& s) -> absl::Status {
        if (s.status() != sandbox::v1::SANDBOX_STATUS_PENDING &&
            s.status() != sandbox::v1::SANDBOX_STATUS_BUILDING) {
          return absl::AbortedError("sandbox left the build");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_BUILDING);
        s.set_phase(phase);
        s.set_queue_position(0);
        return absl::OkStatus();
      });
  if (!updated.ok()) return false;
  phase_ = phase;
  phase_start_ = r_->clock_->Now();
  BuildEvent event;
  event.set_phase(phase);
  event.mutable_phase_change()->set_from(from);
  event.mutable_phase_change()->set_to(phase);
  event.mutable_phase_change()->set_message(message);
  (void)r_->events_->Append(id_, std::move(event));
  return true;
}

void BuildRunner::Run::Leave() {
  absl::Duration took = r_->clock_->Now() - phase_start_;
  durations_.emplace_back(phase_, took);
  if (r_->hooks_.phase_done) r_->hooks_.phase_done(phase_, took);
}

void BuildRunner::Run::Log(sandbox::v1::LogStream stream,
                           std::string_view line) {
  std::optional<sandbox::v1::Diagnostic> diagnostic;
  {
    absl::MutexLock lock(&mu_);
    tail_.emplace_back(line);
    if (tail_.size() > kTailLines) tail_.pop_front();
    if (stream == sandbox::v1::LOG_STREAM_STDOUT) {
      diagnostic = stdout_parser_.Feed(line);
    } else if (stream == sandbox::v1::LOG_STREAM_STDERR) {
      diagnostic = stderr_parser_.Feed(line);
    }
  }
  BuildEvent event;
  event.set_phase(phase_);
  event.mutable_log()->set_stream(stream);
  event.mutable_log()->set_text(std::string(line));
  (void)r_->events_->Append(id_, std::move(event));
  if (diagnostic.has_value()) {
    BuildEvent d;
    d.set_phase(phase_);
    *d.mutable_diagnostic() = std::move(*diagnostic);
    (void)r_->events_->Append(id_, std::move(d));
  }
}

OutputSink BuildRunner::Run::Sink() {
  return [this](OutputStream stream, std::string_view line) {
    Log(stream == OutputStream::kStdout ? sandbox::v1::LOG_STREAM_STDOUT
                                        : sandbox::v1::LOG_STREAM_STDERR,
        line);
  };
}

std::string BuildRunner::Run::TailText() {
  absl::MutexLock lock(&mu_);
  // The last lines are where npm and next print the cause.
  size_t keep = std::min<size_t>(tail_.size(), 12);
  std::vector<std::string> lines(tail_.end() - keep, tail_.end());
  return absl::StrJoin(lines, "\n");
}

void BuildRunner::Run::Fail(const std::string& code,
                            const absl::Status& status) {
  switch (control_.cause()) {
    case BuildControl::Cause::kDeleted:
      System("build cancelled: the sandbox is being deleted");
      return;
    case BuildControl::Cause::kShutdown:
      System(
          "build interrupted: sandboxd is shutting down; the build resumes "
          "when it starts again");
      return;
    case BuildControl::Cause::kNone:
      break;
  }
  // Before FAILED is recorded, so whoever sees FAILED sees it stopped and
  // may apply again at once.
  if (stop_app_on_failure_) {
    (void)r_->provider_->Stop(id_, Deadline(r_->deadlines_.stop));
  }
  sandbox::v1::SandboxError error;
  error.set_code(status.code() == absl::StatusCode::kDeadlineExceeded
                     ? "DEADLINE_EXCEEDED"
                     : code);
  error.set_message(std::string(status.message()));
  error.set_phase(phase_);
  absl::StatusOr<Sandbox> updated =
      r_->records_->Mutate(id_, [&](Sandbox& s) -> absl::Status {
        if (s.status() == sandbox::v1::SANDBOX_STATUS_DELETING ||
            s.status() == sandbox::v1::SANDBOX_STATUS_DELETED) {
          return absl::AbortedError("deleted");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
        *s.mutable_error() = error;
        return absl::OkStatus();
      });
  if (!updated.ok()) return;
  BuildEvent event;
  event.set_phase(phase_);
  event.mutable_finished()->set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
  *event.mutable_finished()->mutable_error() = error;
  (void)r_->events_->Append(id_, std::move(event));
  r_->events_->SetActive(id_, false);
  if (r_->hooks_.finished)
    r_->hooks_.finished(sandbox::v1::SANDBOX_STATUS_FAILED);
}

void BuildRunner::Run::Succeed(const std::string& preview_url) {
  absl::Time now = r_->clock_->Now();
  BuildPhase from = phase_;
  absl::StatusOr<Sandbox> updated =
      r_->records_->Mutate(id_, [&](Sandbox& s) -> absl::Status {
        if (s.status() != sandbox::v1::SANDBOX_STATUS_BUILDING) {
          return absl::AbortedError("sandbox left the build");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_READY);
        s.set_phase(sandbox::v1::BUILD_PHASE_READY);
        s.set_preview_url(preview_url);
        s.clear_error();
        s.set_stop_reason(sandbox::v1::STOP_REASON_UNSPECIFIED);
        SetTime(s.mutable_ready_time(), now);
        SetTime(s.mutable_last_activity_time(), now);
        SetTime(s.mutable_auto_stop_time(),
                now + FromDuration(s.idle_timeout()));
        s.clear_phase_durations();
        for (const auto& [phase, took] : durations_) {
          auto* d = s.add_phase_durations();
          d->set_phase(phase);
          SetDuration(d->mutable_duration(), took);
        }
        return absl::OkStatus();
      });
  if (!updated.ok()) return;
  phase_ = sandbox::v1::BUILD_PHASE_READY;
  BuildEvent change;
  change.set_phase(phase_);
  change.mutable_phase_change()->set_from(from);
  change.mutable_phase_change()->set_to(phase_);
  (void)r_->events_->Append(id_, std::move(change));
  BuildEvent done;
  done.set_phase(phase_);
  done.mutable_finished()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
  done.mutable_finished()->set_preview_url(preview_url);
  (void)r_->events_->Append(id_, std::move(done));
  r_->events_->SetActive(id_, false);
  if (r_->hooks_.finished)
    r_->hooks_.finished(sandbox::v1::SANDBOX_STATUS_READY);
}

bool BuildRunner::Run::StartApp(const scaffold::BuildPlan& plan) {
  if (!Enter(sandbox::v1::BUILD_PHASE_STARTING)) return false;
  absl::Status started = r_->provider_->StartApp(
      id_, plan, Sink(), Deadline(r_->deadlines_.start));
  if (!started.ok()) {
    std::string tail = TailText();
    Fail("START_FAILED",
         absl::Status(started.code(),
                      absl::StrCat("starting the app: ", started.message(),
                                   tail.empty() ? "" : "\n", tail)));
    return false;
  }
  absl::StatusOr<PreviewEndpoint> preview =
      r_->provider_->ResolvePreview(id_, Deadline(r_->deadlines_.start));
  if (!preview.ok()) {
    Fail("START_FAILED", Annotate(preview.status(), "resolving the preview"));
    return false;
  }
  Leave();
  Succeed(preview->url);
  return true;
}

std::optional<scaffold::Project> BuildRunner::Run::Assemble(Sandbox* record) {
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> spec =
      r_->records_->store()->GetSpec(id_);
  absl::StatusOr<Sandbox> loaded = r_->records_->store()->GetSandbox(id_);
  if (!spec.ok() || !loaded.ok()) {
    Fail("INTERNAL", !spec.ok() ? spec.status() : loaded.status());
    return std::nullopt;
  }
  *record = *std::move(loaded);
  absl::StatusOr<scaffold::Project> project = scaffold::Assemble(
      ToScaffoldRequest(*spec, GenerationToken(*record)), r_->scaffold_limits_);
  if (!project.ok()) {
    Fail("INVALID_PROJECT", project.status());
    return std::nullopt;
  }
  return *std::move(project);
}

bool BuildRunner::Run::UploadInstallBuild(const scaffold::Project& project,
                                          bool install) {
  if (!Enter(sandbox::v1::BUILD_PHASE_UPLOADING)) return false;
  if (absl::Status s = r_->provider_->Upload(id_, project.files,
                                             Deadline(r_->deadlines_.upload));
      !s.ok()) {
    Fail("UPLOAD_FAILED", Annotate(s, "uploading files"));
    return false;
  }
  Leave();

  if (install) {
    if (!Enter(sandbox::v1::BUILD_PHASE_INSTALLING)) return false;
    if (absl::Status s = r_->provider_->InstallDependencies(
            id_, project.plan, Sink(), Deadline(r_->deadlines_.install));
        !s.ok()) {
      std::string tail = TailText();
      Fail("INSTALL_FAILED",
           absl::Status(s.code(),
                        absl::StrCat("installing dependencies: ", s.message(),
                                     tail.empty() ? "" : "\n", tail)));
      return false;
    }
    Leave();
  }

  if (!project.plan.build_command.empty()) {
    if (!Enter(sandbox::v1::BUILD_PHASE_BUILDING)) return false;
    absl::StatusOr<int> exit_code = r_->provider_->RunCommand(
        id_, project.plan.build_command, project.plan.environment, Sink(),
        Deadline(r_->deadlines_.build));
    if (!exit_code.ok()) {
      Fail("BUILD_FAILED", Annotate(exit_code.status(), "building"));
      return false;
    }
    if (*exit_code != 0) {
      Fail("BUILD_FAILED",
           absl::FailedPreconditionError(absl::StrCat(
               "`", project.plan.build_command, "` exited with code ",
               *exit_code, "\n", TailText())));
      return false;
    }
    Leave();
  }
  return true;
}

bool BuildRunner::Run::Build(bool warm_only) {
  absl::StatusOr<Sandbox> stored = r_->records_->store()->GetSandbox(id_);
  if (stored.ok()) phase_ = stored->phase();
  if (!Enter(sandbox::v1::BUILD_PHASE_ASSEMBLING)) return false;
  Sandbox record;
  std::optional<scaffold::Project> project = Assemble(&record);
  if (!project.has_value()) return false;
  System(absl::StrCat("assembled ", project->files.size(),
                      " files; dependency set ",
                      project->plan.dependency_fingerprint.substr(0, 12)));
  Leave();

  if (!Enter(sandbox::v1::BUILD_PHASE_PROVISIONING)) return false;
  const ProvisionSpec provision = ProvisionSpecFor(record, *project);
  absl::Status claimed = absl::NotFoundError("PRODUCTION mode");
  if (provision.mode == scaffold::Mode::kDev) {
    claimed = r_->provider_->ClaimWarm(provision, *project, Sink(),
                                       Deadline(r_->deadlines_.provision));
  }
  if (!claimed.ok() && warm_only) {
    System(absl::StrCat("cold start: ", claimed.message(),
                        "; waiting for a build slot"));
    return true;
  }
  if (claimed.ok()) {
    System("took a pre-started sandbox from the warm pool");
    (void)r_->records_->Mutate(id_, [](Sandbox& s) {
      s.set_from_warm_pool(true);
      return absl::OkStatus();
    });
  } else {
    if (provision.mode == scaffold::Mode::kDev) {
      System(absl::StrCat("cold start: ", claimed.message()));
    }
    if (absl::Status s = r_->provider_->Provision(
            provision, Deadline(r_->deadlines_.provision));
        !s.ok()) {
      Fail("PROVISION_FAILED", Annotate(s, "provisioning"));
      return false;
    }
  }
  Leave();

  if (!UploadInstallBuild(*project)) return false;
  StartApp(project->plan);
  return false;
}

void BuildRunner::Run::Apply(ApplyMode mode) {
  // ApplyFiles moved the record to UPLOADING; the events tell the story
  // from the READY (or FAILED) app it started from.
  phase_ = sandbox::v1::BUILD_PHASE_READY;
  phase_start_ = r_->clock_->Now();
  Sandbox record;
  std::optional<scaffold::Project> project = Assemble(&record);
  if (!project.has_value()) return;
  System(absl::StrCat("applying generation ", record.generation(), " (",
                      project->files.size(), " files, ",
                      mode == ApplyMode::kHot ? "hot reload"
                      : mode == ApplyMode::kHotAddingDependencies
                          ? "hot reload, adding packages"
                          : "restarting the app",
                      ")"));
  if (mode == ApplyMode::kHotAddingDependencies) {
    // Before the files that import them are synced.
    if (!Enter(sandbox::v1::BUILD_PHASE_INSTALLING,
               "adding packages to the running app")) {
      return;
    }
    absl::Status added = r_->provider_->AddDependencies(
        id_, *project, Sink(), Deadline(r_->deadlines_.install));
    if (added.ok()) {
      Leave();
      mode = ApplyMode::kHot;
    } else if (control_.cause() != BuildControl::Cause::kNone) {
      Fail("INSTALL_FAILED", added);
      return;
    } else {
      System(absl::StrCat("cannot add the packages to the running app (",
                          added.message(), "); restarting it"));
      mode = ApplyMode::kCold;
    }
  }
  const bool hot = mode == ApplyMode::kHot;
  if (!hot) {
    // A clean restart: stop what runs (it may hold old dependencies or a
    // production build being replaced), then provision idempotently. Its
    // own phase, so a failure here is not reported as phase READY.
    if (!Enter(sandbox::v1::BUILD_PHASE_PROVISIONING, "restarting the app")) {
      return;
    }
    (void)r_->provider_->Stop(id_, Deadline(r_->deadlines_.stop));
    const ProvisionSpec provision = ProvisionSpecFor(record, *project);
    if (absl::Status s = r_->provider_->Provision(
            provision, Deadline(r_->deadlines_.provision));
        !s.ok()) {
      Fail("PROVISION_FAILED", Annotate(s, "provisioning"));
      return;
    }
    if (absl::Status s =
            r_->provider_->Start(id_, Deadline(r_->deadlines_.provision));
        !s.ok()) {
      Fail("START_FAILED", Annotate(s, "starting the sandbox"));
      return;
    }
    Leave();
  }
  // A failed hot apply stops the dev server (it would answer with the
  // error); the next ApplyFiles restarts it.
  stop_app_on_failure_ = hot;
  if (!UploadInstallBuild(*project, /*install=*/!hot)) return;
  StartApp(project->plan);
}

void BuildRunner::Run::Restart() {
  phase_ = sandbox::v1::BUILD_PHASE_STARTING;
  phase_start_ = r_->clock_->Now();
  Sandbox record;
  std::optional<scaffold::Project> project = Assemble(&record);
  if (!project.has_value()) return;
  System("starting the sandbox again");
  if (absl::Status s =
          r_->provider_->Start(id_, Deadline(r_->deadlines_.provision));
      !s.ok()) {
    Fail("START_FAILED", Annotate(s, "starting the sandbox"));
    return;
  }
  StartApp(project->plan);
}

}  // namespace sandboxd

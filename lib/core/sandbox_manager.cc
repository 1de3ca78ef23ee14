#include "lib/core/sandbox_manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lib/common/status_macros.h"
#include "lib/core/ids.h"
#include "lib/core/retry_hint.h"

namespace sandboxd {

using ::sandbox::v1::BuildEvent;
using ::sandbox::v1::CreateSandboxRequest;
using ::sandbox::v1::Sandbox;
using ::sandbox::v1::SandboxStatus;

namespace {

// A stable hash of the request (deterministic serialization, FNV-1a 64): an
// idempotency key reused with a different request is an error, not a replay.
std::string RequestFingerprint(const CreateSandboxRequest& request) {
  CreateSandboxRequest copy = request;
  copy.clear_wait_until_ready();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&out);
  }
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("fnv1a64:%016x", hash);
}

// A new PENDING record for `request`.
Sandbox NewSandbox(const Caller& caller, const CreateSandboxRequest& request,
                   absl::Time now, std::string provider,
                   const RequestLimits& limits) {
  Sandbox sandbox;
  sandbox.set_sandbox_id(NewSandboxId());
  sandbox.set_project_name(request.project_name());
  sandbox.set_description(request.description());
  sandbox.set_owner(caller.owner);
  sandbox.set_status(sandbox::v1::SANDBOX_STATUS_PENDING);
  sandbox.set_phase(sandbox::v1::BUILD_PHASE_QUEUED);
  sandbox.set_provider(std::move(provider));
  sandbox.set_mode(request.mode() == sandbox::v1::MODE_PRODUCTION
                       ? sandbox::v1::MODE_PRODUCTION
                       : sandbox::v1::MODE_DEV);
  sandbox.mutable_labels()->insert(request.labels().begin(),
                                   request.labels().end());
  sandbox.set_public_preview(request.public_preview());
  sandbox.set_generation(1);
  SetTime(sandbox.mutable_create_time(), now);
  SetTime(sandbox.mutable_last_activity_time(), now);
  SetTime(sandbox.mutable_update_time(), now);
  SetDuration(sandbox.mutable_idle_timeout(),
              EffectiveIdleTimeout(request, limits));
  return sandbox;
}

absl::Status NotFound(const std::string& sandbox_id) {
  return absl::NotFoundError(
      absl::StrCat("sandbox \"", sandbox_id, "\" not found"));
}

}  // namespace

SandboxManager::SandboxManager(Store* store, Provider* provider,
                               std::shared_ptr<Clock> clock,
                               MetricsRegistry* metrics, ManagerOptions options)
    : store_(store),
      provider_(provider),
      clock_(std::move(clock)),
      options_(std::move(options)),
      records_(store, clock_),
      events_(store, clock_, options_.events),
      runner_(&records_, &events_, provider, clock_, options_.scaffold_limits,
              options_.deadlines,
              BuildRunner::Hooks{
                  .phase_done =
                      [this](sandbox::v1::BuildPhase phase, absl::Duration d) {
                        if (phase_seconds_ != nullptr) {
                          phase_seconds_->Observe(
                              {sandbox::v1::BuildPhase_Name(phase)},
                              absl::ToDoubleSeconds(d));
                        }
                      },
                  .finished =
                      [this](SandboxStatus status) {
                        if (builds_total_ != nullptr) {
                          builds_total_->Increment(
                              {sandbox::v1::SandboxStatus_Name(status)});
                        }
                      }}),
      queue_(options_.build_workers, options_.max_queued_builds),
      warm_queue_(options_.warm_workers, options_.max_queued_builds),
      quotas_(options_.quotas, clock_) {
  if (metrics != nullptr) DefineMetrics(metrics);
}

SandboxManager::~SandboxManager() { Shutdown(); }

void SandboxManager::DefineMetrics(MetricsRegistry* metrics) {
  creates_total_ = metrics->AddCounter(
      "sandboxd_creates_total", "Create requests by outcome", {"outcome"});
  builds_total_ = metrics->AddCounter(
      "sandboxd_builds_total", "Finished builds by final status", {"status"});
  phase_seconds_ = metrics->AddHistogram(
      "sandboxd_build_phase_seconds", "Duration of successful build phases",
      {"phase"}, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900});
  sandboxes_ =
      metrics->AddGauge("sandboxd_sandboxes",
                        "Sandboxes by status (DELETED excluded)", {"status"});
  queue_depth_ = metrics->AddGauge("sandboxd_build_queue_depth",
                                   "Builds waiting for a worker", {});
  builds_running_ =
      metrics->AddGauge("sandboxd_builds_running", "Builds running now", {});
  metrics->AddScrapeHook([this] {
    queue_depth_->Set({}, static_cast<double>(queue_.queued()));
    builds_running_->Set(
        {}, static_cast<double>(queue_.running() + warm_queue_.running()));
    for (int s = sandbox::v1::SANDBOX_STATUS_PENDING;
         s < sandbox::v1::SANDBOX_STATUS_DELETED; ++s) {
      auto status = static_cast<SandboxStatus>(s);
      absl::StatusOr<std::vector<Sandbox>> all = store_->ListByStatus({status});
      if (all.ok()) {
        sandboxes_->Set({sandbox::v1::SandboxStatus_Name(status)},
                        static_cast<double>(all->size()));
      }
    }
  });
}

absl::StatusOr<Sandbox> SandboxManager::Load(const Caller& caller,
                                             const std::string& sandbox_id) {
  RETURN_IF_ERROR(ValidateSandboxId(sandbox_id));
  absl::StatusOr<Sandbox> sandbox = store_->GetSandbox(sandbox_id);
  if (absl::IsNotFound(sandbox.status())) return NotFound(sandbox_id);
  if (!sandbox.ok()) return sandbox.status();
  // Another owner's sandbox is indistinguishable from a missing one.
  if (!caller.admin && sandbox->owner() != caller.owner) {
    return NotFound(sandbox_id);
  }
  return sandbox;
}

void SandboxManager::Overlay(Sandbox& sandbox) {
  const std::string& id = sandbox.sandbox_id();
  if (sandbox.status() == sandbox::v1::SANDBOX_STATUS_PENDING ||
      sandbox.status() == sandbox::v1::SANDBOX_STATUS_BUILDING) {
    sandbox.set_queue_position(
        std::max(queue_.Position(id), warm_queue_.Position(id)));
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = activity_.find(id);
    if (it != activity_.end() &&
        it->second > FromTimestamp(sandbox.last_activity_time())) {
      SetTime(sandbox.mutable_last_activity_time(), it->second);
    }
  }
  if (sandbox.status() == sandbox::v1::SANDBOX_STATUS_READY) {
    SetTime(sandbox.mutable_auto_stop_time(),
            FromTimestamp(sandbox.last_activity_time()) +
                FromDuration(sandbox.idle_timeout()));
  } else {
    sandbox.clear_auto_stop_time();
  }
  absl::StatusOr<int64_t> last = events_.LastSequence(id);
  if (last.ok()) sandbox.set_last_event_sequence(*last);
}

absl::StatusOr<Sandbox> SandboxManager::FindExisting(
    const Caller& caller, const CreateSandboxRequest& request,
    const std::string& fingerprint) {
  ASSIGN_OR_RETURN(RequestRecord record,
                   store_->FindRequest(caller.owner, request.request_id()));
  if (record.request_fingerprint != fingerprint) {
    return absl::AlreadyExistsError(
        absl::StrCat("request_id: \"", request.request_id(),
                     "\" was already used for a different request (sandbox ",
                     record.sandbox_id, ")"));
  }
  ASSIGN_OR_RETURN(Sandbox existing, store_->GetSandbox(record.sandbox_id));
  Overlay(existing);
  if (creates_total_ != nullptr) creates_total_->Increment({"replayed"});
  return existing;
}

absl::StatusOr<Sandbox> SandboxManager::Create(
    const Caller& caller, const CreateSandboxRequest& request) {
  RETURN_IF_ERROR(ValidateCreate(request, options_.limits));
  absl::StatusOr<scaffold::Project> project =
      scaffold::Assemble(ToScaffoldRequest(request), options_.scaffold_limits);
  if (!project.ok()) return project.status();
  if (provider_ == nullptr) {
    return absl::FailedPreconditionError(
        "no sandbox provider is available: start sandboxd with "
        "--provider=local or --provider=daytona");
  }
  const std::string fingerprint = RequestFingerprint(request);
  if (!request.request_id().empty()) {
    absl::StatusOr<Sandbox> existing =
        FindExisting(caller, request, fingerprint);
    if (!absl::IsNotFound(existing.status())) return existing;
  }
  return Admit(caller, request, *project, fingerprint);
}

absl::StatusOr<OwnerUsage> SandboxManager::UsageOf(const std::string& owner) {
  ListQuery query;
  query.owner = owner;  // every status but DELETED
  query.page_size = 1;
  ASSIGN_OR_RETURN(ListPage all, store_->ListSandboxes(query));
  // Builds are counted from the records, not the queue: a record leaves
  // BUILDING before its worker lets go, and that is when the owner sees the
  // build end.
  query.statuses = {sandbox::v1::SANDBOX_STATUS_PENDING,
                    sandbox::v1::SANDBOX_STATUS_BUILDING};
  ASSIGN_OR_RETURN(ListPage building, store_->ListSandboxes(query));
  return OwnerUsage{.sandboxes = all.total, .builds = building.total};
}

absl::StatusOr<Sandbox> SandboxManager::Admit(
    const Caller& caller, const CreateSandboxRequest& request,
    const scaffold::Project& project, const std::string& fingerprint) {
  // Held until the build is queued: the owner's usage cannot change between
  // the count and the queueing but through other callers' deletes.
  OwnerQuotas::Admission admission = quotas_.Begin(caller);
  absl::Status refused;
  if (!admission.exempt()) {
    ASSIGN_OR_RETURN(OwnerUsage usage, UsageOf(caller.owner));
    refused = admission.Check(usage);
  }
  if (refused.ok() && queue_.queued() >= options_.max_queued_builds) {
    refused = ResourceExhaustedWithRetry(
        absl::StrCat("the build queue is full (", options_.max_queued_builds,
                     " builds waiting)"),
        BuildQueue::kFullRetryAfter);
  }
  if (!refused.ok()) {
    // A retry racing the call that created its sandbox gets that sandbox.
    if (!request.request_id().empty()) {
      absl::StatusOr<Sandbox> existing =
          FindExisting(caller, request, fingerprint);
      if (!absl::IsNotFound(existing.status())) return existing;
    }
    if (creates_total_ != nullptr) creates_total_->Increment({"refused"});
    return refused;
  }

  Sandbox sandbox = NewSandbox(caller, request, clock_->Now(),
                               std::string(provider_->name()), options_.limits);
  CreateSandboxRequest spec = request;
  spec.clear_wait_until_ready();
  absl::Status inserted =
      store_->InsertSandbox(sandbox, spec, request.request_id(), fingerprint);
  if (absl::IsAlreadyExists(inserted) && !request.request_id().empty()) {
    // A concurrent retry with the same key won the race: answer with its
    // sandbox.
    return FindExisting(caller, request, fingerprint);
  }
  RETURN_IF_ERROR(inserted);
  const bool warm =
      provider_->HasWarmFit(ProvisionSpecFor(sandbox, project), project);
  if (absl::Status queued = QueueBuild(sandbox, false, warm); !queued.ok()) {
    (void)store_->PurgeSandbox(sandbox.sandbox_id());
    events_.Forget(sandbox.sandbox_id());
    return queued;
  }
  admission.Commit();
  if (creates_total_ != nullptr) creates_total_->Increment({"accepted"});
  Overlay(sandbox);
  return sandbox;
}

absl::StatusOr<std::shared_ptr<SandboxManager::Active>> SandboxManager::TakeRun(
    const std::string& sandbox_id, const std::function<bool()>& may_wait,
    const absl::Status& busy) {
  auto active = std::make_shared<Active>();
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<Active> previous;
    {
      absl::MutexLock lock(&mu_);
      if (shutting_down_) {
        return absl::UnavailableError("sandboxd is shutting down");
      }
      auto it = active_.find(sandbox_id);
      if (it == active_.end()) {
        active_[sandbox_id] = active;
        return active;
      }
      previous = it->second;
    }
    if (attempt > 0 || !may_wait() ||
        !previous->done.WaitForNotificationWithTimeout(absl::Seconds(10))) {
      return busy;
    }
  }
}

absl::Status SandboxManager::QueueBuild(const Sandbox& sandbox, bool restart,
                                        bool warm) {
  const std::string& sandbox_id = sandbox.sandbox_id();
  // A wake-up can arrive while the previous run of the same sandbox is
  // returning (its record already says READY or STOPPED): wait for that run
  // to let go instead of dropping the new one.
  ASSIGN_OR_RETURN(std::shared_ptr<Active> active,
                   TakeRun(
                       sandbox_id, [] { return true; },
                       absl::UnavailableError(absl::StrCat(
                           "sandbox ", sandbox_id, " is still busy"))));
  auto release = [&] { FinishRun(sandbox_id, active); };
  events_.SetActive(sandbox_id, true);
  BuildQueue& queue = warm ? warm_queue_ : queue_;
  const int position = queue.NextPosition(sandbox.owner());
  if (absl::Status s =
          AppendQueued(sandbox_id, position,
                       absl::StrCat(restart ? "restart" : "build",
                                    warm ? " on a pre-started sandbox" : "",
                                    " queued at position ", position));
      !s.ok()) {
    release();
    return s;
  }
  const std::string owner = sandbox.owner();
  absl::StatusOr<int> queued = queue.Enqueue(
      sandbox_id, owner, [this, sandbox_id, owner, restart, warm] {
        if (warm) {
          RunWarm(sandbox_id, owner);
        } else {
          RunQueued(sandbox_id, restart);
        }
      });
  if (!queued.ok()) {
    release();
    return queued.status();
  }
  return absl::OkStatus();
}

absl::Status SandboxManager::AppendQueued(const std::string& sandbox_id,
                                          int position,
                                          const std::string& message) {
  BuildEvent event;
  event.set_phase(sandbox::v1::BUILD_PHASE_QUEUED);
  event.mutable_phase_change()->set_to(sandbox::v1::BUILD_PHASE_QUEUED);
  event.mutable_phase_change()->set_queue_position(position);
  event.mutable_phase_change()->set_message(message);
  return events_.Append(sandbox_id, std::move(event)).status();
}

std::shared_ptr<SandboxManager::Active> SandboxManager::ActiveRun(
    const std::string& sandbox_id) {
  absl::MutexLock lock(&mu_);
  auto it = active_.find(sandbox_id);
  return it == active_.end() ? nullptr : it->second;
}

void SandboxManager::FinishRun(const std::string& sandbox_id,
                               const std::shared_ptr<Active>& active) {
  {
    absl::MutexLock lock(&mu_);
    active_.erase(sandbox_id);
  }
  active->done.Notify();
}

void SandboxManager::CountAttempt(const std::string& sandbox_id, int delta) {
  (void)records_.Mutate(sandbox_id, [delta](Sandbox& s) {
    s.set_build_attempts(std::max(0, s.build_attempts() + delta));
    return absl::OkStatus();
  });
}

void SandboxManager::RunWarm(const std::string& sandbox_id,
                             const std::string& owner) {
  std::shared_ptr<Active> active = ActiveRun(sandbox_id);
  if (active == nullptr) return;
  CountAttempt(sandbox_id, +1);
  if (runner_.BuildWarm(sandbox_id, active->control) ==
      BuildRunner::WarmOutcome::kNeedsColdBuild) {
    // Back in the fair queue, as a build queued at Create would have been.
    // The attempt is not counted twice.
    CountAttempt(sandbox_id, -1);
    (void)records_.Mutate(sandbox_id, [](Sandbox& s) {
      s.set_phase(sandbox::v1::BUILD_PHASE_QUEUED);
      return absl::OkStatus();
    });
    // The event goes first: the queued build may start at once.
    const int position = queue_.NextPosition(owner);
    (void)AppendQueued(sandbox_id, position,
                       absl::StrCat("build queued at position ", position));
    absl::StatusOr<int> queued = queue_.Enqueue(
        sandbox_id, owner,
        [this, sandbox_id] { RunQueued(sandbox_id, /*restart=*/false); });
    if (queued.ok()) return;  // the run stays in active_ for RunQueued
    // Shutting down (the record stays BUILDING and the next start resumes
    // it) or the queue is full: build here rather than drop it.
    CountAttempt(sandbox_id, +1);
    runner_.Build(sandbox_id, active->control);
  }
  FinishRun(sandbox_id, active);
}

void SandboxManager::RunQueued(const std::string& sandbox_id, bool restart) {
  std::shared_ptr<Active> active = ActiveRun(sandbox_id);
  if (active == nullptr) return;
  if (!restart) {
    CountAttempt(sandbox_id, +1);
    runner_.Build(sandbox_id, active->control);
  } else {
    runner_.Restart(sandbox_id, active->control);
  }
  FinishRun(sandbox_id, active);
}

absl::StatusOr<Sandbox> SandboxManager::Get(const Caller& caller,
                                            const std::string& sandbox_id) {
  ASSIGN_OR_RETURN(Sandbox sandbox, Load(caller, sandbox_id));
  Touch(sandbox_id);
  if (sandbox.status() == sandbox::v1::SANDBOX_STATUS_STOPPED) {
    Wake(sandbox);
    ASSIGN_OR_RETURN(sandbox, Load(caller, sandbox_id));
  }
  Overlay(sandbox);
  return sandbox;
}

absl::StatusOr<Sandbox> SandboxManager::PreviewLookup(
    const std::string& sandbox_id) {
  return Get(Caller{.owner = "", .admin = true}, sandbox_id);
}

absl::StatusOr<Sandbox> SandboxManager::Peek(const Caller& caller,
                                             const std::string& sandbox_id) {
  ASSIGN_OR_RETURN(Sandbox sandbox, Load(caller, sandbox_id));
  Overlay(sandbox);
  return sandbox;
}

void SandboxManager::Wake(const Sandbox& sandbox) {
  if (provider_ == nullptr) return;
  absl::StatusOr<Sandbox> woken =
      records_.Mutate(sandbox.sandbox_id(), [](Sandbox& s) -> absl::Status {
        if (s.status() != sandbox::v1::SANDBOX_STATUS_STOPPED) {
          return absl::AbortedError("not stopped");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_BUILDING);
        s.set_phase(sandbox::v1::BUILD_PHASE_STARTING);
        s.set_stop_reason(sandbox::v1::STOP_REASON_UNSPECIFIED);
        return absl::OkStatus();
      });
  if (!woken.ok()) return;
  // If this fails, sandboxd is shutting down: the record stays BUILDING in
  // phase STARTING and the next start's reconciler resumes the restart.
  (void)QueueBuild(sandbox, true);
}

absl::Status SandboxManager::CheckVisible(const Caller& caller,
                                          const std::string& sandbox_id) {
  absl::StatusOr<Sandbox> sandbox = Load(caller, sandbox_id);
  if (!sandbox.ok()) return sandbox.status();
  Touch(sandbox_id);
  return absl::OkStatus();
}

void SandboxManager::Touch(const std::string& sandbox_id) {
  absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  absl::Time& last = activity_[sandbox_id];
  last = std::max(last, now);
}

absl::StatusOr<std::string> SandboxManager::Delete(
    const Caller& caller, const std::string& sandbox_id) {
  ASSIGN_OR_RETURN(Sandbox sandbox, Load(caller, sandbox_id));
  if (sandbox.status() == sandbox::v1::SANDBOX_STATUS_DELETED) {
    return std::string("already deleted");
  }
  absl::StatusOr<Sandbox> marked =
      records_.Mutate(sandbox_id, [](Sandbox& s) -> absl::Status {
        if (s.status() == sandbox::v1::SANDBOX_STATUS_DELETED) {
          return absl::AlreadyExistsError("already deleted");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_DELETING);
        return absl::OkStatus();
      });
  if (absl::IsAlreadyExists(marked.status())) {
    return std::string("already deleted");
  }
  if (!marked.ok()) return marked.status();
  return Teardown(sandbox_id, options_.delete_wait)
             ? std::string("deleted")
             : std::string("deletion in progress");
}

absl::StatusOr<sandbox::v1::ListSandboxesResponse> SandboxManager::List(
    const Caller& caller, const sandbox::v1::ListSandboxesRequest& request) {
  ASSIGN_OR_RETURN(ListFilter filter, ValidateList(request, options_.limits));
  ListQuery query;
  query.owner = caller.admin ? "" : caller.owner;
  query.statuses = std::move(filter.statuses);
  query.labels = std::move(filter.labels);
  query.page_size = filter.page_size;
  query.page_token = request.page_token();
  ASSIGN_OR_RETURN(ListPage page, store_->ListSandboxes(query));
  sandbox::v1::ListSandboxesResponse response;
  response.set_success(true);
  for (Sandbox& sandbox : page.sandboxes) {
    Overlay(sandbox);
    *response.add_sandboxes() = std::move(sandbox);
  }
  response.set_count(static_cast<int32_t>(page.total));
  response.set_next_page_token(page.next_page_token);
  return response;
}

void SandboxManager::RecordFinished(const std::string& sandbox_id,
                                    SandboxStatus status,
                                    const sandbox::v1::SandboxError* error) {
  BuildEvent event;
  absl::StatusOr<Sandbox> current = store_->GetSandbox(sandbox_id);
  event.set_phase(current.ok() ? current->phase()
                               : sandbox::v1::BUILD_PHASE_UNSPECIFIED);
  event.mutable_finished()->set_status(status);
  if (error != nullptr) *event.mutable_finished()->mutable_error() = *error;
  (void)events_.Append(sandbox_id, std::move(event));
  events_.SetActive(sandbox_id, false);
}

}  // namespace sandboxd

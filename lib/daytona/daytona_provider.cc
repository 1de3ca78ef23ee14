// DaytonaProvider: provisioning and the sandbox lifecycle (stop, start,
// destroy, list). Toolbox work lives in daytona_commands.cc.
#include "lib/daytona/daytona_provider.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/daytona/curl_http_transport.h"

namespace sandboxd::daytona {
namespace {

bool IsFailed(const std::string& state) {
  return state == "error" || state == "build_failed";
}

bool IsStoppedState(const std::string& state) {
  return state == "stopped" || state == "archived" || state == "paused";
}

// States Daytona leaves on its own; "" and "unknown" are treated alike.
bool IsTransitional(const std::string& state) {
  static constexpr std::string_view kTransitional[] = {"",
                                                       "unknown",
                                                       "creating",
                                                       "restoring",
                                                       "destroying",
                                                       "starting",
                                                       "stopping",
                                                       "pending_build",
                                                       "building_snapshot",
                                                       "pulling_snapshot",
                                                       "archiving",
                                                       "resizing",
                                                       "snapshotting",
                                                       "forking",
                                                       "pausing",
                                                       "resuming"};
  return std::find(std::begin(kTransitional), std::end(kTransitional), state) !=
         std::end(kTransitional);
}

ProviderSandbox::State ToProviderState(const std::string& state) {
  if (state == "started") return ProviderSandbox::State::kRunning;
  if (IsStoppedState(state)) return ProviderSandbox::State::kStopped;
  if (IsFailed(state)) return ProviderSandbox::State::kError;
  if (state.empty() || state == "unknown") {
    return ProviderSandbox::State::kUnknown;
  }
  return ProviderSandbox::State::kTransitioning;
}

std::map<std::string, std::string> IdentityLabels(std::string_view id) {
  return {{kManagedByLabel, kManagedByValue},
          {kSandboxIdLabel, std::string(id)}};
}

// Daytona counts idle time in whole minutes; 0 would disable auto-stop.
int AutoStopMinutes(absl::Duration idle_timeout) {
  if (idle_timeout == absl::InfiniteDuration()) return 0;
  if (idle_timeout <= absl::ZeroDuration()) return 60;
  return std::max<int>(
      1, static_cast<int>(std::ceil(absl::ToDoubleMinutes(idle_timeout))));
}

}  // namespace

DaytonaProvider::DaytonaProvider(DaytonaOptions options,
                                 std::shared_ptr<HttpTransport> transport,
                                 std::shared_ptr<Sleeper> sleeper,
                                 std::shared_ptr<const Clock> clock,
                                 std::optional<uint64_t> jitter_seed)
    : options_(std::move(options)),
      clock_(clock),
      retrier_(std::make_shared<Retrier>(options_.retry, std::move(sleeper),
                                         std::move(clock), jitter_seed)),
      client_(options_, std::move(transport), retrier_) {}

absl::Duration DaytonaProvider::NextPoll(absl::Duration delay) const {
  return std::min(options_.poll_max, delay * options_.poll_multiplier);
}

CreateSandboxBody DaytonaProvider::CreateBody(const ProvisionSpec& spec) const {
  CreateSandboxBody body;
  if (options_.name_sandboxes) body.name = spec.sandbox_id;
  if (!options_.image.empty()) {
    body.dockerfile_content = absl::StrCat("FROM ", options_.image, "\n");
    body.cpu = options_.cpu;
    body.memory_gib = options_.memory_gib;
    body.disk_gib = options_.disk_gib;
  } else {
    body.snapshot = options_.snapshot;
  }
  body.target = options_.target;
  body.labels = spec.labels;
  body.labels["owner"] = spec.owner;
  body.labels["project"] = spec.project_name;
  for (auto& [key, value] : IdentityLabels(spec.sandbox_id)) {
    body.labels[key] = value;
  }
  body.env = spec.environment;
  body.is_public = options_.public_previews;
  body.auto_stop_interval_minutes = AutoStopMinutes(spec.idle_timeout);
  return body;
}

absl::Status DaytonaProvider::Provision(const ProvisionSpec& spec,
                                        const CallContext& ctx) {
  const std::string op = absl::StrCat("provision sandbox ", spec.sandbox_id);
  const auto identity = IdentityLabels(spec.sandbox_id);
  // Provision is idempotent per sandboxd id: reuse what a previous attempt
  // (maybe in an earlier process) created.
  ASSIGN_OR_RETURN(std::optional<SandboxDto> found,
                   client_.FindByLabels(identity, ctx));
  SandboxDto dto;
  if (found.has_value()) {
    dto = *std::move(found);
  } else {
    ASSIGN_OR_RETURN(dto,
                     client_.CreateSandbox(CreateBody(spec), identity, ctx));
  }
  if (IsStoppedState(dto.state)) {
    RETURN_IF_ERROR(client_.StartSandbox(dto.id, ctx));
    ASSIGN_OR_RETURN(dto, client_.GetSandbox(dto.id, ctx));
  }
  // Create may reply before the sandbox runs (the API stops waiting after
  // 30 s, image builds reply at once): always poll.
  ASSIGN_OR_RETURN(dto, WaitForState(std::move(dto), "started", op, ctx));
  return Remember(spec.sandbox_id, dto, ctx).status();
}

static absl::Duration StateTimeoutFor(const DaytonaOptions& o,
                                      const std::string& state) {
  if (state == "creating" || state == "pulling_snapshot" ||
      state == "restoring") {
    return o.create_state_timeout;
  }
  if (state == "pending_build" || state == "building_snapshot") {
    return o.build_state_timeout;
  }
  if (state == "stopping" || state == "archiving" || state == "pausing") {
    return o.stop_state_timeout;
  }
  if (state == "destroying") return o.destroy_state_timeout;
  return o.start_state_timeout;
}

absl::StatusOr<SandboxDto> DaytonaProvider::WaitForState(
    SandboxDto current, std::string_view target, std::string_view operation,
    const CallContext& ctx) {
  const std::string op(operation);
  absl::Duration delay = options_.poll_initial;
  std::string state = current.state;
  absl::Time since = clock_->Now();
  for (;;) {
    if (current.state == target) return current;
    if (IsFailed(current.state)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "daytona: ", op, ": sandbox ", current.id, " is in state ",
          current.state, current.error_reason.empty() ? "" : ": ",
          current.error_reason));
    }
    if (current.state == "destroyed") {
      return absl::NotFoundError(absl::StrCat("daytona: ", op, ": sandbox ",
                                              current.id, " was destroyed"));
    }
    if (!IsTransitional(current.state)) {
      return absl::FailedPreconditionError(
          absl::StrCat("daytona: ", op, ": sandbox ", current.id, " is ",
                       current.state, ", expected ", std::string(target)));
    }
    if (current.state != state) {
      state = current.state;
      since = clock_->Now();
    }
    const absl::Time state_deadline = since + StateTimeoutFor(options_, state);
    if (clock_->Now() >= state_deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "daytona: ", op, ": sandbox ", current.id, " stuck in state '", state,
          "' for ", absl::FormatDuration(clock_->Now() - since)));
    }
    absl::Status waited =
        retrier_->Wait(std::min(delay, state_deadline - clock_->Now()), ctx);
    if (!waited.ok()) {
      return absl::Status(
          waited.code(),
          absl::StrCat("daytona: ", op, ": sandbox ", current.id,
                       " still in state '", state, "': ", waited.message()));
    }
    delay = NextPoll(delay);
    ASSIGN_OR_RETURN(current, client_.GetSandbox(current.id, ctx));
  }
}

absl::StatusOr<DaytonaProvider::SandboxRef> DaytonaProvider::Remember(
    std::string_view sandbox_id, const SandboxDto& dto,
    const CallContext& ctx) {
  std::string toolbox_url = dto.toolbox_proxy_url;
  if (toolbox_url.empty()) {
    ASSIGN_OR_RETURN(toolbox_url, client_.GetToolboxProxyUrl(dto.id, ctx));
  }
  absl::MutexLock lock(&mu_);
  SandboxRef& ref = refs_[std::string(sandbox_id)];
  if (ref.daytona_id != dto.id) {
    ref = SandboxRef();
    ref.daytona_id = dto.id;
    ref.port = options_.default_port;
  }
  ref.toolbox = DaytonaClient::ToolboxBase(toolbox_url, dto.id);
  return ref;
}

absl::StatusOr<DaytonaProvider::SandboxRef> DaytonaProvider::Lookup(
    std::string_view sandbox_id, const CallContext& ctx) {
  {
    absl::MutexLock lock(&mu_);
    auto it = refs_.find(std::string(sandbox_id));
    if (it != refs_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(std::optional<SandboxDto> found,
                   client_.FindByLabels(IdentityLabels(sandbox_id), ctx));
  if (!found.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "daytona: sandbox ", std::string(sandbox_id), " not found"));
  }
  return Remember(sandbox_id, *found, ctx);
}

void DaytonaProvider::Forget(std::string_view sandbox_id) {
  absl::MutexLock lock(&mu_);
  refs_.erase(std::string(sandbox_id));
}

void DaytonaProvider::ForgetRuntime(std::string_view sandbox_id) {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(std::string(sandbox_id));
  if (it == refs_.end()) return;
  it->second.preview.reset();
  it->second.app_session.clear();
  it->second.app_cmd.clear();
}

absl::Status DaytonaProvider::Stop(std::string_view sandbox_id,
                                   const CallContext& ctx) {
  const std::string op = absl::StrCat("stop sandbox ", std::string(sandbox_id));
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  // The preview token changes whenever the sandbox restarts.
  ForgetRuntime(sandbox_id);
  ASSIGN_OR_RETURN(SandboxDto dto, client_.GetSandbox(ref.daytona_id, ctx));
  if (IsStoppedState(dto.state)) return absl::OkStatus();
  if (dto.state != "stopping") {
    RETURN_IF_ERROR(client_.StopSandbox(ref.daytona_id, ctx));
    ASSIGN_OR_RETURN(dto, client_.GetSandbox(ref.daytona_id, ctx));
  }
  return WaitForState(std::move(dto), "stopped", op, ctx).status();
}

absl::Status DaytonaProvider::Start(std::string_view sandbox_id,
                                    const CallContext& ctx) {
  const std::string op =
      absl::StrCat("start sandbox ", std::string(sandbox_id));
  ASSIGN_OR_RETURN(SandboxRef ref, Lookup(sandbox_id, ctx));
  ForgetRuntime(sandbox_id);
  ASSIGN_OR_RETURN(SandboxDto dto, client_.GetSandbox(ref.daytona_id, ctx));
  if (dto.state == "started") return absl::OkStatus();
  if (dto.state == "stopping") {
    ASSIGN_OR_RETURN(dto, WaitForState(std::move(dto), "stopped", op, ctx));
  }
  if (!IsTransitional(dto.state)) {
    RETURN_IF_ERROR(client_.StartSandbox(ref.daytona_id, ctx));
    ASSIGN_OR_RETURN(dto, client_.GetSandbox(ref.daytona_id, ctx));
  }
  return WaitForState(std::move(dto), "started", op, ctx).status();
}

absl::Status DaytonaProvider::WaitGone(const std::string& daytona_id,
                                       const CallContext& ctx, bool& gone) {
  const absl::Time give_up = clock_->Now() + options_.destroy_state_timeout;
  absl::Duration delay = options_.poll_initial;
  for (;;) {
    absl::StatusOr<SandboxDto> dto = client_.GetSandbox(daytona_id, ctx);
    if (absl::IsNotFound(dto.status())) {
      gone = true;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(dto.status());
    gone = dto->state == "destroyed";
    if (gone || dto->state != "destroying") return absl::OkStatus();
    if (clock_->Now() >= give_up) {
      return absl::DeadlineExceededError(
          absl::StrCat("daytona: destroy sandbox: ", daytona_id,
                       " stuck in state 'destroying'"));
    }
    RETURN_IF_ERROR(retrier_->Wait(delay, ctx));
    delay = NextPoll(delay);
  }
}

absl::Status DaytonaProvider::Destroy(std::string_view sandbox_id,
                                      const CallContext& ctx) {
  absl::StatusOr<SandboxRef> ref = Lookup(sandbox_id, ctx);
  if (absl::IsNotFound(ref.status())) return absl::OkStatus();
  RETURN_IF_ERROR(ref.status());
  Forget(sandbox_id);
  absl::Duration delay = options_.poll_initial;
  for (;;) {
    absl::Status deleted = client_.DeleteSandbox(ref->daytona_id, ctx);
    if (absl::IsNotFound(deleted)) return absl::OkStatus();
    if (deleted.ok()) {
      bool gone = false;
      RETURN_IF_ERROR(WaitGone(ref->daytona_id, ctx, gone));
      if (gone) return absl::OkStatus();
    } else if (!absl::IsFailedPrecondition(deleted) &&
               !absl::IsAborted(deleted)) {
      return deleted;
    }
    // A sandbox in `starting` (or mid-transition) refuses deletion with 400
    // "not in a valid state to be destroyed" (Daytona issue #2236) or 409:
    // it will leave that state, so keep asking until the deadline.
    absl::Status waited = retrier_->Wait(delay, ctx);
    if (!waited.ok()) {
      return absl::Status(
          waited.code(),
          absl::StrCat(
              "daytona: destroy sandbox ", std::string(sandbox_id), ": ",
              waited.message(), "; last error: ",
              deleted.ok() ? "sandbox still present" : deleted.message()));
    }
    delay = NextPoll(delay);
  }
}

absl::StatusOr<std::vector<ProviderSandbox>> DaytonaProvider::List(
    const CallContext& ctx) {
  const std::map<std::string, std::string> labels = {
      {kManagedByLabel, kManagedByValue}};
  std::vector<ProviderSandbox> out;
  std::set<std::string> seen_cursors;
  std::optional<std::string> cursor;
  do {
    ASSIGN_OR_RETURN(SandboxPage page,
                     client_.ListSandboxes(labels, cursor, ctx));
    for (const SandboxDto& dto : page.items) {
      auto id = dto.labels.find(kSandboxIdLabel);
      if (id == dto.labels.end() || dto.state == "destroyed") continue;
      // Pooled sandboxes are the provider's own until a Create takes one.
      if (dto.labels.contains(kWarmPoolLabel)) continue;
      out.push_back(ProviderSandbox{
          id->second, dto.id, ToProviderState(dto.state), dto.error_reason});
    }
    cursor = std::move(page.next_cursor);
    if (cursor.has_value() && !seen_cursors.insert(*cursor).second) {
      return absl::InternalError(absl::StrCat(
          "daytona: list sandboxes: cursor ", *cursor, " repeated"));
    }
  } while (cursor.has_value());
  return out;
}

absl::StatusOr<std::unique_ptr<Provider>> MakeDaytonaProvider(
    DaytonaOptions options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  auto provider = std::make_unique<DaytonaProvider>(
      std::move(options), MakeCurlHttpTransport(), MakeRealSleeper(),
      MakeSystemClock());
  provider->StartWarmPool();
  return provider;
}

absl::StatusOr<std::unique_ptr<Provider>> MakeDaytonaProviderFromEnv(
    DaytonaOptions defaults) {
  ASSIGN_OR_RETURN(DaytonaOptions options,
                   DaytonaOptionsFromEnv(
                       [](const char* name) -> std::optional<std::string> {
                         const char* value = std::getenv(name);
                         if (value == nullptr) return std::nullopt;
                         return std::string(value);
                       },
                       std::move(defaults)));
  return MakeDaytonaProvider(std::move(options));
}

}  // namespace sandboxd::daytona

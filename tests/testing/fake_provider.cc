#include "tests/testing/fake_provider.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace sandboxd::testing {

FakeProvider::FakeProvider() {
  // Like providers without a pool, so tests that do not script it build
  // cold.
  defaults_[Call::kClaimWarm] =
      Step{.result = absl::NotFoundError("the fake has no warm pool")};
  defaults_[Call::kAddDependencies] =
      Step{.result = absl::UnimplementedError("the fake cannot add packages")};
}

void FakeProvider::Record(CallRecord record) {
  absl::MutexLock lock(&mu_);
  records_.push_back(std::move(record));
}

std::vector<FakeProvider::CallRecord> FakeProvider::Calls(
    const std::string& sandbox_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<CallRecord> out;
  for (const CallRecord& r : records_) {
    if (r.sandbox_id == sandbox_id) out.push_back(r);
  }
  return out;
}

std::vector<FakeProvider::Call> FakeProvider::CallSequence(
    const std::string& sandbox_id) const {
  std::vector<Call> out;
  for (const CallRecord& r : Calls(sandbox_id)) out.push_back(r.call);
  return out;
}

void FakeProvider::PersistTo(const std::string& path) {
  absl::MutexLock lock(&mu_);
  state_path_ = path;
  std::ifstream in(path);
  std::string id;
  int running = 0;
  while (in >> id >> running) boxes_[id].running = running != 0;
}

void FakeProvider::SaveLocked() {
  if (state_path_.empty()) return;
  std::string tmp = state_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [id, box] : boxes_)
      out << id << " " << box.running << "\n";
  }
  std::rename(tmp.c_str(), state_path_.c_str());
}

void FakeProvider::SetDefault(Call call, Step step) {
  absl::MutexLock lock(&mu_);
  defaults_[call] = std::move(step);
}

void FakeProvider::Once(Call call, Step step) {
  absl::MutexLock lock(&mu_);
  once_[call].push_back(std::move(step));
}

void FakeProvider::Hold(Call call) {
  absl::MutexLock lock(&mu_);
  held_[call] = true;
}

void FakeProvider::Release(Call call) {
  absl::MutexLock lock(&mu_);
  held_[call] = false;
}

void FakeProvider::AwaitHeld(Call call, int count) {
  absl::MutexLock lock(&mu_);
  auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiting_[call] >= count;
  };
  mu_.Await(absl::Condition(&enough));
}

bool FakeProvider::AwaitHeldFor(Call call, int count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiting_[call] >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

int FakeProvider::CallCount(Call call) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(call);
  return it == counts_.end() ? 0 : it->second;
}

bool FakeProvider::Exists(const std::string& sandbox_id) const {
  absl::MutexLock lock(&mu_);
  return boxes_.contains(sandbox_id);
}

bool FakeProvider::Running(const std::string& sandbox_id) const {
  absl::MutexLock lock(&mu_);
  auto it = boxes_.find(sandbox_id);
  return it != boxes_.end() && it->second.running;
}

void FakeProvider::AddOrphan(const std::string& sandbox_id) {
  absl::MutexLock lock(&mu_);
  boxes_[sandbox_id].running = true;
}

void FakeProvider::Lose(const std::string& sandbox_id) {
  absl::MutexLock lock(&mu_);
  boxes_.erase(sandbox_id);
}

std::map<std::string, std::string> FakeProvider::UploadedFiles(
    const std::string& sandbox_id) const {
  absl::MutexLock lock(&mu_);
  auto it = boxes_.find(sandbox_id);
  return it == boxes_.end() ? std::map<std::string, std::string>()
                            : it->second.files;
}

absl::StatusOr<FakeProvider::Step> FakeProvider::Enter(Call call,
                                                       const CallContext& ctx) {
  Step step;
  {
    absl::MutexLock lock(&mu_);
    ++counts_[call];
    ++waiting_[call];
    // Wait at the gate, waking every 10 ms to notice cancellation.
    while (held_[call] && !ctx.Done()) {
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](bool* held) { return !*held; }, &held_[call]),
          absl::Milliseconds(10));
    }
    --waiting_[call];
    if (ctx.cancelled()) return absl::CancelledError("cancelled");
    if (ctx.Done()) return absl::DeadlineExceededError("deadline exceeded");
    auto& queue = once_[call];
    if (!queue.empty()) {
      step = std::move(queue.front());
      queue.pop_front();
    } else if (auto it = defaults_.find(call); it != defaults_.end()) {
      step = it->second;
    }
  }
  if (step.delay > absl::ZeroDuration() && !ctx.SleepFor(step.delay)) {
    if (ctx.cancelled()) return absl::CancelledError("cancelled");
    return absl::DeadlineExceededError("deadline exceeded");
  }
  return step;
}

void FakeProvider::Emit(const Step& step, const OutputSink& sink) {
  for (const auto& [stream, line] : step.output) sink(stream, line);
}

absl::Status FakeProvider::Provision(const ProvisionSpec& spec,
                                     const CallContext& ctx) {
  Record({.call = Call::kProvision,
          .sandbox_id = spec.sandbox_id,
          .dependency_fingerprint = spec.dependency_fingerprint});
  absl::StatusOr<Step> step = Enter(Call::kProvision, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  boxes_[spec.sandbox_id];
  SaveLocked();
  return absl::OkStatus();
}

absl::Status FakeProvider::Upload(
    std::string_view sandbox_id,
    const std::map<std::string, std::string>& files, const CallContext& ctx) {
  Record({.call = Call::kUpload,
          .sandbox_id = std::string(sandbox_id),
          .files = files});
  absl::StatusOr<Step> step = Enter(Call::kUpload, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  auto it = boxes_.find(std::string(sandbox_id));
  if (it == boxes_.end()) return absl::NotFoundError("no such sandbox");
  it->second.files = files;
  return absl::OkStatus();
}

absl::Status FakeProvider::InstallDependencies(std::string_view sandbox_id,
                                               const scaffold::BuildPlan& plan,
                                               const OutputSink& sink,
                                               const CallContext& ctx) {
  Record({.call = Call::kInstall,
          .sandbox_id = std::string(sandbox_id),
          .generation_token = plan.generation_token,
          .dependency_fingerprint = plan.dependency_fingerprint});
  absl::StatusOr<Step> step = Enter(Call::kInstall, ctx);
  if (!step.ok()) return step.status();
  Emit(*step, sink);
  return step->result;
}

absl::StatusOr<int> FakeProvider::RunCommand(
    std::string_view sandbox_id, const std::string& command,
    const std::map<std::string, std::string>& environment,
    const OutputSink& sink, const CallContext& ctx) {
  absl::StatusOr<Step> step = Enter(Call::kRun, ctx);
  if (!step.ok()) return step.status();
  Emit(*step, sink);
  if (!step->result.ok()) return step->result;
  return step->exit_code;
}

absl::Status FakeProvider::StartApp(std::string_view sandbox_id,
                                    const scaffold::BuildPlan& plan,
                                    const OutputSink& sink,
                                    const CallContext& ctx) {
  Record({.call = Call::kStartApp,
          .sandbox_id = std::string(sandbox_id),
          .generation_token = plan.generation_token,
          .dependency_fingerprint = plan.dependency_fingerprint});
  absl::StatusOr<Step> step = Enter(Call::kStartApp, ctx);
  if (!step.ok()) return step.status();
  Emit(*step, sink);
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  auto it = boxes_.find(std::string(sandbox_id));
  if (it == boxes_.end()) return absl::NotFoundError("no such sandbox");
  it->second.running = true;
  SaveLocked();
  return absl::OkStatus();
}

absl::StatusOr<PreviewEndpoint> FakeProvider::ResolvePreview(
    std::string_view sandbox_id, const CallContext& ctx) {
  absl::StatusOr<Step> step = Enter(Call::kResolvePreview, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  return PreviewEndpoint{
      absl::StrCat("http://", std::string(sandbox_id), ".preview.test/")};
}

absl::Status FakeProvider::Stop(std::string_view sandbox_id,
                                const CallContext& ctx) {
  Record({.call = Call::kStop, .sandbox_id = std::string(sandbox_id)});
  absl::StatusOr<Step> step = Enter(Call::kStop, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  auto it = boxes_.find(std::string(sandbox_id));
  if (it == boxes_.end()) return absl::NotFoundError("no such sandbox");
  it->second.running = false;
  SaveLocked();
  return absl::OkStatus();
}

absl::Status FakeProvider::Start(std::string_view sandbox_id,
                                 const CallContext& ctx) {
  Record({.call = Call::kStart, .sandbox_id = std::string(sandbox_id)});
  absl::StatusOr<Step> step = Enter(Call::kStart, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  if (!boxes_.contains(std::string(sandbox_id))) {
    return absl::NotFoundError("no such sandbox");
  }
  return absl::OkStatus();
}

absl::Status FakeProvider::Destroy(std::string_view sandbox_id,
                                   const CallContext& ctx) {
  Record({.call = Call::kDestroy, .sandbox_id = std::string(sandbox_id)});
  absl::StatusOr<Step> step = Enter(Call::kDestroy, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  boxes_.erase(std::string(sandbox_id));
  SaveLocked();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProviderSandbox>> FakeProvider::List(
    const CallContext& ctx) {
  absl::StatusOr<Step> step = Enter(Call::kList, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  std::vector<ProviderSandbox> out;
  for (const auto& [id, box] : boxes_) {
    out.push_back(
        ProviderSandbox{.sandbox_id = id,
                        .provider_ref = absl::StrCat("fake-", id),
                        .state = box.running ? ProviderSandbox::State::kRunning
                                             : ProviderSandbox::State::kStopped,
                        .detail = ""});
  }
  return out;
}

absl::Status FakeProvider::AddDependencies(std::string_view sandbox_id,
                                           const scaffold::Project& project,
                                           const OutputSink& sink,
                                           const CallContext& ctx) {
  Record({.call = Call::kAddDependencies,
          .sandbox_id = std::string(sandbox_id),
          .dependency_fingerprint = project.plan.dependency_fingerprint});
  absl::StatusOr<Step> step = Enter(Call::kAddDependencies, ctx);
  if (!step.ok()) return step.status();
  Emit(*step, sink);
  return step->result;
}

bool FakeProvider::HasWarmFit(const ProvisionSpec& spec,
                              const scaffold::Project& project) {
  absl::MutexLock lock(&mu_);
  return warm_fit_ && spec.mode == scaffold::Mode::kDev;
}

void FakeProvider::SetWarmFit(bool fits) {
  absl::MutexLock lock(&mu_);
  warm_fit_ = fits;
}

absl::Status FakeProvider::ClaimWarm(const ProvisionSpec& spec,
                                     const scaffold::Project& project,
                                     const OutputSink& sink,
                                     const CallContext& ctx) {
  Record({.call = Call::kClaimWarm,
          .sandbox_id = spec.sandbox_id,
          .generation_token = project.plan.generation_token,
          .dependency_fingerprint = spec.dependency_fingerprint,
          .files = project.files});
  absl::StatusOr<Step> step = Enter(Call::kClaimWarm, ctx);
  if (!step.ok()) return step.status();
  if (!step->result.ok()) return step->result;
  absl::MutexLock lock(&mu_);
  Box& box = boxes_[spec.sandbox_id];
  box.running = true;
  box.files = project.files;
  SaveLocked();
  return absl::OkStatus();
}

}  // namespace sandboxd::testing

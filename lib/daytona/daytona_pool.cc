// DaytonaProvider: the warm pool of pre-started DEV sandboxes.
#include <unistd.h>

#include <iostream>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"
#include "lib/daytona/daytona_provider.h"
#include "lib/scaffold/build_plan.h"
#include "lib/scaffold/warm_template.h"

namespace sandboxd::daytona {
namespace {

// The value of kWarmPoolLabel: this host's name, so that a sandboxd start
// sweeps only its own host's leftovers, never another instance's live pool
// in the same Daytona organization.
std::string PoolOwner() {
  static const std::string* const owner = [] {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
      return new std::string("sandboxd");
    }
    return new std::string(name);
  }();
  return *owner;
}

std::string NewWarmId() {
  std::random_device random;
  const uint64_t bits = (uint64_t{random()} << 32) | random();
  return absl::StrFormat("%s%016x", kWarmPrefix, bits);
}

// npm adds the packages a claimed sandbox lacks, with the scaffold's own
// install flags (no scripts run).
std::string AddPackagesCommand(
    const std::map<std::string, std::string>& additions) {
  std::string command = scaffold::kInstallCommand;
  for (const auto& [name, spec] : additions) {
    absl::StrAppend(&command, " '", name, "@", spec, "'");
  }
  return command;
}

}  // namespace

DaytonaProvider::~DaytonaProvider() {
  pool_stop_->Cancel();
  if (!filler_.joinable()) return;
  filler_.join();
  // Pooled sandboxes are running cloud sandboxes: they go with the process
  // (best effort; the next start deletes what is left).
  std::vector<std::string> daytona_ids;
  {
    absl::MutexLock pool_lock(&pool_mu_);
    absl::MutexLock lock(&mu_);
    for (const WarmSlot& slot : warm_) {
      auto it = refs_.find(slot.id);
      if (it != refs_.end()) daytona_ids.push_back(it->second.daytona_id);
    }
    warm_.clear();
  }
  const CallContext ctx(absl::Now() + absl::Seconds(30));
  for (const std::string& id : daytona_ids) {
    absl::Status deleted = client_.DeleteSandbox(id, ctx);
    std::cerr << "sandboxd daytona: warm pool: deleting pooled sandbox " << id
              << ": " << (deleted.ok() ? "ok" : deleted.ToString())
              << std::endl;
  }
}

void DaytonaProvider::StartWarmPool() {
  if (options_.warm_pool_size <= 0 || filler_.joinable()) return;
  filler_ = std::thread([this] { FillLoop(); });
}

void DaytonaProvider::RemoveLeftoverSlots(const CallContext& ctx) {
  const std::map<std::string, std::string> labels = {
      {kManagedByLabel, kManagedByValue}, {kWarmPoolLabel, PoolOwner()}};
  absl::StatusOr<SandboxPage> page = client_.ListSandboxes(labels, {}, ctx);
  if (!page.ok()) {
    std::cerr << "sandboxd daytona: warm pool: listing leftover pooled "
                 "sandboxes: "
              << page.status() << std::endl;
    return;
  }
  for (const SandboxDto& dto : page->items) {
    if (dto.state == "destroyed") continue;
    absl::Status deleted = client_.DeleteSandbox(dto.id, ctx);
    std::cerr << "sandboxd daytona: warm pool: deleting leftover pooled "
                 "sandbox "
              << dto.id << ": " << (deleted.ok() ? "ok" : deleted.ToString())
              << std::endl;
  }
}

void DaytonaProvider::FillLoop() {
  RemoveLeftoverSlots(CallContext(absl::Now() + absl::Minutes(2), pool_stop_));
  while (!pool_stop_->IsCancelled()) {
    for (scaffold::TailwindMajor tailwind :
         {scaffold::TailwindMajor::kV4, scaffold::TailwindMajor::kV3}) {
      size_t have = 0;
      {
        absl::MutexLock lock(&pool_mu_);
        for (const WarmSlot& slot : warm_) have += slot.tailwind == tailwind;
      }
      if (have >= static_cast<size_t>(options_.warm_pool_size)) continue;
      const absl::Time start = absl::Now();
      absl::Status filled = FillWarmSlot(
          tailwind,
          CallContext(absl::Now() + options_.warm_fill_timeout, pool_stop_));
      if (pool_stop_->IsCancelled()) return;
      if (filled.ok()) {
        std::cerr << "sandboxd daytona: warm pool: slot ready (tailwind="
                  << scaffold::MajorNumber(tailwind) << ") in "
                  << absl::FormatDuration(absl::Now() - start) << std::endl;
      } else {
        std::cerr << "sandboxd daytona: warm pool: fill failed (tailwind="
                  << scaffold::MajorNumber(tailwind) << "): " << filled
                  << "; retrying in "
                  << absl::FormatDuration(options_.warm_fill_backoff)
                  << std::endl;
        pool_stop_->WaitUntil(absl::Now() + options_.warm_fill_backoff);
      }
    }
    // Refills cost Daytona's compute, not this host's: nothing to yield to
    // here but the next check.
    pool_stop_->WaitUntil(absl::Now() + absl::Seconds(1));
  }
}

absl::Status DaytonaProvider::FillWarmSlot(scaffold::TailwindMajor tailwind,
                                           const CallContext& ctx) {
  const std::string id = NewWarmId();
  ASSIGN_OR_RETURN(scaffold::Project project,
                   scaffold::WarmTemplate(tailwind, absl::StrCat(id, ".warm")));
  ProvisionSpec spec;
  spec.sandbox_id = id;
  spec.owner = "sandboxd-pool";
  spec.project_name = "warm-pool";
  spec.labels[kWarmPoolLabel] = PoolOwner();
  spec.environment = project.plan.environment;
  spec.mode = scaffold::Mode::kDev;
  // No auto-stop while pooled; once claimed, sandboxd's idle reaper stops it.
  spec.idle_timeout = absl::InfiniteDuration();
  spec.dependency_fingerprint = project.plan.dependency_fingerprint;
  absl::Status made = [&]() -> absl::Status {
    RETURN_IF_ERROR(Provision(spec, ctx));
    RETURN_IF_ERROR(Upload(id, project.files, ctx));
    RETURN_IF_ERROR(InstallDependencies(id, project.plan, nullptr, ctx));
    return StartApp(id, project.plan, nullptr, ctx);
  }();
  if (!made.ok()) {
    (void)Destroy(id, CallContext(absl::Now() + absl::Minutes(5)));
    return made;
  }
  absl::MutexLock lock(&pool_mu_);
  warm_.push_back(WarmSlot{id, std::move(project), tailwind});
  return absl::OkStatus();
}

bool DaytonaProvider::HasWarmFit(const ProvisionSpec& spec,
                                 const scaffold::Project& project) {
  if (spec.mode != scaffold::Mode::kDev) return false;
  absl::MutexLock lock(&pool_mu_);
  for (const WarmSlot& slot : warm_) {
    if (scaffold::FitWarm(slot.project, project).fits()) return true;
  }
  return false;
}

absl::Status DaytonaProvider::ClaimWarm(const ProvisionSpec& spec,
                                        const scaffold::Project& project,
                                        const OutputSink& sink,
                                        const CallContext& ctx) {
  if (spec.mode != scaffold::Mode::kDev) {
    return absl::NotFoundError("the warm pool serves DEV mode only");
  }
  if (spec.sandbox_id.starts_with(kWarmPrefix)) {
    return absl::InvalidArgumentError("daytona: reserved sandbox id");
  }
  scaffold::TakenSlot<WarmSlot> taken;
  {
    absl::MutexLock lock(&pool_mu_);
    taken = scaffold::TakeFirstFit(warm_, [&](const WarmSlot& slot) {
      return scaffold::FitWarm(slot.project, project);
    });
  }
  if (!taken.slot.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no warm sandbox fits: ", taken.why));
  }
  std::optional<WarmSlot>& slot = taken.slot;
  const std::map<std::string, std::string>& additions = taken.additions;
  auto discard = [&](const absl::Status& status) {
    (void)Destroy(slot->id, CallContext(absl::Now() + absl::Minutes(2)));
    return absl::NotFoundError(absl::StrCat(
        "the warm sandbox could not be taken over: ", status.message()));
  };
  absl::StatusOr<SandboxRef> ref = Lookup(slot->id, ctx);
  if (!ref.ok()) return discard(ref.status());
  // The labels Provision would have given it: sandboxd's id, owner and
  // project from now on (and no pool label, so List shows it).
  if (absl::Status relabelled =
          client_.SetLabels(ref->daytona_id, CreateBody(spec).labels, ctx);
      !relabelled.ok()) {
    return discard(relabelled);
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = refs_.find(slot->id);
    if (it != refs_.end()) {
      // Out before the insert: an insert may rehash and move the entry.
      SandboxRef moved = std::move(it->second);
      refs_.erase(it);
      refs_[spec.sandbox_id] = std::move(moved);
    }
  }
  std::string fingerprint = project.plan.dependency_fingerprint;
  if (!additions.empty()) {
    if (sink) {
      sink(OutputStream::kStdout,
           absl::StrCat("adding ", scaffold::DescribeAdditions(additions),
                        " to the running sandbox"));
    }
    absl::StatusOr<int> code =
        RunCommand(spec.sandbox_id, AddPackagesCommand(additions),
                   project.plan.environment, sink, ctx);
    if (!code.ok() && ctx.Done()) return code.status();
    if (!code.ok() || *code != 0) {
      // The claimed sandbox stays: the core's install step installs the
      // whole set, and reports a bad package as a cold build would.
      if (sink) {
        sink(OutputStream::kStdout,
             absl::StrCat("could not add the packages (",
                          code.ok() ? absl::StrCat("npm exited with ", *code)
                                    : std::string(code.status().message()),
                          "); installing the whole dependency set instead"));
      }
      fingerprint.clear();
    }
  }
  absl::MutexLock lock(&mu_);
  refs_[spec.sandbox_id].installed_fingerprint = fingerprint;
  return absl::OkStatus();
}

}  // namespace sandboxd::daytona

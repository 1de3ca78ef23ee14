// LocalProvider: the warm pool (pre-started DEV sandboxes running the
// template app, claimed by Creates whose project fits) and the background
// route prefetcher.
//
// A pooled sandbox is an ordinary local sandbox whose id starts with
// "pool-": isolated, limited and running `next dev` on the template with
// its first page compiled. It is invisible to List (sandboxd does not own
// it) and removed at the next start if sandboxd stops. A claim renames its
// directory to the new sandbox's id while the dev server keeps running (the
// sandbox sees /app, not the host path); its cgroups keep their name (cgroup
// v2 cannot rename one), recorded in SandboxRecord::cgroup. The generated
// files are then synced in place and served by hot reload.
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/fs_util.h"
#include "lib/local/http_probe.h"
#include "lib/local/local_provider.h"

namespace sandboxd::local {
namespace {

constexpr char kWarmPrefix[] = "pool-";
constexpr absl::Duration kRetryMin = absl::Seconds(30);
constexpr absl::Duration kRetryMax = absl::Minutes(10);
constexpr absl::Duration kPrefetchTimeout = absl::Seconds(60);

bool IsWarmId(std::string_view id) { return id.starts_with(kWarmPrefix); }

// One line per pool event on stderr (the service's log).
void PoolLog(const std::string& text) {
  std::cerr << "sandboxd warm-pool " + text + "\n";
}

}  // namespace

int LocalProvider::warm_ready() {
  absl::MutexLock lock(&pool_mu_);
  return static_cast<int>(warm_.size());
}

void LocalProvider::StartBackground() {
  prefetcher_ = std::thread([this] { PrefetchLoop(); });
  const bool pool = options_.warm_pool.size_per_profile > 0;
  const bool seed = options_.warm_pool.seed_build_cache;
  if (!pool && !seed) return;
  RemoveLeftoverSlots();
  // The seeds take turns with the pool's fills (one at a time, filling_),
  // once the pool is full.
  filler_ = std::thread([this, pool, seed] {
    std::thread seeder;
    if (seed) seeder = std::thread([this] { SeedBuildCaches(); });
    if (pool) FillLoop();
    if (seeder.joinable()) seeder.join();
  });
}

void LocalProvider::RemoveLeftoverSlots() {
  // List hides pooled sandboxes; look at the directory itself.
  std::vector<std::string> leftovers;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(
           options_.root_dir + "/sandboxes", error)) {
    std::string name = entry.path().filename().string();
    if (IsWarmId(name)) leftovers.push_back(name);
  }
  for (const std::string& id : leftovers) {
    absl::Status removed =
        Destroy(id, CallContext(absl::Now() + absl::Minutes(1)));
    if (!removed.ok()) {
      PoolLog(absl::StrCat("cannot remove leftover ", id, ": ",
                           removed.ToString()));
    }
  }
}

void LocalProvider::FillLoop() {
  const int per_profile = options_.warm_pool.size_per_profile;
  absl::Duration backoff = kRetryMin;
  while (true) {
    std::optional<scaffold::TailwindMajor> wanted;
    std::vector<std::string> expired;
    {
      absl::MutexLock lock(&pool_mu_);
      if (pool_stopping_) return;
      // One fill at a time, and none while users install or build.
      if (filling_ == 0 && user_commands_.load() == 0) {
        const absl::Time now = absl::Now();
        for (auto it = warm_.begin(); it != warm_.end();) {
          if (now - it->ready_at > options_.warm_pool.max_idle) {
            expired.push_back(it->id);
            it = warm_.erase(it);
          } else {
            ++it;
          }
        }
        for (scaffold::TailwindMajor tailwind :
             {scaffold::TailwindMajor::kV3, scaffold::TailwindMajor::kV4}) {
          int have = 0;
          for (const WarmSlot& slot : warm_) {
            if (slot.project.plan.dependencies.at("tailwindcss") ==
                (tailwind == scaffold::TailwindMajor::kV3
                     ? scaffold::kTailwind3Version
                     : scaffold::kTailwind4Version)) {
              ++have;
            }
          }
          if (have < per_profile) {
            wanted = tailwind;
            break;
          }
        }
        if (wanted.has_value()) ++filling_;
      }
    }
    for (const std::string& id : expired) {
      PoolLog(absl::StrCat("recycling ", id, " (idle)"));
      Destroy(id, CallContext(absl::Now() + absl::Minutes(1))).IgnoreError();
    }
    if (!wanted.has_value()) {
      absl::MutexLock lock(&pool_mu_);
      pool_mu_.AwaitWithTimeout(absl::Condition(&pool_stopping_),
                                absl::Seconds(1));
      continue;
    }
    const absl::Time start = absl::Now();
    absl::Status filled = FillSlot(*wanted);
    {
      absl::MutexLock lock(&pool_mu_);
      --filling_;
      if (pool_stopping_) return;
    }
    if (filled.ok()) {
      PoolLog(absl::StrCat("tailwind=", scaffold::MajorNumber(*wanted),
                           " slot ready, filled in ",
                           absl::FormatDuration(absl::Trunc(
                               absl::Now() - start, absl::Milliseconds(100)))));
      backoff = kRetryMin;
      continue;
    }
    PoolLog(absl::StrCat("fill failed (retrying in ",
                         absl::FormatDuration(backoff),
                         "): ", filled.ToString()));
    absl::MutexLock lock(&pool_mu_);
    pool_mu_.AwaitWithTimeout(absl::Condition(&pool_stopping_), backoff);
    backoff = std::min(backoff * 2, kRetryMax);
  }
}

std::string LocalProvider::BackgroundId(std::string_view prefix) {
  std::string raw(8, '\0');
  size_t done = 0;
  while (done < raw.size()) {
    ssize_t n = ::getrandom(raw.data() + done, raw.size() - done, 0);
    if (n > 0) done += static_cast<size_t>(n);
  }
  return absl::StrCat(std::string(prefix), absl::BytesToHexString(raw));
}

absl::Status LocalProvider::RunBackgroundSandbox(
    const std::string& id, const std::string& owner,
    const scaffold::Project& project, const CallContext& ctx,
    const std::function<absl::Status(const OutputSink&)>& finish) {
  ProvisionSpec spec;
  spec.sandbox_id = id;
  spec.owner = owner;
  spec.mode = project.plan.build_command.empty() ? scaffold::Mode::kDev
                                                 : scaffold::Mode::kProduction;
  spec.environment = project.plan.environment;
  spec.dependency_fingerprint = project.plan.dependency_fingerprint;
  std::deque<std::string> tail;
  OutputSink sink = [&tail](OutputStream, std::string_view line) {
    tail.emplace_back(line);
    if (tail.size() > 10) tail.pop_front();
  };
  absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(Provision(spec, ctx));
    ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(id));
    CgroupLimits limits = LimitsFor(spec.mode);
    limits.cpu_weight = options_.warm_pool.fill_cpu_weight;
    RETURN_IF_ERROR(sandbox->cgroup->Create(limits));
    RETURN_IF_ERROR(Upload(id, project.files, ctx));
    RETURN_IF_ERROR(InstallDependencies(id, project.plan, sink, ctx));
    return finish(sink);
  }();
  if (status.ok()) return status;
  Destroy(id, CallContext(absl::Now() + absl::Minutes(1))).IgnoreError();
  std::string last;
  for (const std::string& line : tail) absl::StrAppend(&last, "\n", line);
  return Annotate(status, last);
}

absl::Status LocalProvider::FillSlot(scaffold::TailwindMajor tailwind) {
  const std::string id = BackgroundId(kWarmPrefix);
  ASSIGN_OR_RETURN(scaffold::Project project,
                   scaffold::WarmTemplate(tailwind, absl::StrCat(id, ".warm")));
  const CallContext ctx(absl::Now() + options_.warm_pool.fill_timeout,
                        pool_cancel_);
  RETURN_IF_ERROR(RunBackgroundSandbox(
      id, "sandboxd-warm-pool", project, ctx, [&](const OutputSink& sink) {
        RETURN_IF_ERROR(
            LinkOwnNodeModules(id, project.plan.dependency_fingerprint));
        return StartApp(id, project.plan, sink, ctx);
      }));
  absl::MutexLock lock(&pool_mu_);
  warm_.push_back(WarmSlot{id, std::move(project), absl::Now()});
  return absl::OkStatus();
}

bool LocalProvider::HasWarmFit(const ProvisionSpec& spec,
                               const scaffold::Project& project) {
  if (spec.mode != scaffold::Mode::kDev) return false;
  absl::MutexLock lock(&pool_mu_);
  for (const WarmSlot& slot : warm_) {
    if (FitSlot(slot, project).fits()) return true;
  }
  return false;
}

scaffold::WarmFit LocalProvider::FitSlot(
    const WarmSlot& slot, const scaffold::Project& project) const {
  scaffold::WarmFit fit = scaffold::FitWarm(slot.project, project);
  // Unprivileged, the store's files belong to sandboxd's own uid, which is
  // also npm's: npm on a hard-linked copy could write through to them.
  if (fit.fits() && !fit.additions.empty() && ::geteuid() != 0) {
    return {.misfit =
                "packages are only added to pooled sandboxes when sandboxd "
                "runs as root"};
  }
  return fit;
}

absl::Status LocalProvider::ClaimWarm(const ProvisionSpec& spec,
                                      const scaffold::Project& project,
                                      const OutputSink& sink,
                                      const CallContext& ctx) {
  if (spec.mode != scaffold::Mode::kDev) {
    return absl::NotFoundError("the warm pool serves DEV mode only");
  }
  RETURN_IF_ERROR(ValidateSandboxId(spec.sandbox_id));
  if (IsWarmId(spec.sandbox_id)) {
    return absl::InvalidArgumentError("local: reserved sandbox id");
  }
  // A sandbox that exists already (a resumed build) is reused, not replaced.
  if (Find(spec.sandbox_id).ok()) {
    return absl::NotFoundError("the sandbox is provisioned already");
  }
  scaffold::TakenSlot<WarmSlot> taken;
  {
    absl::MutexLock lock(&pool_mu_);
    taken = scaffold::TakeFirstFit(
        warm_, [&](const WarmSlot& slot) { return FitSlot(slot, project); });
  }
  if (!taken.slot.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no warm sandbox fits: ", taken.why));
  }
  std::optional<WarmSlot>& slot = taken.slot;
  const std::map<std::string, std::string>& additions = taken.additions;
  auto discard = [this, &slot](absl::Status status) {
    Destroy(slot->id, CallContext(absl::Now() + absl::Minutes(1)))
        .IgnoreError();
    return absl::NotFoundError(absl::StrCat(
        "the warm sandbox could not be taken over: ", status.message()));
  };
  std::shared_ptr<Sandbox> sandbox;
  // Moves the slot to the new id under the table lock; on failure the slot
  // is discarded outside it (Destroy takes the lock).
  absl::Status moved = [&]() -> absl::Status {
    absl::MutexLock lock(&mu_);
    auto it = sandboxes_.find(slot->id);
    if (it == sandboxes_.end()) {
      return absl::NotFoundError("the warm sandbox vanished");
    }
    sandbox = it->second;
    {
      absl::MutexLock sandbox_lock(&sandbox->mu);
      if (sandbox->app == nullptr || sandbox->app->Exited()) {
        return absl::UnavailableError("its app exited");
      }
    }
    if (::rename(SandboxDir(slot->id).c_str(),
                 SandboxDir(spec.sandbox_id).c_str()) != 0) {
      return absl::InternalError(
          absl::StrCat("rename: ", std::strerror(errno)));
    }
    sandboxes_.erase(it);
    sandboxes_.emplace(spec.sandbox_id, sandbox);
    return absl::OkStatus();
  }();
  if (!moved.ok()) return discard(moved);
  SandboxRecord record;
  {
    absl::MutexLock lock(&sandbox->mu);
    sandbox->record.sandbox_id = spec.sandbox_id;
    sandbox->environment = spec.environment;
    record = sandbox->record;
  }
  // Full CPU weight from now on: it is a user's sandbox.
  RETURN_IF_ERROR(sandbox->cgroup->Create(LimitsFor(scaffold::Mode::kDev)));
  RETURN_IF_ERROR(SaveRecord(record));
  // Packages the template lacks go into the sandbox before its new files,
  // which import them, are synced.
  if (additions.empty()) return absl::OkStatus();
  absl::Status added =
      AddPackages(spec.sandbox_id, project, additions, sink, ctx);
  if (added.ok()) return added;
  if (ctx.cancelled()) return added;
  // The claimed sandbox stays: it restarts from its store dependencies
  // (the core's install step installs the whole set, and reports a bad
  // package as the cold path would).
  if (sink) {
    sink(OutputStream::kStdout,
         absl::StrCat("could not add the packages (", added.message(),
                      "); installing the whole dependency set instead"));
  }
  RETURN_IF_ERROR(Stop(spec.sandbox_id, ctx));
  RETURN_IF_ERROR(RemoveTree(SandboxDir(spec.sandbox_id) + "/deps"));
  return Start(spec.sandbox_id, ctx);
}

void LocalProvider::QueuePrefetch(std::string sandbox_id,
                                  std::vector<std::string> routes) {
  if (routes.empty()) return;
  absl::MutexLock lock(&pool_mu_);
  prefetch_.emplace_back(std::move(sandbox_id), std::move(routes));
}

void LocalProvider::PrefetchLoop() {
  while (true) {
    std::pair<std::string, std::vector<std::string>> job;
    {
      absl::MutexLock lock(&pool_mu_);
      pool_mu_.Await(absl::Condition(
          +[](LocalProvider* self)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pool_mu_) {
                 return self->pool_stopping_ || !self->prefetch_.empty();
               },
          this));
      if (pool_stopping_) return;
      job = std::move(prefetch_.front());
      prefetch_.pop_front();
    }
    for (const std::string& route : job.second) {
      absl::StatusOr<int> fd = DialApp(job.first);
      if (!fd.ok()) break;  // stopped or gone meanwhile
      UniqueFd owned(*fd);
      (void)HttpGet(owned.get(), "127.0.0.1:3000", route, kPrefetchTimeout);
    }
  }
}

}  // namespace sandboxd::local

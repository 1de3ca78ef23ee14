// LocalProvider: stop, start, destroy, list, and the disk watchdog.
#include <dirent.h>
#include <sys/stat.h>

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/fs_util.h"
#include "lib/local/local_provider.h"

namespace sandboxd::local {
namespace {

constexpr absl::Duration kKillTimeout = absl::Seconds(10);

std::vector<std::string> Subdirectories(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* entry = ::readdir(d)) {
      if (entry->d_name[0] == '.' || entry->d_type != DT_DIR) continue;
      names.push_back(entry->d_name);
    }
    ::closedir(d);
  }
  return names;
}

}  // namespace

void LocalProvider::KillProcesses(Sandbox& sandbox, const std::string& reason) {
  std::vector<std::shared_ptr<SandboxProcess>> processes;
  {
    absl::MutexLock lock(&sandbox.mu);
    for (auto* p : {&sandbox.app, &sandbox.command}) {
      if (*p != nullptr) processes.push_back(*p);
    }
  }
  for (auto& process : processes) process->Kill(reason);
  for (auto& process : processes) {
    if (!process->Wait(CallContext(absl::Now() + kKillTimeout)).has_value()) {
      process->KillTopLevel();
    }
  }
  // Anything else in the cgroup (there should be nothing) goes too.
  if (sandbox.cgroup->Exists()) {
    sandbox.cgroup->KillAll(absl::Now() + kKillTimeout).IgnoreError();
  }
}

absl::Status LocalProvider::Stop(std::string_view sandbox_id,
                                 const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  KillProcesses(*sandbox, "stopped");
  if (sandbox->cgroup->Exists() && !sandbox->cgroup->Processes().empty()) {
    return absl::UnavailableError("local: stop: processes are left");
  }
  SandboxRecord record;
  {
    absl::MutexLock lock(&sandbox->mu);
    sandbox->app.reset();
    if (sandbox->record.state != SandboxRecord::State::kFailed) {
      sandbox->record.state = SandboxRecord::State::kStopped;
    }
    record = sandbox->record;
  }
  return SaveRecord(record);
}

absl::Status LocalProvider::Start(std::string_view sandbox_id,
                                  const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  SandboxRecord record;
  {
    absl::MutexLock lock(&sandbox->mu);
    if (sandbox->record.state != SandboxRecord::State::kRunning) {
      sandbox->record.state = SandboxRecord::State::kCreated;
      sandbox->record.detail.clear();
    }
    record = sandbox->record;
  }
  // The cgroups are gone after a reboot.
  RETURN_IF_ERROR(sandbox->cgroup->Create(LimitsFor(record.mode)));
  return SaveRecord(record);
}

absl::Status LocalProvider::Destroy(std::string_view sandbox_id,
                                    const CallContext& ctx) {
  RETURN_IF_ERROR(ValidateSandboxId(sandbox_id));
  // From the table or the record on disk (after a restart); a directory
  // without a readable record still goes below.
  absl::StatusOr<std::shared_ptr<Sandbox>> sandbox = Find(sandbox_id);
  std::set<std::string> cgroups = {std::string(sandbox_id)};
  if (sandbox.ok()) {
    KillProcesses(**sandbox, "destroyed");
    absl::MutexLock lock(&(*sandbox)->mu);
    cgroups.insert((*sandbox)->record.cgroup);
  }
  // By path, so that leftovers of a crashed instance go too.
  for (const std::string& name : cgroups) {
    RETURN_IF_ERROR(Annotate(CgroupFor(name)->Remove(std::min(
                                 ctx.deadline(), absl::Now() + kKillTimeout)),
                             "local: destroy"));
  }
  RETURN_IF_ERROR(
      Annotate(RemoveTree(SandboxDir(sandbox_id)), "local: destroy"));
  absl::MutexLock lock(&mu_);
  sandboxes_.erase(std::string(sandbox_id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProviderSandbox>> LocalProvider::List(
    const CallContext& ctx) {
  std::vector<ProviderSandbox> result;
  std::set<std::string> seen;
  for (const std::string& id :
       Subdirectories(options_.root_dir + "/sandboxes")) {
    // Pooled sandboxes are the provider's own, not sandboxd's (and their
    // cgroups are not orphans).
    if (id.starts_with("pool-")) {
      seen.insert(id);
      continue;
    }
    ProviderSandbox entry;
    entry.sandbox_id = id;
    entry.provider_ref = SandboxDir(id);
    seen.insert(id);
    absl::StatusOr<std::shared_ptr<Sandbox>> sandbox = Find(id);
    if (!sandbox.ok()) {
      entry.state = ProviderSandbox::State::kError;
      entry.detail = std::string(sandbox.status().message());
      result.push_back(std::move(entry));
      continue;
    }
    absl::MutexLock lock(&(*sandbox)->mu);
    const SandboxRecord& record = (*sandbox)->record;
    seen.insert(record.cgroup);
    bool app_running = (*sandbox)->app != nullptr && !(*sandbox)->app->Exited();
    if (app_running) {
      entry.state = ProviderSandbox::State::kRunning;
    } else if ((*sandbox)->command != nullptr) {
      entry.state = ProviderSandbox::State::kTransitioning;
    } else if (record.state == SandboxRecord::State::kFailed) {
      entry.state = ProviderSandbox::State::kError;
      entry.detail = record.detail;
    } else {
      entry.state = ProviderSandbox::State::kStopped;
      if (record.state == SandboxRecord::State::kRunning) {
        entry.detail =
            "the app is not running (it exited or sandboxd restarted)";
      }
    }
    result.push_back(std::move(entry));
  }
  // Cgroups whose sandbox directory is gone (a crash mid-destroy).
  // (No cgroups at all in the unprivileged mode without delegation.)
  const std::vector<std::string> cgroup_parents =
      SandboxCgroupPathsFor(cgroups_, options_.cgroup_name, "x").parents;
  const std::string cgroup_parent =
      cgroup_parents.empty() ? "" : cgroup_parents.front();
  for (const std::string& id : cgroup_parent.empty()
                                   ? std::vector<std::string>()
                                   : Subdirectories(cgroup_parent)) {
    if (seen.contains(id) || !ValidateSandboxId(id).ok()) continue;
    ProviderSandbox entry;
    entry.sandbox_id = id;
    entry.provider_ref = cgroup_parent + "/" + id;
    entry.state = ProviderSandbox::State::kError;
    entry.detail = "orphan cgroup without a sandbox directory";
    result.push_back(std::move(entry));
  }
  return result;
}

void LocalProvider::WatchDisk() {
  const uint64_t budget = options_.limits.disk_bytes;
  while (true) {
    std::vector<std::pair<std::string, std::shared_ptr<Sandbox>>> sandboxes;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                           options_.disk_check_interval);
      if (stopping_) return;
      for (const auto& [id, sandbox] : sandboxes_)
        sandboxes.emplace_back(id, sandbox);
    }
    for (auto& [id, sandbox] : sandboxes) {
      std::vector<std::shared_ptr<SandboxProcess>> live;
      {
        absl::MutexLock lock(&sandbox->mu);
        for (auto* p : {&sandbox->app, &sandbox->command}) {
          if (*p != nullptr && !(*p)->Exited()) live.push_back(*p);
        }
      }
      if (live.empty()) continue;
      absl::StatusOr<uint64_t> used =
          DiskUsage(ProjectDir(id), options_.limits.disk_entries);
      std::string reason;
      if (absl::IsResourceExhausted(used.status())) {
        reason =
            absl::StrCat("disk budget exceeded: ", used.status().message());
      } else if (used.ok() && *used > budget) {
        reason =
            absl::StrCat("disk budget exceeded: the project directory uses ",
                         *used >> 20, " MiB of ", budget >> 20, " MiB");
      } else {
        continue;
      }
      for (auto& process : live) {
        process->Emit(OutputStream::kStderr, "sandboxd: " + reason);
        process->Kill(reason);
      }
      SandboxRecord record;
      {
        absl::MutexLock lock(&sandbox->mu);
        sandbox->record.state = SandboxRecord::State::kFailed;
        sandbox->record.detail = reason;
        record = sandbox->record;
      }
      SaveRecord(record).IgnoreError();
    }
  }
}

}  // namespace sandboxd::local

// LocalProvider: the sandbox table, provisioning and uploads.
#include "lib/local/local_provider.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/fs_util.h"
#include "lib/scaffold/generation.h"

namespace sandboxd::local {
namespace {

constexpr char kMetaFile[] = "sandbox.meta";

std::string MiB(uint64_t bytes) { return absl::StrCat(bytes >> 20, " MiB"); }

absl::Status DoneStatus(const CallContext& ctx, std::string_view what) {
  return ctx.cancelled() ? absl::CancelledError(
                               absl::StrCat(std::string(what), ": cancelled"))
                         : absl::DeadlineExceededError(absl::StrCat(
                               std::string(what), ": deadline exceeded"));
}

}  // namespace

LocalProvider::LocalProvider(LocalProviderOptions options, CgroupHost cgroups,
                             std::unique_ptr<ProcessLauncher> launcher,
                             std::unique_ptr<NetnsDialer> dialer)
    : options_(std::move(options)),
      cgroups_(std::move(cgroups)),
      launcher_(std::move(launcher)),
      dialer_(std::move(dialer)),
      store_(options_.root_dir + "/deps", options_.uid_base) {}

LocalProvider::~LocalProvider() {
  {
    absl::MutexLock lock(&pool_mu_);
    pool_stopping_ = true;
  }
  pool_cancel_->Cancel();
  if (filler_.joinable()) filler_.join();
  if (prefetcher_.joinable()) prefetcher_.join();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watchdog_.joinable()) watchdog_.join();
  std::map<std::string, std::shared_ptr<Sandbox>, std::less<>> sandboxes;
  {
    absl::MutexLock lock(&mu_);
    sandboxes.swap(sandboxes_);
  }
  for (auto& [id, sandbox] : sandboxes)
    KillProcesses(*sandbox, "sandboxd shut down");
}

std::string LocalProvider::SandboxDir(std::string_view sandbox_id) const {
  return absl::StrCat(options_.root_dir, "/sandboxes/",
                      std::string(sandbox_id));
}

std::string LocalProvider::ProjectDir(std::string_view sandbox_id) const {
  return SandboxDir(sandbox_id) + "/app";
}

std::unique_ptr<SandboxCgroup> LocalProvider::CgroupFor(
    std::string_view cgroup_name) const {
  return std::make_unique<SandboxCgroup>(
      cgroups_,
      SandboxCgroupPathsFor(cgroups_, options_.cgroup_name, cgroup_name));
}

CgroupLimits LocalProvider::LimitsFor(scaffold::Mode mode) const {
  CgroupLimits limits;
  limits.memory_bytes = mode == scaffold::Mode::kDev
                            ? options_.limits.memory_bytes_dev
                            : options_.limits.memory_bytes_production;
  limits.pids = options_.limits.pids;
  limits.cpus = options_.limits.cpus;
  return limits;
}

absl::Status LocalProvider::SaveRecord(const SandboxRecord& record) const {
  return WriteFileAtomic(
      absl::StrCat(SandboxDir(record.sandbox_id), "/", kMetaFile),
      EncodeSandboxRecord(record), 0600);
}

absl::StatusOr<std::shared_ptr<LocalProvider::Sandbox>> LocalProvider::Find(
    std::string_view sandbox_id) {
  RETURN_IF_ERROR(ValidateSandboxId(sandbox_id));
  absl::MutexLock lock(&mu_);
  auto it = sandboxes_.find(sandbox_id);
  if (it != sandboxes_.end()) return it->second;
  // Not seen by this instance: a sandbox from before a restart.
  absl::StatusOr<std::string> text =
      ReadSmallFile(absl::StrCat(SandboxDir(sandbox_id), "/", kMetaFile));
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(
        absl::StrCat("local: sandbox ", std::string(sandbox_id), " not found"));
  }
  if (!text.ok()) return text.status();
  ASSIGN_OR_RETURN(SandboxRecord record, DecodeSandboxRecord(*text));
  auto sandbox = std::make_shared<Sandbox>();
  sandbox->cgroup = CgroupFor(record.cgroup);
  {
    absl::MutexLock sandbox_lock(&sandbox->mu);
    sandbox->record = std::move(record);
  }
  sandboxes_.emplace(std::string(sandbox_id), sandbox);
  return sandbox;
}

absl::StatusOr<uid_t> LocalProvider::AllocateUid() {
  std::set<uid_t> used;
  for (const auto& [id, sandbox] : sandboxes_) {
    absl::MutexLock lock(&sandbox->mu);
    used.insert(sandbox->record.uid);
  }
  std::string dir = options_.root_dir + "/sandboxes";
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* entry = ::readdir(d)) {
      struct stat st;
      std::string app = absl::StrCat(dir, "/", entry->d_name, "/app");
      if (entry->d_name[0] != '.' && ::stat(app.c_str(), &st) == 0) {
        used.insert(st.st_uid);
      }
    }
    ::closedir(d);
  }
  for (uid_t uid = options_.uid_base + 1;
       uid < options_.uid_base + options_.uid_count; ++uid) {
    if (!used.contains(uid)) return uid;
  }
  return absl::ResourceExhaustedError("local: no free sandbox uid");
}

absl::Status LocalProvider::Provision(const ProvisionSpec& spec,
                                      const CallContext& ctx) {
  absl::StatusOr<std::shared_ptr<Sandbox>> existing = Find(spec.sandbox_id);
  if (existing.ok()) {
    // Idempotent: reuse, re-applying the limits (cgroups vanish on reboot).
    scaffold::Mode mode;
    {
      absl::MutexLock lock(&(*existing)->mu);
      (*existing)->environment = spec.environment;
      mode = (*existing)->record.mode;
    }
    return (*existing)->cgroup->Create(LimitsFor(mode));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();

  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(uid_t uid, AllocateUid());
  auto sandbox = std::make_shared<Sandbox>();
  SandboxRecord record;
  record.sandbox_id = spec.sandbox_id;
  record.cgroup = spec.sandbox_id;
  record.uid = uid;
  record.mode = spec.mode;
  RETURN_IF_ERROR(EnsureDir(SandboxDir(spec.sandbox_id), 0711, 0, 0));
  RETURN_IF_ERROR(EnsureDir(ProjectDir(spec.sandbox_id), 0700, uid, uid));
  RETURN_IF_ERROR(SaveRecord(record));
  sandbox->cgroup = CgroupFor(spec.sandbox_id);
  RETURN_IF_ERROR(sandbox->cgroup->Create(LimitsFor(spec.mode)));
  {
    absl::MutexLock sandbox_lock(&sandbox->mu);
    sandbox->record = std::move(record);
    sandbox->environment = spec.environment;
  }
  sandboxes_.emplace(spec.sandbox_id, std::move(sandbox));
  return absl::OkStatus();
}

absl::Status LocalProvider::Upload(
    std::string_view sandbox_id,
    const std::map<std::string, std::string>& files, const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  uint64_t total = 0;
  for (const auto& [path, content] : files) {
    RETURN_IF_ERROR(Annotate(ValidateRelativePath(path), "local: upload"));
    total += content.size();
  }
  if (total > options_.limits.disk_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "local: upload of ", MiB(total), " exceeds the disk budget of ",
        MiB(options_.limits.disk_bytes)));
  }
  uid_t uid;
  std::map<std::string, size_t> written;
  {
    absl::MutexLock lock(&sandbox->mu);
    uid = sandbox->record.uid;
    written = sandbox->written;
  }
  std::map<std::string, size_t> now_written;
  const std::string dir = ProjectDir(sandbox_id);
  // Sync in place, so that a running dev server sees an update (hot
  // reload): every file is written atomically, then what the project no
  // longer has is removed, and the generation module goes last (the app
  // serves its token only once everything before it is on disk). .next is
  // kept as a build cache; node_modules is the dependencies' mount point.
  std::vector<const std::pair<const std::string, std::string>*> last;
  std::set<std::string> keep;
  for (const auto& file : files) {
    keep.insert(file.first);
    if (file.first.ends_with(scaffold::kGenerationModuleName)) {
      last.push_back(&file);
      continue;
    }
    if (ctx.Done()) return DoneStatus(ctx, "local: upload");
    const size_t hash = absl::HashOf(file.second);
    now_written[file.first] = hash;
    auto before = written.find(file.first);
    if (before != written.end() && before->second == hash) continue;
    RETURN_IF_ERROR(
        Annotate(WriteFileNoFollow(dir, file.first, file.second, uid, uid),
                 "local: upload"));
  }
  RETURN_IF_ERROR(Annotate(
      RemoveFilesNotIn(dir, keep, {"node_modules", ".next", "next-env.d.ts"}),
      "local: upload"));
  for (const auto* file : last) {
    RETURN_IF_ERROR(
        Annotate(WriteFileNoFollow(dir, file->first, file->second, uid, uid),
                 "local: upload"));
  }
  for (const auto* file : last) {
    now_written[file->first] = absl::HashOf(file->second);
  }
  absl::MutexLock lock(&sandbox->mu);
  sandbox->written = std::move(now_written);
  return absl::OkStatus();
}

}  // namespace sandboxd::local

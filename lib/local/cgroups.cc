#include "lib/local/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"

namespace sandboxd::local {
namespace {

absl::Status ErrnoStatus(std::string_view what, const std::string& path) {
  int err = errno;
  return absl::InternalError(
      absl::StrCat(std::string(what), " ", path, ": ", std::strerror(err)));
}

absl::Status WriteFile(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path);
  if (::write(fd.get(), value.data(), value.size()) !=
      static_cast<ssize_t>(value.size())) {
    return ErrnoStatus("write", path);
  }
  return absl::OkStatus();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) {
    return absl::OkStatus();
  }
  return ErrnoStatus("mkdir", path);
}

}  // namespace

absl::StatusOr<CgroupHost> ParseCgroupHost(std::string_view proc_mounts,
                                           std::string_view v2_parent) {
  CgroupHost host;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(proc_mounts.data(), proc_mounts.size()),
                      '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() < 4) continue;
    const std::string& mount_point = fields[1];
    if (fields[2] == "cgroup2") {
      if (host.unified.empty()) host.unified = mount_point;
      continue;
    }
    if (fields[2] != "cgroup") continue;
    for (absl::string_view option : absl::StrSplit(fields[3], ',')) {
      if (option == "memory") host.memory = mount_point;
      if (option == "pids") host.pids = mount_point;
      if (option == "cpu") host.cpu = mount_point;
    }
  }
  if (!host.memory.empty() && !host.pids.empty() && !host.cpu.empty()) {
    host.kind = CgroupHost::Kind::kV1;
    return host;
  }
  if (!host.unified.empty() && !v2_parent.empty()) {
    host.kind = CgroupHost::Kind::kV2;
    host.v2_parent = std::string(v2_parent);
    host.memory = host.pids = host.cpu = "";
    return host;
  }
  if (!host.unified.empty()) {
    return absl::FailedPreconditionError(
        "cgroups: this host uses cgroup v2; configure a delegated cgroup "
        "directory (cgroup_v2_parent, see lib/local/README.md)");
  }
  return absl::FailedPreconditionError(
      "cgroups: neither cgroup v1 memory+pids+cpu nor cgroup2 is mounted");
}

SandboxCgroupPaths SandboxCgroupPathsFor(const CgroupHost& host,
                                         std::string_view cgroup_name,
                                         std::string_view sandbox_id) {
  SandboxCgroupPaths paths;
  const std::string name(cgroup_name);
  const std::string id(sandbox_id);
  if (host.kind == CgroupHost::Kind::kNone) return paths;
  if (host.kind == CgroupHost::Kind::kV2) {
    paths.parents = {host.v2_parent};
    paths.kill_leaf = absl::StrCat(host.v2_parent, "/", id);
    paths.leaves = {paths.kill_leaf};
    paths.pids_leaf = paths.memory_leaf = paths.cpu_leaf = paths.kill_leaf;
    return paths;
  }
  std::set<std::string> mounts = {host.memory, host.pids, host.cpu};
  for (const std::string& mount : mounts) {
    paths.parents.push_back(absl::StrCat(mount, "/", name));
    paths.leaves.push_back(absl::StrCat(mount, "/", name, "/", id));
  }
  if (!host.unified.empty()) {
    paths.parents.push_back(absl::StrCat(host.unified, "/", name));
    paths.kill_leaf = absl::StrCat(host.unified, "/", name, "/", id);
    paths.leaves.push_back(paths.kill_leaf);
  }
  paths.pids_leaf = absl::StrCat(host.pids, "/", name, "/", id);
  paths.memory_leaf = absl::StrCat(host.memory, "/", name, "/", id);
  paths.cpu_leaf = absl::StrCat(host.cpu, "/", name, "/", id);
  return paths;
}

std::vector<std::pair<std::string, std::string>> CgroupLimitWrites(
    const CgroupHost& host, const SandboxCgroupPaths& paths,
    const CgroupLimits& limits) {
  constexpr int64_t kPeriodUs = 100000;
  const int64_t quota_us =
      std::max<int64_t>(1000, std::llround(limits.cpus * kPeriodUs));
  const int weight = std::clamp(limits.cpu_weight, 1, 10000);
  if (host.kind == CgroupHost::Kind::kNone) return {};
  if (host.kind == CgroupHost::Kind::kV2) {
    const std::string& leaf = paths.kill_leaf;
    return {
        {leaf + "/memory.max", absl::StrCat(limits.memory_bytes)},
        {leaf + "/memory.swap.max", "0"},
        {leaf + "/pids.max", absl::StrCat(limits.pids)},
        {leaf + "/cpu.max", absl::StrCat(quota_us, " ", kPeriodUs)},
        {leaf + "/cpu.weight", absl::StrCat(weight)},
    };
  }
  return {
      {paths.memory_leaf + "/memory.limit_in_bytes",
       absl::StrCat(limits.memory_bytes)},
      {paths.pids_leaf + "/pids.max", absl::StrCat(limits.pids)},
      {paths.cpu_leaf + "/cpu.cfs_period_us", absl::StrCat(kPeriodUs)},
      {paths.cpu_leaf + "/cpu.cfs_quota_us", absl::StrCat(quota_us)},
      {paths.cpu_leaf + "/cpu.shares",
       absl::StrCat(std::max<int64_t>(2, int64_t{weight} * 1024 / 100))},
  };
}

absl::Status SandboxCgroup::Create(const CgroupLimits& limits) {
  if (host_.kind == CgroupHost::Kind::kNone) return absl::OkStatus();
  for (const std::string& parent : paths_.parents) {
    RETURN_IF_ERROR(MakeDir(parent));
  }
  if (host_.kind == CgroupHost::Kind::kV2) {
    // Idempotent; fails if the parent was not delegated with these
    // controllers, which the message then says.
    absl::Status enabled = WriteFile(
        host_.v2_parent + "/cgroup.subtree_control", "+memory +pids +cpu");
    if (!enabled.ok()) return Annotate(enabled, "cgroups: enable controllers");
  }
  for (const std::string& leaf : paths_.leaves) {
    RETURN_IF_ERROR(MakeDir(leaf));
  }
  for (const auto& [file, value] : CgroupLimitWrites(host_, paths_, limits)) {
    absl::Status written = WriteFile(file, value);
    // memory.swap.max is absent without swap accounting; nothing to cap then.
    if (!written.ok() && file.ends_with("/memory.swap.max")) continue;
    RETURN_IF_ERROR(Annotate(written, "cgroups: set limit"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UniqueFd>> SandboxCgroup::OpenProcsFds() const {
  std::vector<UniqueFd> fds;
  for (const std::string& leaf : paths_.leaves) {
    std::string path = leaf + "/cgroup.procs";
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus("cgroups: open", path);
    fds.push_back(std::move(fd));
  }
  return fds;
}

std::vector<pid_t> SandboxCgroup::Processes() const {
  std::vector<pid_t> pids;
  if (paths_.pids_leaf.empty()) return pids;  // kNone
  std::string text = ReadFile(paths_.pids_leaf + "/cgroup.procs");
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

bool SandboxCgroup::Exists() const {
  if (paths_.pids_leaf.empty()) return false;  // kNone
  struct stat st;
  return ::stat(paths_.pids_leaf.c_str(), &st) == 0;
}

absl::Status SandboxCgroup::KillAll(absl::Time deadline) {
  bool kill_file = !paths_.kill_leaf.empty() &&
                   WriteFile(paths_.kill_leaf + "/cgroup.kill", "1").ok();
  while (true) {
    std::vector<pid_t> pids = Processes();
    if (pids.empty()) return absl::OkStatus();
    // Without cgroup.kill, a forking process can add pids while we kill;
    // pids.max bounds that and repeated rounds converge.
    if (!kill_file) {
      for (pid_t pid : pids) ::kill(pid, SIGKILL);
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "cgroups: ", pids.size(), " processes left in ", paths_.pids_leaf));
    }
    absl::SleepFor(absl::Milliseconds(10));
    if (kill_file)
      kill_file = WriteFile(paths_.kill_leaf + "/cgroup.kill", "1").ok();
  }
}

absl::Status SandboxCgroup::Remove(absl::Time deadline) {
  if (Exists()) RETURN_IF_ERROR(KillAll(deadline));
  for (const std::string& leaf : paths_.leaves) {
    // A killed process lingers as a zombie for a moment: rmdir is EBUSY
    // until it is reaped.
    while (::rmdir(leaf.c_str()) != 0 && errno != ENOENT) {
      if (errno != EBUSY || absl::Now() >= deadline) {
        return ErrnoStatus("cgroups: rmdir", leaf);
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  return absl::OkStatus();
}

int64_t SandboxCgroup::OomKills() const {
  if (paths_.memory_leaf.empty()) return 0;  // kNone
  const std::string file = host_.kind == CgroupHost::Kind::kV2
                               ? paths_.memory_leaf + "/memory.events"
                               : paths_.memory_leaf + "/memory.oom_control";
  for (absl::string_view line :
       absl::StrSplit(ReadFile(file), '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, ' ');
    int64_t value = 0;
    if (kv.first == "oom_kill" && absl::SimpleAtoi(kv.second, &value)) {
      return value;
    }
  }
  return 0;
}

}  // namespace sandboxd::local

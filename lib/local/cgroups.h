// Per-sandbox cgroups for the local provider: finds the host's controllers,
// creates one cgroup per sandbox with memory/pids/cpu limits, kills
// everything in it and removes it.
//
// Hosts:
// - cgroup v1 with memory, pids and cpu hierarchies (this project's VMs):
//   <mount>/<cgroup_name>/<sandbox_id> in each, needs root. If cgroup2 is
//   mounted too (/sys/fs/cgroup/unified), a cgroup there gives cgroup.kill.
// - pure cgroup v2 (stock Debian 12 with systemd): the service needs a
//   delegated subtree; see lib/local/README.md. Sandbox cgroups are
//   <cgroup_v2_parent>/<sandbox_id>. An unprivileged sandboxd uses this
//   kind too when it is given a writable delegated directory.
// - none (unprivileged sandboxd without a delegated subtree): no cgroups at
//   all; memory/pids/cpu are NOT limited (MakeLocalProvider logs a loud
//   warning). Every SandboxCgroup operation is then a successful no-op and
//   a sandbox's processes are killed through its init's pid namespace.
#ifndef SANDBOXD_LIB_LOCAL_CGROUPS_H_
#define SANDBOXD_LIB_LOCAL_CGROUPS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

// Where the host's cgroup controllers live.
struct CgroupHost {
  enum class Kind { kV1, kV2, kNone };
  Kind kind = Kind::kV1;
  std::string memory, pids, cpu;  // v1 hierarchy mount points
  std::string unified;            // cgroup2 mount point (optional on v1)
  std::string v2_parent;          // kV2: delegated directory for sandboxes
};

// Pure: reads /proc/self/mounts text. v1 if memory, pids and cpu are all
// v1-mounted; else v2 if cgroup2 is mounted and `v2_parent` is set.
// FAILED_PRECONDITION naming what is missing otherwise.
absl::StatusOr<CgroupHost> ParseCgroupHost(std::string_view proc_mounts,
                                           std::string_view v2_parent);

struct CgroupLimits {
  uint64_t memory_bytes = 1ull << 30;
  int64_t pids = 512;
  double cpus = 2.0;
  // Relative CPU share under contention, 1-10000 (100 = normal; v1
  // cpu.shares is this x 1024 / 100, v2 cpu.weight is this). Warm-pool
  // sandboxes fill at a low weight so they yield to user builds.
  int cpu_weight = 100;
};

// Whether `host` limits anything (false for kNone).
inline bool EnforcesLimits(const CgroupHost& host) {
  return host.kind != CgroupHost::Kind::kNone;
}

// The directories of one sandbox's cgroups (all empty for kNone). Pure.
struct SandboxCgroupPaths {
  std::vector<std::string> parents;  // created if missing, never removed
  std::vector<std::string> leaves;   // one per hierarchy, the sandbox's own
  std::string kill_leaf;             // cgroup2 leaf with cgroup.kill, or ""
  std::string pids_leaf;             // where to list the processes
  std::string memory_leaf;
  std::string cpu_leaf;
};
SandboxCgroupPaths SandboxCgroupPathsFor(const CgroupHost& host,
                                         std::string_view cgroup_name,
                                         std::string_view sandbox_id);

// The (file, value) writes that apply `limits`, in order. Pure.
std::vector<std::pair<std::string, std::string>> CgroupLimitWrites(
    const CgroupHost& host, const SandboxCgroupPaths& paths,
    const CgroupLimits& limits);

// One sandbox's cgroups. Thread-compatible: the provider serializes calls
// per sandbox; Kill and ProcessCount may race with a running launch.
class SandboxCgroup {
 public:
  SandboxCgroup(CgroupHost host, SandboxCgroupPaths paths)
      : host_(std::move(host)), paths_(std::move(paths)) {}

  // Creates the cgroups (idempotent) and (re)applies `limits`.
  absl::Status Create(const CgroupLimits& limits);
  // Opens every leaf's cgroup.procs for writing, for a child to join with
  // write("0") before exec.
  absl::StatusOr<std::vector<UniqueFd>> OpenProcsFds() const;
  // Pids currently in the sandbox (empty if the cgroup does not exist).
  std::vector<pid_t> Processes() const;
  // SIGKILLs every process and waits until none is left.
  // DEADLINE_EXCEEDED if processes remain at `deadline`.
  absl::Status KillAll(absl::Time deadline);
  // Kills everything and removes the leaves. OK if they are gone already.
  absl::Status Remove(absl::Time deadline);
  // Number of OOM kills so far (0 if unknown).
  int64_t OomKills() const;
  bool Exists() const;

  const SandboxCgroupPaths& paths() const { return paths_; }

 private:
  CgroupHost host_;
  SandboxCgroupPaths paths_;
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_CGROUPS_H_

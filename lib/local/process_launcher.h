// The process launcher seam of the local provider: starts one process (in
// practice bwrap) with its output on pipes, after joining the given cgroups
// and dropping to the given uid. The real launcher forks from a dedicated
// long-lived thread so that --die-with-parent (PR_SET_PDEATHSIG, which
// follows the spawning *thread*) only fires when the service exits.
#ifndef SANDBOXD_LIB_LOCAL_PROCESS_LAUNCHER_H_
#define SANDBOXD_LIB_LOCAL_PROCESS_LAUNCHER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the executable's path
  // Drop to this uid (and the same gid, no supplementary groups) before
  // exec. Requires root; nullopt keeps the service's own ids.
  std::optional<uid_t> uid;
  // cgroup.procs files the child joins (write "0") before dropping
  // privileges; borrowed, must stay open during Launch.
  std::vector<int> cgroup_procs_fds;
  uint64_t max_file_bytes = 0;  // RLIMIT_FSIZE; 0 leaves it unchanged
  int info_fd_number = 3;       // the info pipe's fd number in the child
  // If not empty: these bytes (a seccomp program, for bwrap --seccomp) are
  // readable from fd `seccomp_fd_number` in the child, a sealed memfd.
  std::string seccomp_program;
  int seccomp_fd_number = 4;
};

// A started process. The caller owns (and must reap) `pid`.
struct LaunchedProcess {
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd stdout_fd;  // read ends, O_CLOEXEC
  UniqueFd stderr_fd;
  UniqueFd info_fd;
};

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  // Starts the process. Blocks until exec succeeded or failed. INTERNAL
  // with the errno text if fork, the cgroup join, the uid drop or exec fail.
  // Thread-safe.
  virtual absl::StatusOr<LaunchedProcess> Launch(const LaunchSpec& spec) = 0;
};

// The real launcher (fork + exec on its own thread).
std::unique_ptr<ProcessLauncher> MakeProcessLauncher();

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_PROCESS_LAUNCHER_H_

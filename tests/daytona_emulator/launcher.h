// Runs untrusted commands of emulated sandboxes: each command is
// `/bin/sh -c CMD` under bubblewrap (user/pid/ipc/uts namespaces, read-only
// /usr and /etc, the sandbox's host directory bound read-write as
// /home/daytona, host network shared so npm and previews work), dropped to
// an unprivileged uid when the emulator runs as root. Forks happen on one
// long-lived thread so --die-with-parent follows the emulator's life.
// Test-only; not part of sandboxd.
#ifndef SANDBOXD_TESTS_DAYTONA_EMULATOR_LAUNCHER_H_
#define SANDBOXD_TESTS_DAYTONA_EMULATOR_LAUNCHER_H_

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sandboxd::emulator {

inline constexpr char kSandboxHome[] = "/home/daytona";

struct LauncherOptions {
  std::string bwrap = "/usr/bin/bwrap";
  // Used only when the emulator runs as root.
  uid_t uid = 65534;
  gid_t gid = 65534;
  // Host directory bound read-write as every sandbox's npm cache (/tmp/.npm),
  // so repeated installs (e.g. in the e2e suite) share downloads; empty: a
  // fresh cache per command in the sandbox's /tmp.
  std::string npm_cache;
};

struct Spawned {
  pid_t pid = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;  // -1 when stderr is merged into stdout
};

// Thread-safety: Spawn may be called from any thread.
class Launcher {
 public:
  explicit Launcher(LauncherOptions options);
  ~Launcher();

  bool drops_privileges() const { return drop_; }
  const LauncherOptions& options() const { return options_; }

  // Starts `command` in the sandbox whose home is `host_dir`, working
  // directory `cwd` (inside the sandbox), with extra `env`.
  absl::StatusOr<Spawned> Spawn(const std::string& host_dir,
                                const std::string& cwd,
                                const std::string& command,
                                const std::map<std::string, std::string>& env,
                                bool merge_stderr);

 private:
  void Loop();

  const LauncherOptions options_;
  const bool drop_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

// Reads a spawned process's output until it exits (or `timeout` passes:
// then it is killed and `timed_out` is set). `on_output(is_stderr, bytes)` is
// called for every chunk read; `before_reap` once the process has exited but
// before its pid is released (so whoever may kill it by pid can forget it
// first). Returns the exit code (128+signal if killed).
int CollectProcess(
    const Spawned& spawned, absl::Duration timeout,
    const std::function<void(bool, const std::string&)>& on_output,
    const std::function<void()>& before_reap, bool* timed_out);

}  // namespace sandboxd::emulator

#endif  // SANDBOXD_TESTS_DAYTONA_EMULATOR_LAUNCHER_H_

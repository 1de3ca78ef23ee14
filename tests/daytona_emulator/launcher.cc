#include "tests/daytona_emulator/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <vector>

#include "absl/time/clock.h"

namespace sandboxd::emulator {
namespace {

std::vector<std::string> BwrapArgv(
    const std::string& bwrap, const std::string& npm_cache,
    const std::string& host_dir, const std::string& cwd,
    const std::string& command, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {bwrap,
                                   "--unshare-user",
                                   "--unshare-pid",
                                   "--unshare-ipc",
                                   "--unshare-uts",
                                   "--share-net",
                                   "--disable-userns",
                                   "--die-with-parent",
                                   "--new-session",
                                   "--hostname",
                                   "sandbox",
                                   "--ro-bind",
                                   "/usr",
                                   "/usr",
                                   "--symlink",
                                   "usr/bin",
                                   "/bin",
                                   "--symlink",
                                   "usr/sbin",
                                   "/sbin",
                                   "--symlink",
                                   "usr/lib",
                                   "/lib",
                                   "--symlink",
                                   "usr/lib64",
                                   "/lib64",
                                   "--ro-bind",
                                   "/etc",
                                   "/etc",
                                   "--proc",
                                   "/proc",
                                   "--dev",
                                   "/dev",
                                   "--tmpfs",
                                   "/tmp",
                                   "--bind",
                                   host_dir,
                                   kSandboxHome,
                                   "--chdir",
                                   cwd,
                                   "--clearenv",
                                   "--setenv",
                                   "HOME",
                                   kSandboxHome,
                                   "--setenv",
                                   "PATH",
                                   "/usr/local/bin:/usr/bin:/bin",
                                   "--setenv",
                                   "USER",
                                   "daytona",
                                   "--setenv",
                                   "npm_config_cache",
                                   "/tmp/.npm",
                                   "--setenv",
                                   "NEXT_TELEMETRY_DISABLED",
                                   "1"};
  if (!npm_cache.empty()) {
    argv.insert(argv.end(), {"--bind", npm_cache, "/tmp/.npm"});
  }
  for (const auto& [name, value] : env) {
    argv.insert(argv.end(), {"--setenv", name, value});
  }
  argv.insert(argv.end(), {"/bin/sh", "-c", command});
  return argv;
}

}  // namespace

Launcher::Launcher(LauncherOptions options)
    : options_(std::move(options)), drop_(geteuid() == 0) {
  thread_ = std::thread([this] { Loop(); });
}

Launcher::~Launcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Launcher::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

absl::StatusOr<Spawned> Launcher::Spawn(
    const std::string& host_dir, const std::string& cwd,
    const std::string& command, const std::map<std::string, std::string>& env,
    bool merge_stderr) {
  // Everything the child needs is prepared before fork (no allocation after).
  const std::vector<std::string> args = BwrapArgv(
      options_.bwrap, options_.npm_cache, host_dir, cwd, command, env);
  std::vector<char*> argv;
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  std::promise<absl::StatusOr<Spawned>> done;
  auto task = [&] {
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 ||
        (!merge_stderr && pipe2(err, O_CLOEXEC) != 0)) {
      done.set_value(
          absl::InternalError(std::string("pipe: ") + strerror(errno)));
      return;
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const bool drop = drop_;
    const uid_t uid = options_.uid;
    const gid_t gid = options_.gid;
    pid_t pid = fork();
    if (pid == 0) {
      dup2(devnull, 0);
      dup2(out[1], 1);
      dup2(merge_stderr ? out[1] : err[1], 2);
      close_range(3, ~0U, 0);
      // The emulator blocks SIGTERM/SIGINT and ignores SIGPIPE; sandboxed
      // programs get the defaults.
      signal(SIGPIPE, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      if (drop) {
        if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(uid, uid, uid) != 0) {
          _exit(126);
        }
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
    const int fork_errno = errno;
    close(devnull);
    close(out[1]);
    if (!merge_stderr) close(err[1]);
    if (pid < 0) {
      close(out[0]);
      if (!merge_stderr) close(err[0]);
      done.set_value(
          absl::InternalError(std::string("fork: ") + strerror(fork_errno)));
      return;
    }
    done.set_value(Spawned{pid, out[0], merge_stderr ? -1 : err[0]});
  };
  auto future = done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return absl::UnavailableError("launcher stopped");
    tasks_.push_back(task);
  }
  cv_.notify_all();
  return future.get();
}

int CollectProcess(
    const Spawned& spawned, absl::Duration timeout,
    const std::function<void(bool, const std::string&)>& on_output,
    const std::function<void()>& before_reap, bool* timed_out) {
  *timed_out = false;
  const absl::Time deadline = timeout == absl::ZeroDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + timeout;
  int fds[2] = {spawned.stdout_fd, spawned.stderr_fd};
  char buf[16384];
  for (;;) {
    pollfd pfds[2];
    int n = 0;
    bool is_err[2];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        pfds[n] = {fds[i], POLLIN, 0};
        is_err[n] = i == 1;
        ++n;
      }
    }
    if (n == 0) break;
    int wait_ms = 200;
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        *timed_out = true;
        kill(spawned.pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(
          std::min<int64_t>(200, absl::ToInt64Milliseconds(left) + 1));
    }
    int ready = poll(pfds, n, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (pfds[i].revents == 0) continue;
      ssize_t got = read(pfds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        on_output(is_err[i], std::string(buf, static_cast<size_t>(got)));
      } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        int& fd = is_err[i] ? fds[1] : fds[0];
        close(fd);
        fd = -1;
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(spawned.pid), &info,
                WEXITED | WNOWAIT) < 0 &&
         errno == EINTR) {
  }
  before_reap();
  int status = 0;
  while (waitpid(spawned.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace sandboxd::emulator

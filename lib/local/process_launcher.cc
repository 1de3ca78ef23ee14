#include "lib/local/process_launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/local/task_thread.h"

namespace sandboxd::local {
namespace {

absl::Status ErrnoError(std::string_view what, int err) {
  return absl::InternalError(
      absl::StrCat("launch: ", std::string(what), ": ", std::strerror(err)));
}

// A sealed memfd holding `bytes`, at an fd number of at least 64 (so that
// the child's dup2 onto its low numbers cannot overwrite it first).
absl::StatusOr<UniqueFd> MakeSealedMemfd(const std::string& bytes) {
  UniqueFd fd(
      ::memfd_create("sandboxd-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return ErrnoError("memfd_create", errno);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("write memfd", errno);
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0 ||
      ::fcntl(fd.get(), F_ADD_SEALS,
              F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    return ErrnoError("seal memfd", errno);
  }
  UniqueFd high(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 64));
  if (!high.valid()) return ErrnoError("dup", errno);
  return high;
}

absl::StatusOr<std::pair<UniqueFd, UniqueFd>> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe", errno);
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

// Everything the child needs, prepared before fork: after fork only
// async-signal-safe calls are allowed (the parent is multithreaded).
struct ChildPlan {
  std::vector<char*> argv;
  int stdin_fd, stdout_fd, stderr_fd, info_fd, error_fd;
  int info_fd_number;
  int seccomp_fd = -1;  // -1: none
  int seccomp_fd_number = -1;
  const std::vector<int>* cgroup_fds;
  std::optional<uid_t> uid;
  uint64_t max_file_bytes;
};

[[noreturn]] void ChildFail(int error_fd, int err) {
  (void)!::write(error_fd, &err, sizeof(err));
  ::_exit(127);
}

int MoveFd(int from, int to) {
  if (from == to) return ::fcntl(to, F_SETFD, 0);
  return ::dup2(from, to) < 0 ? -1 : 0;
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  // The sandbox dies if the spawning thread (the service) goes away.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  // Join the cgroups first, while still privileged: every descendant
  // inherits them, so nothing can fork outside the limits.
  for (int fd : *plan.cgroup_fds) {
    if (::write(fd, "0", 1) != 1) ChildFail(plan.error_fd, errno);
  }
  if (plan.max_file_bytes > 0) {
    struct rlimit limit = {plan.max_file_bytes, plan.max_file_bytes};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ChildFail(plan.error_fd, errno);
  }
  if (plan.uid.has_value()) {
    // Raw syscalls: they change only this (single) thread, without glibc's
    // multi-thread setxid machinery.
    uid_t id = *plan.uid;
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, id, id, id) != 0 ||
        ::syscall(SYS_setresuid, id, id, id) != 0) {
      ChildFail(plan.error_fd, errno);
    }
  }
  if (MoveFd(plan.stdin_fd, 0) != 0 || MoveFd(plan.stdout_fd, 1) != 0 ||
      MoveFd(plan.stderr_fd, 2) != 0 ||
      MoveFd(plan.info_fd, plan.info_fd_number) != 0) {
    ChildFail(plan.error_fd, errno);
  }
  int last_fd = plan.info_fd_number;
  if (plan.seccomp_fd >= 0) {
    if (MoveFd(plan.seccomp_fd, plan.seccomp_fd_number) != 0) {
      ChildFail(plan.error_fd, errno);
    }
    last_fd = std::max(last_fd, plan.seccomp_fd_number);
  }
  // Descriptors other threads opened without O_CLOEXEC must not leak in.
  ::syscall(SYS_close_range, last_fd + 1, ~0U, 4 /*CLOEXEC*/);
  static char kPath[] = "PATH=/usr/bin:/bin";
  char* envp[] = {kPath, nullptr};
  ::execve(plan.argv[0], plan.argv.data(), envp);
  ChildFail(plan.error_fd, errno);
}

class ThreadProcessLauncher final : public ProcessLauncher {
 public:
  absl::StatusOr<LaunchedProcess> Launch(const LaunchSpec& spec) override {
    if (spec.argv.empty()) return absl::InvalidArgumentError("launch: no argv");
    absl::StatusOr<LaunchedProcess> result;
    thread_.Run([&] { result = LaunchOnThisThread(spec); });
    return result;
  }

 private:
  static absl::StatusOr<LaunchedProcess> LaunchOnThisThread(
      const LaunchSpec& spec) {
    UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!dev_null.valid()) return ErrnoError("open /dev/null", errno);
    auto out = MakePipe();
    auto err = MakePipe();
    auto info = MakePipe();
    auto status = MakePipe();
    for (auto* pipe : {&out, &err, &info, &status}) {
      if (!pipe->ok()) return pipe->status();
    }
    std::vector<std::string> args = spec.argv;
    ChildPlan plan;
    for (std::string& arg : args) plan.argv.push_back(arg.data());
    plan.argv.push_back(nullptr);
    plan.stdin_fd = dev_null.get();
    plan.stdout_fd = out->second.get();
    plan.stderr_fd = err->second.get();
    plan.info_fd = info->second.get();
    // Above the fds the child overwrites, so a failure can still be told.
    UniqueFd error_fd(::fcntl(status->second.get(), F_DUPFD_CLOEXEC, 64));
    if (!error_fd.valid()) return ErrnoError("dup", errno);
    status->second = std::move(error_fd);
    plan.error_fd = status->second.get();
    plan.info_fd_number = spec.info_fd_number;
    UniqueFd seccomp;
    if (!spec.seccomp_program.empty()) {
      absl::StatusOr<UniqueFd> memfd = MakeSealedMemfd(spec.seccomp_program);
      if (!memfd.ok()) return memfd.status();
      seccomp = *std::move(memfd);
      plan.seccomp_fd = seccomp.get();
      plan.seccomp_fd_number = spec.seccomp_fd_number;
    }
    plan.cgroup_fds = &spec.cgroup_procs_fds;
    plan.uid = spec.uid;
    plan.max_file_bytes = spec.max_file_bytes;

    pid_t pid = ::fork();
    if (pid < 0) return ErrnoError("fork", errno);
    if (pid == 0) RunChild(plan);

    LaunchedProcess launched;
    launched.pid = pid;
    launched.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    status->second.reset();
    int child_errno = 0;
    ssize_t n;
    do {
      n = ::read(status->first.get(), &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      ::waitpid(pid, nullptr, 0);
      return ErrnoError(absl::StrCat("start ", spec.argv[0]), child_errno);
    }
    if (!launched.pidfd.valid()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return ErrnoError("pidfd_open", errno);
    }
    launched.stdout_fd = std::move(out->first);
    launched.stderr_fd = std::move(err->first);
    launched.info_fd = std::move(info->first);
    return launched;
  }

  TaskThread thread_;
};

}  // namespace

std::unique_ptr<ProcessLauncher> MakeProcessLauncher() {
  return std::make_unique<ThreadProcessLauncher>();
}

}  // namespace sandboxd::local

#include "lib/local/sandbox_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace sandboxd::local {
namespace {

constexpr size_t kTailLines = 60;
constexpr size_t kMaxLineBytes = 16 * 1024;

std::optional<uint64_t> JsonNumber(std::string_view json,
                                   std::string_view key) {
  std::string quoted = absl::StrCat("\"", std::string(key), "\"");
  size_t at = json.find(quoted);
  if (at == std::string_view::npos) return std::nullopt;
  at = json.find(':', at + quoted.size());
  if (at == std::string_view::npos) return std::nullopt;
  size_t begin = json.find_first_of("0123456789", at);
  if (begin == std::string_view::npos) return std::nullopt;
  size_t end = json.find_first_not_of("0123456789", begin);
  uint64_t value = 0;
  std::string_view digits = json.substr(begin, end - begin);
  if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()),
                        &value)) {
    return std::nullopt;
  }
  return value;
}

int PidfdSignal(int pidfd, int sig) {
  return static_cast<int>(
      ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace

absl::StatusOr<BwrapInfo> ParseBwrapInfo(std::string_view json) {
  BwrapInfo info;
  std::optional<uint64_t> pid = JsonNumber(json, "child-pid");
  if (!pid.has_value() || *pid == 0) {
    return absl::InternalError("bwrap: no child-pid in its info output");
  }
  info.child_pid = static_cast<pid_t>(*pid);
  info.net_namespace = JsonNumber(json, "net-namespace").value_or(0);
  return info;
}

SandboxProcess::SandboxProcess(LaunchedProcess launched)
    : launched_(std::move(launched)) {}

absl::StatusOr<std::unique_ptr<SandboxProcess>> SandboxProcess::Adopt(
    LaunchedProcess launched, OutputSink sink, absl::Time deadline) {
  std::unique_ptr<SandboxProcess> process(
      new SandboxProcess(std::move(launched)));
  process->SetSink(std::move(sink));
  // bwrap writes one JSON object to the info fd once the sandbox exists,
  // before the command produces output, so reading it before starting the
  // pump cannot fill the output pipes.
  std::string json;
  int fd = process->launched_.info_fd.get();
  bool timed_out = false;
  while (json.find('}') == std::string::npos) {
    int timeout_ms = static_cast<int>(std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    struct pollfd pfd = {fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    json.append(buf, static_cast<size_t>(n));
  }
  process->launched_.info_fd.reset();
  absl::StatusOr<BwrapInfo> info = ParseBwrapInfo(json);
  if (info.ok()) {
    process->init_pidfd_.reset(
        static_cast<int>(::syscall(SYS_pidfd_open, info->child_pid, 0)));
    UniqueFd netns(
        ::open(absl::StrCat("/proc/", info->child_pid, "/ns/net").c_str(),
               O_RDONLY | O_CLOEXEC));
    struct stat st;
    // The pid may already be gone (and reused) if the command exited at
    // once; the namespace inode from bwrap tells the right one apart.
    if (netns.valid() && ::fstat(netns.get(), &st) == 0 &&
        st.st_ino == info->net_namespace) {
      process->netns_fd_ = std::move(netns);
    }
  }
  process->pump_ = std::thread([p = process.get()] { p->Pump(); });
  if (timed_out) {
    return absl::DeadlineExceededError("bwrap: the sandbox did not start");
  }
  if (!info.ok()) {
    // bwrap failed to set the sandbox up: its reason is on stderr.
    process->Wait(CallContext(deadline));
    return absl::InternalError(
        absl::StrCat("bwrap: sandbox setup failed: ", process->Tail(10)));
  }
  return process;
}

SandboxProcess::~SandboxProcess() {
  if (!Exited()) {
    Kill("sandbox process released");
    if (!Wait(CallContext(absl::Now() + absl::Seconds(5))).has_value()) {
      KillTopLevel();
    }
  }
  if (pump_.joinable()) pump_.join();
}

void SandboxProcess::SetSink(OutputSink sink) {
  absl::MutexLock lock(&mu_);
  sink_ = std::move(sink);
}

void SandboxProcess::Emit(OutputStream stream, std::string_view line) {
  OnLine(stream, std::string(line));
}

void SandboxProcess::OnLine(OutputStream stream, std::string line) {
  absl::MutexLock lock(&mu_);
  if (sink_) sink_(stream, line);
  tail_.push_back(std::move(line));
  if (tail_.size() > kTailLines) tail_.pop_front();
}

void SandboxProcess::Pump() {
  struct Stream {
    int fd;
    OutputStream kind;
    std::string partial;
  };
  Stream streams[2] = {{launched_.stdout_fd.get(), OutputStream::kStdout, {}},
                       {launched_.stderr_fd.get(), OutputStream::kStderr, {}}};
  int open_streams = 2;
  while (open_streams > 0) {
    struct pollfd pfds[2];
    for (int i = 0; i < 2; ++i) pfds[i] = {streams[i].fd, POLLIN, 0};
    if (::poll(pfds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      Stream& s = streams[i];
      if (s.fd < 0 || pfds[i].revents == 0) continue;
      char buf[8192];
      ssize_t n = ::read(s.fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!s.partial.empty()) OnLine(s.kind, std::move(s.partial));
        s.partial.clear();
        s.fd = -1;
        --open_streams;
        continue;
      }
      s.partial.append(buf, static_cast<size_t>(n));
      size_t newline;
      while ((newline = s.partial.find('\n')) != std::string::npos ||
             s.partial.size() >= kMaxLineBytes) {
        size_t cut = newline == std::string::npos ? kMaxLineBytes : newline;
        OnLine(s.kind, s.partial.substr(0, cut));
        s.partial.erase(0, newline == std::string::npos ? cut : cut + 1);
      }
    }
  }
  int status = 0;
  while (::waitpid(launched_.pid, &status, 0) < 0 && errno == EINTR) {
  }
  // bwrap may exit as soon as the command does, before its init (the
  // sandbox's pid 1) has finished tearing the namespace down; the init is
  // then reparented to the host's pid 1, which reaps it. Report the exit
  // only once the init is gone too, so "exited" means the tree is dead.
  if (init_pidfd_.valid()) {
    struct pollfd pfd = {init_pidfd_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, 5000) == 0) PidfdSignal(init_pidfd_.get(), SIGKILL);
  }
  int code = WIFEXITED(status)     ? WEXITSTATUS(status)
             : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                   : 255;
  absl::MutexLock lock(&mu_);
  exit_code_ = code;
}

bool SandboxProcess::Exited() const {
  absl::MutexLock lock(&mu_);
  return exit_code_.has_value();
}

std::optional<int> SandboxProcess::Wait(const CallContext& ctx) const {
  absl::MutexLock lock(&mu_);
  absl::Condition exited(
      +[](std::optional<int>* code) { return code->has_value(); },
      const_cast<std::optional<int>*>(&exit_code_));
  // Wake up now and then to notice cancellation.
  while (!exit_code_.has_value() && !ctx.Done()) {
    mu_.AwaitWithTimeout(exited, absl::Milliseconds(100));
  }
  return exit_code_;
}

void SandboxProcess::Kill(std::string reason) {
  {
    absl::MutexLock lock(&mu_);
    if (exit_code_.has_value()) return;
    if (kill_reason_.empty()) kill_reason_ = std::move(reason);
  }
  // Only the init: its death kills the whole pid namespace, and the
  // top-level bwrap then reaps it and exits. Killing both at once would
  // orphan the init's zombie to the host's pid 1.
  if (init_pidfd_.valid()) {
    PidfdSignal(init_pidfd_.get(), SIGKILL);
  } else {
    PidfdSignal(launched_.pidfd.get(), SIGKILL);
  }
}

void SandboxProcess::KillTopLevel() {
  PidfdSignal(launched_.pidfd.get(), SIGKILL);
}

std::string SandboxProcess::kill_reason() const {
  absl::MutexLock lock(&mu_);
  return kill_reason_;
}

std::string SandboxProcess::Tail(size_t n) const {
  absl::MutexLock lock(&mu_);
  size_t start = tail_.size() > n ? tail_.size() - n : 0;
  return absl::StrJoin(tail_.begin() + start, tail_.end(), "\n");
}

}  // namespace sandboxd::local

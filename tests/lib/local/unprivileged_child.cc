#include "tests/lib/local/unprivileged_child.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sandboxd::local::testing {

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadAll(int fd) {
  std::string out;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

ChildResult RunUnprivileged(const std::function<std::string()>& body) {
  ChildResult result;
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    result.report = absl::StrCat("pipe: ", std::strerror(errno));
    return result;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    result.report = absl::StrCat("fork: ", std::strerror(errno));
    return result;
  }
  if (pid == 0) {
    ::close(report[0]);
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 ||
                             ::setresgid(kUnprivilegedUid, kUnprivilegedUid,
                                         kUnprivilegedUid) != 0 ||
                             ::setresuid(kUnprivilegedUid, kUnprivilegedUid,
                                         kUnprivilegedUid) != 0)) {
      WriteAll(report[1], absl::StrCat("drop to uid ", kUnprivilegedUid, ": ",
                                       std::strerror(errno)));
      _exit(1);
    }
    // Changing uids clears "dumpable", which hides /proc/<pid>/ns.
    ::prctl(PR_SET_DUMPABLE, 1);
    std::string failures = body();
    WriteAll(report[1], failures);
    _exit(failures.starts_with(kSkipPrefix) ? kSkipExitCode
          : failures.empty()                ? 0
                                            : 1);
  }
  ::close(report[1]);
  result.report = ReadAll(report[0]);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return result;
}

}  // namespace sandboxd::local::testing

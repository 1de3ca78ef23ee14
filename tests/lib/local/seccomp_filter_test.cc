// The seccomp program, loaded for real into a forked child (no root needed:
// no_new_privs allows an unprivileged filter).
#include "lib/local/seccomp_filter.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

#if defined(__x86_64__) || defined(__aarch64__)

// Runs `body` in a forked child under the filter; the child's exit code.
template <class Fn>
int InFilteredChild(Fn body) {
  const std::string program = SeccompProgram();
  pid_t pid = ::fork();
  if (pid == 0) {
    sock_fprog fprog = {
        static_cast<unsigned short>(program.size() / sizeof(sock_filter)),
        reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()))};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
      ::_exit(100);
    }
    ::_exit(body());
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  if (WIFSIGNALED(status)) return 200 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

long Number(std::string_view name) {
  for (const BlockedSyscall& call : BlockedSyscalls()) {
    if (call.name == name) return call.number;
  }
  return -1;
}

TEST(SeccompFilterTest, ListsTheDangerousCallsOnce) {
  std::set<std::string_view> names;
  std::set<long> numbers;
  for (const BlockedSyscall& call : BlockedSyscalls()) {
    EXPECT_TRUE(names.insert(call.name).second) << call.name;
    EXPECT_TRUE(numbers.insert(call.number).second) << call.name;
  }
  for (const char* name : {"keyctl", "bpf", "perf_event_open", "userfaultfd",
                           "io_uring_setup", "ptrace", "mount", "unshare",
                           "setns", "open_by_handle_at", "kexec_load"}) {
    EXPECT_TRUE(names.contains(name)) << name;
  }
  // One header block, two instructions per call, one final allow.
  const size_t instructions = SeccompProgram().size() / sizeof(sock_filter);
  EXPECT_EQ(SeccompProgram().size() % sizeof(sock_filter), 0u);
  EXPECT_GE(instructions, 2 * BlockedSyscalls().size() + 5);
  EXPECT_LE(instructions, 2 * BlockedSyscalls().size() + 7);
}

TEST(SeccompFilterTest, RefusedCallsFailWithTheirErrnoOthersWork) {
  // Each probe exits 0 when the call behaved as expected.
  for (const BlockedSyscall& call : BlockedSyscalls()) {
    // Arguments that would be harmless (or invalid) even if allowed.
    int code = InFilteredChild([&call] {
      long r = ::syscall(call.number, -1L, 0L, 0L, 0L, 0L, 0L);
      return r == -1 && errno == call.error ? 0 : 1;
    });
    EXPECT_EQ(code, 0) << call.name << " was not refused with errno "
                       << call.error;
  }
  // Files still work, and the kernel reports the filter (mode 2).
  EXPECT_EQ(InFilteredChild([] {
              FILE* f = std::fopen("/proc/self/status", "r");
              if (f == nullptr) return 1;
              char line[256];
              bool filtered = false;
              while (std::fgets(line, sizeof line, f) != nullptr) {
                if (std::string(line) == "Seccomp:\t2\n") filtered = true;
              }
              std::fclose(f);
              return filtered ? 0 : 2;
            }),
            0);
  // Processes (clone) still work under the filter.
  EXPECT_EQ(InFilteredChild([] {
              pid_t child = ::fork();
              if (child == 0) ::_exit(7);
              int status = 0;
              return ::waitpid(child, &status, 0) == child &&
                             WEXITSTATUS(status) == 7
                         ? 0
                         : 1;
            }),
            0);
}

TEST(SeccompFilterTest, IoUringIsEnosysSoLibuvFallsBack) {
  const long nr = Number("io_uring_setup");
  ASSERT_GT(nr, 0);
  EXPECT_EQ(InFilteredChild([nr] {
              long r = ::syscall(nr, 8L, nullptr);
              return r == -1 && errno == ENOSYS ? 0 : 1;
            }),
            0);
}

#if defined(__x86_64__)
TEST(SeccompFilterTest, X32CallsAreKilled) {
  // getpid through the x32 table: the process is killed (SIGSYS).
  EXPECT_EQ(InFilteredChild([] {
              ::syscall(0x40000000L | SYS_getpid);
              return 0;
            }),
            200 + SIGSYS);
}
#endif

#else
TEST(SeccompFilterTest, NoFilterOnThisArchitecture) {
  EXPECT_TRUE(SeccompProgram().empty());
}
#endif

}  // namespace
}  // namespace sandboxd::local

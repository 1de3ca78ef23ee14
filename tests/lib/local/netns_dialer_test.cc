// NetnsDialer's unprivileged mode (method (c'), lib/local/netns_helper.h),
// end to end with the kernel: a process running as an unprivileged uid
// (65534 when the test runs as root) starts an echo server in a network
// namespace owned by its own new user namespace (as bwrap does for a
// sandbox), then dials it through the helper.
//
// Each scenario runs in a forked child (tests/lib/local/unprivileged_child.h)
// and reports its failures through a pipe. Needs unprivileged user namespaces
// (skipped if unavailable).
#include "lib/local/netns_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/local/unprivileged_child.h"

namespace sandboxd::local {
namespace {

using ::sandboxd::local::testing::ChildResult;
using ::sandboxd::local::testing::kSkipExitCode;
using ::sandboxd::local::testing::kSkipPrefix;
using ::sandboxd::local::testing::ReadAll;
using ::sandboxd::local::testing::RunUnprivileged;
using ::sandboxd::local::testing::WriteAll;

// Reads until `want` bytes or EOF.
std::string ReadN(int fd, size_t want) {
  std::string out;
  char buffer[256];
  while (out.size() < want) {
    ssize_t n = ::read(fd, buffer, std::min(sizeof(buffer), want - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// An echo server in a new user + network namespace (a child process):
// answers each connection's first line with "echo:<line>". `closed_port` is
// bound but not listening, so connects there are refused.
struct NamespacedServer {
  pid_t pid = -1;
  int port = 0;
  int closed_port = 0;
  std::string error;  // "SKIP: ..." if user namespaces are unavailable

  ~NamespacedServer() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

[[noreturn]] void ServeEcho(int ready_fd) {
  auto fail = [ready_fd](const std::string& what) {
    WriteAll(ready_fd, absl::StrCat("ERR ", what, ": ", std::strerror(errno)));
    _exit(1);
  };
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
    WriteAll(ready_fd,
             absl::StrCat(kSkipPrefix, "unshare(CLONE_NEWUSER|NEWNET): ",
                          std::strerror(errno)));
    _exit(kSkipExitCode);
  }
  // A new netns has its loopback down (bwrap brings it up the same way).
  int ctl = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ctl < 0 || ::ioctl(ctl, SIOCGIFFLAGS, &ifr) != 0) fail("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (::ioctl(ctl, SIOCSIFFLAGS, &ifr) != 0) fail("SIOCSIFFLAGS lo up");
  auto bound = [&](bool listen_too) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        (listen_too && ::listen(s, 64) != 0) ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      fail("listener");
    }
    return std::make_pair(s, static_cast<int>(ntohs(addr.sin_port)));
  };
  auto [listener, port] = bound(true);
  auto [unused, closed_port] = bound(false);
  (void)unused;
  WriteAll(ready_fd, absl::StrCat("OK ", port, " ", closed_port, "\n"));
  ::close(ready_fd);
  while (true) {
    int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    std::string line;
    char c;
    while (::read(conn, &c, 1) == 1 && c != '\n') line.push_back(c);
    WriteAll(conn, absl::StrCat("echo:", line, "\n"));
    ::close(conn);
  }
}

void StartServer(NamespacedServer& server) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    server.error = "pipe";
    return;
  }
  server.pid = ::fork();
  if (server.pid == 0) {
    ::close(ready[0]);
    ServeEcho(ready[1]);
  }
  ::close(ready[1]);
  std::string line;
  char c;
  while (::read(ready[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  ::close(ready[0]);
  if (line.rfind("OK ", 0) != 0 ||
      std::sscanf(line.c_str(), "OK %d %d", &server.port,
                  &server.closed_port) != 2) {
    server.error = line.empty() ? "the server died" : line;
  }
}

// Sends "<word>\n" on `fd`, returns the answer line.
std::string Echo(int fd, const std::string& word) {
  if (!WriteAll(fd, word + "\n")) return "write failed";
  std::string want = absl::StrCat("echo:", word, "\n");
  return ReadN(fd, want.size());
}

// The scenario, run as the unprivileged uid. Returns failures, one a line.
std::string DialThroughHelper() {
  std::string failures;
  auto check = [&failures](bool ok, const std::string& what) {
    if (!ok) absl::StrAppend(&failures, what, "\n");
  };
  NamespacedServer server;
  StartServer(server);
  if (!server.error.empty()) return server.error;
  const std::string ns_path = absl::StrCat("/proc/", server.pid, "/ns/net");
  int netns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns < 0) return absl::StrCat("open ", ns_path, ": ", strerror(errno));

  absl::StatusOr<std::unique_ptr<NetnsDialer>> dialer = NetnsDialer::Make();
  if (!dialer.ok()) return absl::StrCat("Make: ", dialer.status().ToString());
  check((*dialer)->mode() == NetnsDialer::Mode::kHelper,
        "Make() as non-root must pick the helper mode");

  // The bytes go through, to the server inside the namespace.
  absl::StatusOr<UniqueFd> fd =
      (*dialer)->Dial(netns, server.port, absl::Seconds(10));
  if (!fd.ok()) return absl::StrCat("Dial: ", fd.status().ToString());
  check((::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0, "not close-on-exec");
  check((::fcntl(fd->get(), F_GETFL) & O_NONBLOCK) == 0, "not blocking");
  std::string answer = Echo(fd->get(), "hello");
  check(answer == "echo:hello\n", absl::StrCat("echo answered: ", answer));

  // Nothing listens: UNAVAILABLE, and the helper stays usable.
  absl::StatusOr<UniqueFd> refused =
      (*dialer)->Dial(netns, server.closed_port, absl::Seconds(10));
  check(absl::IsUnavailable(refused.status()),
        absl::StrCat("closed port: ", refused.status().ToString()));

  // A netns this uid does not own (the host's): an error, never a socket
  // in the wrong namespace.
  int host_netns = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  absl::StatusOr<UniqueFd> host =
      (*dialer)->Dial(host_netns, server.port, absl::Seconds(10));
  check(absl::IsInternal(host.status()),
        absl::StrCat("host netns: ", host.status().ToString()));
  ::close(host_netns);

  // Cost of a dial (printed, not asserted: the machine is shared).
  const absl::Time start = absl::Now();
  constexpr int kDials = 50;
  for (int i = 0; i < kDials; ++i) {
    absl::StatusOr<UniqueFd> c =
        (*dialer)->Dial(netns, server.closed_port, absl::Seconds(10));
    check(absl::IsUnavailable(c.status()),
          "timing dial: " + c.status().ToString());
  }
  std::cerr << "helper dial (refused, no I/O): "
            << (absl::Now() - start) / kDials << " each\n";

  // Concurrent dials are all answered, in order.
  std::vector<std::thread> threads;
  std::vector<std::string> answers(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        absl::StatusOr<UniqueFd> c =
            (*dialer)->Dial(netns, server.port, absl::Seconds(10));
        std::string word = absl::StrCat("t", t, "i", i);
        std::string got = c.ok() ? Echo(c->get(), word) : c.status().ToString();
        if (got != absl::StrCat("echo:", word, "\n")) answers[t] += got;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& a : answers) check(a.empty(), "concurrent: " + a);

  ::close(netns);
  return failures;
}

TEST(NetnsDialerTest, UnprivilegedHelperDialsIntoOwnedNamespace) {
  ChildResult result = RunUnprivileged(DialThroughHelper);
  if (result.exit_code == kSkipExitCode) GTEST_SKIP() << result.report;
  EXPECT_EQ(result.report, "");
  EXPECT_EQ(result.exit_code, 0);
}

// Pids whose parent is this process.
std::vector<pid_t> Children() {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    int fd = ::open((entry.path() / "stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string stat = ReadAll(fd);
    ::close(fd);
    // "pid (comm) state ppid ...": comm may hold spaces, so parse after ')'.
    size_t paren = stat.rfind(')');
    char state;
    int ppid = 0;
    if (paren != std::string::npos &&
        std::sscanf(stat.c_str() + paren + 1, " %c %d", &state, &ppid) == 2 &&
        ppid == ::getpid() && state != 'Z') {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

// The helper is killed: the next dial starts a new one and works.
std::string SurvivesHelperDeath() {
  NamespacedServer server;
  StartServer(server);
  if (!server.error.empty()) return server.error;
  const std::string ns_path = absl::StrCat("/proc/", server.pid, "/ns/net");
  int netns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns < 0) return absl::StrCat("open ", ns_path, ": ", strerror(errno));
  absl::StatusOr<std::unique_ptr<NetnsDialer>> dialer =
      NetnsDialer::Make(NetnsDialer::Mode::kHelper);
  if (!dialer.ok()) return dialer.status().ToString();
  absl::StatusOr<UniqueFd> first =
      (*dialer)->Dial(netns, server.port, absl::Seconds(10));
  if (!first.ok()) return "first dial: " + first.status().ToString();
  // The server answers one connection at a time: finish this one.
  if (std::string got = Echo(first->get(), "first"); got != "echo:first\n") {
    return "first echo: " + got;
  }
  first->reset();
  std::vector<pid_t> helpers;
  for (pid_t pid : Children()) {
    if (pid != server.pid) helpers.push_back(pid);
  }
  if (helpers.size() != 1) {
    return absl::StrCat("expected one helper process, found ", helpers.size());
  }
  ::kill(helpers[0], SIGKILL);
  absl::StatusOr<UniqueFd> second =
      (*dialer)->Dial(netns, server.port, absl::Seconds(10));
  std::string failures;
  if (!second.ok()) {
    failures = "dial after the helper died: " + second.status().ToString();
  } else if (std::string got = Echo(second->get(), "again");
             got != "echo:again\n") {
    failures = "echo after the helper died: " + got;
  }
  ::close(netns);
  return failures;
}

TEST(NetnsDialerTest, ReplacesADeadHelper) {
  ChildResult result = RunUnprivileged(SurvivesHelperDeath);
  if (result.exit_code == kSkipExitCode) GTEST_SKIP() << result.report;
  EXPECT_EQ(result.report, "");
  EXPECT_EQ(result.exit_code, 0);
}

TEST(NetnsDialerTest, RootModeStillNeedsRoot) {
  if (::geteuid() == 0) {
    absl::StatusOr<std::unique_ptr<NetnsDialer>> dialer = NetnsDialer::Make();
    ASSERT_TRUE(dialer.ok()) << dialer.status();
    EXPECT_EQ((*dialer)->mode(), NetnsDialer::Mode::kSetnsThread);
  }
  ChildResult result = RunUnprivileged([] {
    absl::StatusOr<std::unique_ptr<NetnsDialer>> dialer =
        NetnsDialer::Make(NetnsDialer::Mode::kSetnsThread);
    return absl::IsFailedPrecondition(dialer.status())
               ? std::string()
               : "kSetnsThread as non-root: " + dialer.status().ToString();
  });
  EXPECT_EQ(result.report, "");
  EXPECT_EQ(result.exit_code, 0);
}

}  // namespace
}  // namespace sandboxd::local

// The escape suite: each case runs hostile code inside a real sandbox and
// checks that it is contained and that the host is unaffected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/local/fs_util.h"
#include "lib/local/local_provider.h"
#include "lib/local/seccomp_filter.h"
#include "tests/lib/local/local_test_env.h"

namespace sandboxd::local {
namespace {

using ::sandboxd::local::testing::LineCollector;
using ::sandboxd::local::testing::LocalTestEnv;
using ::sandboxd::local::testing::Within;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint64_t kMemoryLimit = 256ull << 20;
constexpr uint64_t kDiskBudget = 64ull << 20;
constexpr int64_t kPidsLimit = 64;
constexpr char kSecret[] = "s2-secret-7f3a";
constexpr char kFingerprint[] = "eeeeffff00001111";

// True if the host can still start a process.
bool HostCanFork() {
  pid_t pid;
  char arg0[] = "/bin/true";
  char* argv[] = {arg0, nullptr};
  if (posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, nullptr) != 0) {
    return false;
  }
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

// A listening socket on the host's 127.0.0.1 that sandboxes must not reach.
class HostListener {
 public:
  HostListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 &&
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::listen(fd_, 8) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~HostListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  // -1 if the socket could not be set up.
  int port() const { return port_; }
  // Whether a connection is waiting to be accepted.
  bool WasConnected() const {
    pollfd pfd = {fd_, POLLIN, 0};
    return ::poll(&pfd, 1, 0) != 0;
  }

 private:
  int fd_;
  int port_ = -1;
};

class EscapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    env_ = LocalTestEnv::Make([](LocalProviderOptions& options) {
      options.limits.memory_bytes_dev = kMemoryLimit;
      options.limits.pids = kPidsLimit;
      options.limits.disk_bytes = kDiskBudget;
      options.limits.tmp_bytes = 16 << 20;
      // The disk watchdog's overshoot is what one check interval can write.
      options.disk_check_interval = absl::Milliseconds(100);
    });
    ASSERT_NE(env_, nullptr);
    ASSERT_TRUE(env_->Create("s1", {{"package.json", "{}"}}).ok());
    ASSERT_TRUE(env_->Create("s2", {{"secret.txt", kSecret}}).ok());
    scaffold::BuildPlan plan;
    plan.install_command =
        "mkdir -p node_modules/pkg && echo 'module.exports=1' > "
        "node_modules/pkg/index.js";
    plan.dependency_fingerprint = kFingerprint;
    ASSERT_TRUE(
        provider()
            .InstallDependencies("s1", plan, nullptr, Within(absl::Seconds(60)))
            .ok());
  }
  void TearDown() override {
    if (env_ == nullptr) return;
    EXPECT_TRUE(HostCanFork());
  }

  LocalProvider& provider() { return env_->provider(); }

  // Runs `command` in s1; returns exit code and all output.
  std::pair<int, std::string> RunInS1(
      const std::string& command, absl::Duration timeout = absl::Seconds(60)) {
    LineCollector out;
    absl::StatusOr<int> code =
        provider().RunCommand("s1", command, {}, out.sink(), Within(timeout));
    EXPECT_TRUE(code.ok()) << code.status();
    return {code.value_or(-1), out.Text()};
  }

  std::unique_ptr<LocalTestEnv> env_;
};

TEST_F(EscapeTest, CannotReadHostShadow) {
  auto [code, out] = RunInS1("cat /etc/shadow; ls /root /home /var /sys 2>&1");
  EXPECT_NE(code, 0);
  EXPECT_THAT(out, Not(HasSubstr("root:")));
  EXPECT_THAT(out, HasSubstr("No such file"));
}

TEST_F(EscapeTest, CannotReadTheServiceDataDirOrAnotherSandbox) {
  const std::string root = env_->options().root_dir;
  auto [code, out] = RunInS1(
      absl::StrCat("ls ", root, " 2>&1; cat ", provider().ProjectDir("s2"),
                   "/secret.txt 2>&1; cat /proc/*/root/app/secret.txt 2>&1; "
                   "find / -xdev -name secret.txt 2>/dev/null; echo done"));
  EXPECT_THAT(out, Not(HasSubstr(kSecret)));
  EXPECT_THAT(out, HasSubstr("done"));
  // Sanity: the secret is really there on the host.
  absl::StatusOr<std::string> secret =
      ReadSmallFile(provider().ProjectDir("s2") + "/secret.txt");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(*secret, kSecret);
}

TEST_F(EscapeTest, SeesNoHostOrOtherSandboxProcesses) {
  // s2 runs a recognizable process meanwhile.
  std::thread other([&] {
    provider()
        .RunCommand("s2", "exec sleep 4242", {}, nullptr,
                    Within(absl::Seconds(8)))
        .IgnoreError();
  });
  absl::SleepFor(absl::Seconds(1));
  auto [code, out] = RunInS1(
      "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done; "
      "echo count=$(ls -d /proc/[0-9]* | wc -l)");
  other.join();
  EXPECT_THAT(out, Not(HasSubstr("sleep 4242")));
  EXPECT_THAT(out, Not(HasSubstr("local_escape_test")));
  EXPECT_THAT(out, HasSubstr("count="));
  int count = std::atoi(out.substr(out.find("count=") + 6).c_str());
  EXPECT_LE(count, 6) << out;
}

TEST_F(EscapeTest, CannotReachHostLoopbackOrTheOutsideWorld) {
  // A port the test opens on the host's 127.0.0.1.
  HostListener host;
  ASSERT_GE(host.port(), 0);
  const int port = host.port();

  const std::string probe =
      "const [h,p]=process.argv.slice(1);const s=require('net').connect(+p,h);"
      "s.setTimeout(3000,()=>{console.log('RESULT',h,'TIMEOUT');process.exit(2)"
      "});"
      "s.on('connect',()=>{console.log('RESULT',h,'CONNECTED');process.exit(0)}"
      ");"
      "s.on('error',e=>{console.log('RESULT',h,e.code);process.exit(1)})";
  auto [code, out] = RunInS1(absl::StrCat(
      "for target in '127.0.0.1 ", port,
      "' '1.1.1.1 443' '10.255.255.53 53'; do "
      "node -e \"",
      probe,
      "\" $target; done; "
      "node -e \"require('dns').lookup('registry.npmjs.org',(e,a)=>"
      "console.log('DNS',e?e.code:a))\""));
  EXPECT_THAT(out, Not(HasSubstr("CONNECTED")));
  EXPECT_THAT(out, HasSubstr(absl::StrCat("RESULT 127.0.0.1 ECONNREFUSED")));
  EXPECT_THAT(out, HasSubstr("RESULT 1.1.1.1 ENETUNREACH"));
  EXPECT_THAT(out, HasSubstr("DNS E"));  // ENOTFOUND / EAI_AGAIN: no resolver
  // The host listener never saw a connection.
  EXPECT_FALSE(host.WasConnected());
}

TEST_F(EscapeTest, KernelAttackSurfaceIsFiltered) {
  // The sandbox runs under sandboxd's seccomp filter, with no_new_privs.
  auto [code, status] = RunInS1(
      "grep -E '^(Seccomp|NoNewPrivs):' "
      "/proc/self/status");
  EXPECT_EQ(code, 0) << status;
  EXPECT_THAT(status, HasSubstr("Seccomp:\t2"));
  EXPECT_THAT(status, HasSubstr("NoNewPrivs:\t1"));
  if (::access("/usr/bin/python3", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/python3 to make raw system calls with";
  }
  // Raw calls from inside: each refused one fails with its errno.
  std::string calls;
  for (const BlockedSyscall& call : BlockedSyscalls()) {
    absl::StrAppend(&calls, "(\"", std::string(call.name), "\",", call.number,
                    ",", call.error, "),");
  }
  // Single-quoted for sh: the Python code uses double quotes only.
  auto [probe_code, out] = RunInS1(absl::StrCat(R"(python3 -c 'import ctypes
libc = ctypes.CDLL(None, use_errno=True)
m = ctypes.c_long(-1)
for name, nr, want in [)",
                                                calls, R"(]:
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), m, m, m, m, m, m)
    e = ctypes.get_errno()
    ok = r == -1 and e == want
    print(name, "REFUSED" if ok else "ALLOWED r=%d errno=%d" % (r, e))
print("DONE")')"));
  EXPECT_EQ(probe_code, 0) << out;
  EXPECT_THAT(out, HasSubstr("DONE"));
  EXPECT_THAT(out, Not(HasSubstr("ALLOWED")));
  for (const BlockedSyscall& call : BlockedSyscalls()) {
    EXPECT_THAT(out,
                HasSubstr(absl::StrCat(std::string(call.name), " REFUSED")));
  }
}

TEST_F(EscapeTest, AnInstallSandboxReachesOnlyTheRegistry) {
  // npm, and any dependency spec a registry package declares (a tarball
  // URL, a git host), must not reach the host, the metadata service or the
  // network: install sandboxes have their own netns and a tunnel that
  // opens to the registry only.
  HostListener host;
  ASSERT_GE(host.port(), 0);
  const std::string port = absl::StrCat(host.port());

  const std::string probe = absl::StrCat(
      "const net=require('net');"
      "const tcp=(h,p)=>new Promise(r=>{const s=net.connect(+p,h);"
      "s.setTimeout(3000,()=>{r('TIMEOUT');s.destroy()});"
      "s.on('connect',()=>{r('CONNECTED');s.destroy()});"
      "s.on('error',e=>r(e.code))});"
      "const tunnel=t=>new Promise(r=>{const s=net.connect(3128,'127.0.0.1',"
      "()=>s.write('CONNECT '+t+' HTTP/1.1\\r\\n\\r\\n'));let b='';"
      "s.on('data',d=>{b+=d;const i=b.indexOf('\\r\\n');"
      "if(i>=0){r(b.slice(0,i));s.destroy()}});"
      "s.on('error',e=>r(e.code));"
      "s.setTimeout(20000,()=>{r('TIMEOUT');s.destroy()})});"
      "(async()=>{"
      "console.log('HOST',await tcp('127.0.0.1',",
      port,
      "));"
      "console.log('OUT',await tcp('1.1.1.1',443));"
      "console.log('TUN-HOST',await tunnel('127.0.0.1:",
      port,
      "'));"
      "console.log('TUN-META',await tunnel('169.254.169.254:80'));"
      "console.log('TUN-REG',await tunnel('registry.npmjs.org:443'));"
      "})()");
  scaffold::BuildPlan plan;
  plan.install_command =
      absl::StrCat("node -e \"", probe, "\"; mkdir -p node_modules");
  plan.dependency_fingerprint = "aaaabbbb00002222";
  LineCollector out;
  ASSERT_TRUE(provider()
                  .InstallDependencies("s1", plan, out.sink(),
                                       Within(absl::Seconds(90)))
                  .ok())
      << out.Text();
  const std::string text = out.Text();
  EXPECT_THAT(text, HasSubstr("HOST ECONNREFUSED"));
  EXPECT_THAT(text, HasSubstr("OUT ENETUNREACH"));
  EXPECT_THAT(text, HasSubstr("TUN-HOST HTTP/1.1 403 Forbidden"));
  EXPECT_THAT(text, HasSubstr("TUN-META HTTP/1.1 403 Forbidden"));
  EXPECT_THAT(text, HasSubstr("TUN-REG HTTP/1.1 200 Connection Established"));
  EXPECT_FALSE(host.WasConnected());
}

TEST_F(EscapeTest, ForkBombIsContainedByThePidsLimit) {
  LineCollector out;
  absl::StatusOr<int> code =
      provider().RunCommand("s1", "b(){ b|b & }; b; sleep 3; echo survived", {},
                            out.sink(), Within(absl::Seconds(20)));
  EXPECT_TRUE(code.ok() ||
              code.status().code() == absl::StatusCode::kDeadlineExceeded)
      << code.status();
  EXPECT_TRUE(HostCanFork());
  std::string events = env_->CgroupFile("s1", "pids", "pids.events");
  EXPECT_THAT(events, HasSubstr("max ")) << events;
  EXPECT_THAT(events, Not(HasSubstr("max 0"))) << events;
  EXPECT_EQ(env_->CgroupFile("s1", "pids", "cgroup.procs"), "");
}

TEST_F(EscapeTest, MemoryHogIsKilledByTheMemoryLimit) {
  auto [code, out] = RunInS1(
      "node -e \"const a=[];setInterval(()=>{a.push(Buffer.alloc(16<<20,1));"
      "console.log('MiB',a.length*16)},20)\"");
  EXPECT_EQ(code, 137) << out;
  std::string oom = env_->CgroupFile("s1", "memory", "memory.oom_control");
  EXPECT_THAT(oom, Not(HasSubstr("oom_kill 0"))) << oom;
  std::string max_usage =
      env_->CgroupFile("s1", "memory", "memory.max_usage_in_bytes");
  EXPECT_LE(std::stoull(max_usage), kMemoryLimit);
}

TEST_F(EscapeTest, DiskFillPastTheBudgetIsStopped) {
  // One big file: RLIMIT_FSIZE stops it at the budget.
  auto [code, out] =
      RunInS1("head -c 200000000 /dev/zero > big; echo rc=$?; rm -f big");
  EXPECT_THAT(out, Not(HasSubstr("rc=0")));
  // Many files: the watchdog kills the command.
  LineCollector lines;
  absl::StatusOr<int> filled = provider().RunCommand(
      "s1",
      "i=0; while true; do head -c 4000000 /dev/zero > f$i || exit 9; "
      "i=$((i+1)); done",
      {}, lines.sink(), Within(absl::Seconds(60)));
  EXPECT_EQ(filled.status().code(), absl::StatusCode::kResourceExhausted)
      << filled.status() << lines.Text();
  EXPECT_THAT(std::string(filled.status().message()),
              HasSubstr("disk budget exceeded"));
  EXPECT_THAT(lines.Text(), HasSubstr("disk budget exceeded"));
  absl::StatusOr<uint64_t> used = DiskUsage(provider().ProjectDir("s1"));
  ASSERT_TRUE(used.ok());
  EXPECT_LT(*used, 4 * kDiskBudget);
  for (int pid : env_->ProcessesOfUid(env_->UidOf("s1"))) {
    ADD_FAILURE() << "left: "
                  << *ReadSmallFile(absl::StrCat("/proc/", pid, "/status"));
  }
}

TEST_F(EscapeTest, CannotWriteTheSharedDependencyStoreOrSystemDirs) {
  auto [code, out] = RunInS1(
      "echo hacked > node_modules/pkg/index.js; echo rc1=$?; "
      "touch node_modules/new; echo rc2=$?; rm -rf node_modules/pkg; echo "
      "rc3=$?; "
      "touch /usr/x; echo rc4=$?; mkdir /etc/x; echo rc5=$?; "
      "unshare -U true; echo rc6=$?; touch /x; echo rc7=$?; "
      "node -e \"console.log('pkg', require('pkg'))\"");
  for (const char* rc :
       {"rc1=0", "rc2=0", "rc3=0", "rc4=0", "rc5=0", "rc6=0", "rc7=0"}) {
    EXPECT_THAT(out, Not(HasSubstr(rc))) << out;
  }
  EXPECT_THAT(out, HasSubstr("Read-only file system"));
  EXPECT_THAT(out, HasSubstr("pkg 1"));
  absl::StatusOr<std::string> index =
      ReadSmallFile(env_->options().root_dir + "/deps/" + kFingerprint +
                    "/node_modules/pkg/index.js");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, "module.exports=1\n");
}

}  // namespace
}  // namespace sandboxd::local

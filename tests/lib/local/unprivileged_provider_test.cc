// The local provider's unprivileged mode (lib/local/README.md): sandboxd as
// a non-root uid runs sandboxes in bwrap's user namespace with its own uid,
// without cgroups (no delegated subtree here), and reaches the app through
// the (c') netns helper. Runs the provider in a forked child as uid 65534
// (tests/lib/local/unprivileged_child.h); the app is a plain node HTTP
// server, so no npm is involved.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/local/fs_util.h"
#include "lib/local/http_probe.h"
#include "lib/local/local_provider.h"
#include "tests/lib/local/unprivileged_child.h"

namespace sandboxd::local {
namespace {

using ::sandboxd::local::testing::ChildResult;
using ::sandboxd::local::testing::kSkipExitCode;
using ::sandboxd::local::testing::kSkipPrefix;
using ::sandboxd::local::testing::kUnprivilegedUid;
using ::sandboxd::local::testing::RunUnprivileged;

CallContext Within(absl::Duration timeout) {
  return CallContext(absl::Now() + timeout);
}

// The scenario, as the unprivileged uid, on a provider rooted in `dir`.
std::string RunSandboxUnprivileged(const std::string& dir) {
  std::string failures;
  auto check = [&failures](bool ok, const std::string& what) {
    if (!ok) absl::StrAppend(&failures, what, "\n");
  };
  LocalProviderOptions options;
  options.root_dir = dir + "/local";
  options.npm_cache_dir = dir + "/npm-cache";
  options.cgroup_name = absl::StrCat("sandboxd-test-", ::getpid());
  options.warm_pool.seed_build_cache = false;
  options.disk_check_interval = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<LocalProvider>> made =
      MakeLocalProvider(options);
  if (!made.ok()) {
    // A host without unprivileged user namespaces cannot run this mode.
    return absl::StrContains(made.status().message(), "user namespaces")
               ? absl::StrCat(kSkipPrefix, made.status().ToString())
               : absl::StrCat("MakeLocalProvider: ", made.status().ToString());
  }
  LocalProvider& provider = **made;

  ProvisionSpec spec;
  spec.sandbox_id = "u1";
  absl::Status status = provider.Provision(spec, Within(absl::Seconds(10)));
  if (!status.ok()) return "Provision: " + status.ToString();
  status = provider.Upload(
      "u1",
      {{"server.js",
        "require('http').createServer((q, s) => s.end('unprivileged-ok '"
        " + process.getuid())).listen(3000, '127.0.0.1');\n"}},
      Within(absl::Seconds(10)));
  if (!status.ok()) return "Upload: " + status.ToString();
  struct stat st;
  check(::stat(provider.ProjectDir("u1").c_str(), &st) == 0 &&
            st.st_uid == ::geteuid(),
        "the project directory must belong to sandboxd's own uid");

  // Inside: uid 1000, no capabilities, /usr read-only, no host /home.
  std::string output;
  auto sink = [&output](OutputStream, std::string_view line) {
    absl::StrAppend(&output, std::string(line), "\n");
  };
  absl::StatusOr<int> code = provider.RunCommand(
      "u1",
      "id -u; grep CapEff /proc/self/status; touch /usr/x 2>/dev/null || "
      "echo usr-ro; test -e /home || echo no-home",
      {}, sink, Within(absl::Seconds(20)));
  check(code.ok() && *code == 0,
        absl::StrCat("RunCommand: ", code.status().ToString(), " ", output));
  check(absl::StrContains(output, "1000\n"), "inner uid: " + output);
  check(absl::StrContains(output, "CapEff:\t0000000000000000"),
        "capabilities: " + output);
  check(absl::StrContains(output, "usr-ro"), "/usr writable: " + output);
  check(absl::StrContains(output, "no-home"), "/home visible: " + output);

  // The app starts and answers through the netns helper.
  scaffold::BuildPlan plan;
  plan.start_command = "exec node server.js";
  plan.port = 3000;
  status = provider.StartApp("u1", plan, nullptr, Within(absl::Seconds(30)));
  if (!status.ok()) return failures + "StartApp: " + status.ToString();
  absl::StatusOr<int> fd = provider.DialApp("u1");
  if (!fd.ok()) return failures + "DialApp: " + fd.status().ToString();
  absl::StatusOr<HttpResponse> response =
      HttpGet(*fd, "u1.preview.localhost", "/", absl::Seconds(5));
  ::close(*fd);
  check(response.ok() && response->status == 200 &&
            response->body == "unprivileged-ok 1000",
        absl::StrCat("GET /: ", response.ok() ? response->body
                                              : response.status().ToString()));

  absl::StatusOr<std::vector<ProviderSandbox>> list =
      provider.List(Within(absl::Seconds(5)));
  check(list.ok() && list->size() == 1 &&
            (*list)[0].state == ProviderSandbox::State::kRunning,
        "List: " + list.status().ToString());

  status = provider.Destroy("u1", Within(absl::Seconds(20)));
  check(status.ok(), "Destroy: " + status.ToString());
  check(::stat(provider.ProjectDir("u1").c_str(), &st) != 0,
        "Destroy must remove the project directory");
  return failures;
}

TEST(UnprivilegedProviderTest, RunsAndReachesASandboxWithoutRoot) {
  char tmpl[] = "/tmp/sandboxd-unpriv-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(tmpl, kUnprivilegedUid, kUnprivilegedUid), 0);
  }
  ChildResult result =
      RunUnprivileged([&dir] { return RunSandboxUnprivileged(dir); });
  EXPECT_TRUE(RemoveTree(dir).ok());
  if (result.exit_code == kSkipExitCode) GTEST_SKIP() << result.report;
  EXPECT_EQ(result.report, "");
  EXPECT_EQ(result.exit_code, 0);
}

}  // namespace
}  // namespace sandboxd::local

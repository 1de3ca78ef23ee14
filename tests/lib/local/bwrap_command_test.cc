#include "lib/local/bwrap_command.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

BwrapSpec AppSpec() {
  BwrapSpec spec;
  spec.etc_dir = "/data/local/etc";
  spec.app_dir = "/data/local/sandboxes/s1/app";
  spec.node_modules_dir = "/data/local/deps/abc/node_modules";
  spec.tmp_bytes = 1234;
  spec.environment = {{"FOO", "bar"}, {"PATH", "/custom"}};
  spec.shell_command = "next dev";
  return spec;
}

// True if `argv` holds `seq` as consecutive elements.
bool HasSequence(const std::vector<std::string>& argv,
                 const std::vector<std::string>& seq) {
  return std::search(argv.begin(), argv.end(), seq.begin(), seq.end()) !=
         argv.end();
}

TEST(BwrapCommandTest, AppSandboxHasAllNamespacesAndNoNetwork) {
  std::vector<std::string> argv = BuildBwrapArgv(AppSpec());
  EXPECT_EQ(argv.front(), "/usr/bin/bwrap");
  for (const char* flag :
       {"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--unshare-net", "--die-with-parent",
        "--new-session", "--disable-userns", "--clearenv"}) {
    EXPECT_THAT(argv, Contains(flag)) << flag;
  }
  EXPECT_THAT(argv, Not(Contains("--share-net")));
  EXPECT_TRUE(HasSequence(argv, {"--cap-drop", "ALL"}));
}

TEST(BwrapCommandTest, OnlyAppIsWritableAndDependenciesAreReadOnly) {
  std::vector<std::string> argv = BuildBwrapArgv(AppSpec());
  EXPECT_TRUE(HasSequence(argv, {"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(
      HasSequence(argv, {"--bind", "/data/local/sandboxes/s1/app", "/app"}));
  EXPECT_TRUE(HasSequence(
      argv,
      {"--ro-bind", "/data/local/deps/abc/node_modules", "/app/node_modules"}));
  int writable_binds = std::count(argv.begin(), argv.end(), "--bind");
  EXPECT_EQ(writable_binds, 1);
  EXPECT_TRUE(HasSequence(argv, {"--size", "1234", "--tmpfs", "/tmp"}));
  EXPECT_TRUE(HasSequence(argv, {"--remount-ro", "/"}));
  // The host's /etc is never mounted: only the synthetic files.
  EXPECT_TRUE(HasSequence(
      argv, {"--ro-bind", "/data/local/etc/passwd", "/etc/passwd"}));
  EXPECT_THAT(argv, Not(Contains("/etc/resolv.conf")));
}

TEST(BwrapCommandTest, EnvironmentIsExplicitAndCallerOverridesDefaults) {
  std::vector<std::string> argv = BuildBwrapArgv(AppSpec());
  EXPECT_TRUE(HasSequence(argv, {"--setenv", "FOO", "bar"}));
  EXPECT_TRUE(HasSequence(argv, {"--setenv", "PATH", "/custom"}));
  EXPECT_TRUE(HasSequence(argv, {"--setenv", "HOME", "/tmp"}));
  EXPECT_TRUE(HasSequence(argv, {"--setenv", "NEXT_TELEMETRY_DISABLED", "1"}));
  EXPECT_THAT(argv, Not(Contains("npm_config_cache")));
}

TEST(BwrapCommandTest, CommandRunsThroughShellInApp) {
  std::vector<std::string> argv = BuildBwrapArgv(AppSpec());
  ASSERT_GE(argv.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(argv.end() - 3, argv.end()),
              ElementsAre("/bin/sh", "-c", "next dev"));
  EXPECT_TRUE(HasSequence(argv, {"--chdir", "/app", "--info-fd", "3"}));
}

TEST(BwrapCommandTest, SeccompFilterIsReadFromItsFd) {
  EXPECT_THAT(BuildBwrapArgv(AppSpec()), Not(Contains("--seccomp")));
  BwrapSpec spec = AppSpec();
  spec.seccomp_fd = 4;
  EXPECT_TRUE(HasSequence(BuildBwrapArgv(spec), {"--seccomp", "4"}));
}

TEST(BwrapCommandTest, InstallSandboxReachesTheRegistryOnlyThroughTheTunnel) {
  BwrapSpec spec = AppSpec();
  spec.install = true;
  spec.node_modules_dir.clear();
  spec.npm_cache_dir = "/cache";
  spec.registry_socket = "/data/local/run/registry.sock";
  spec.registry_forwarder = "/data/local/etc/registry-forwarder.js";
  spec.shell_command = "npm install --ignore-scripts";
  std::vector<std::string> argv = BuildBwrapArgv(spec);
  // Its own network namespace, like every sandbox: no host network.
  EXPECT_THAT(argv, Contains("--unshare-net"));
  EXPECT_THAT(argv, Not(Contains("--share-net")));
  EXPECT_TRUE(HasSequence(argv, {"--bind", "/data/local/run/registry.sock",
                                 "/run/sandboxd/registry.sock"}));
  EXPECT_TRUE(
      HasSequence(argv, {"--ro-bind", "/data/local/etc/registry-forwarder.js",
                         "/run/sandboxd/forwarder.js"}));
  EXPECT_TRUE(HasSequence(
      argv, {"--setenv", "npm_config_https_proxy", "http://127.0.0.1:3128"}));
  // The command runs through the forwarder, unquoted ($0).
  EXPECT_EQ(argv.back(), "npm install --ignore-scripts");
  EXPECT_THAT(argv[argv.size() - 2],
              HasSubstr("exec node /run/sandboxd/forwarder.js"));
  EXPECT_TRUE(
      HasSequence(argv, {"--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"}));
  EXPECT_TRUE(
      HasSequence(argv, {"--ro-bind", "/etc/ssl/certs", "/etc/ssl/certs"}));
  EXPECT_TRUE(HasSequence(argv, {"--bind", "/cache", "/npm-cache"}));
  EXPECT_TRUE(
      HasSequence(argv, {"--setenv", "npm_config_cache", "/npm-cache"}));
  EXPECT_TRUE(
      HasSequence(argv, {"--ro-bind", "/data/local/etc/nsswitch-install.conf",
                         "/etc/nsswitch.conf"}));
}

TEST(BwrapCommandTest, InstallSandboxWithoutATunnelHasNoNetwork) {
  BwrapSpec spec = AppSpec();
  spec.install = true;
  std::vector<std::string> argv = BuildBwrapArgv(spec);
  EXPECT_THAT(argv, Contains("--unshare-net"));
  EXPECT_THAT(argv, Not(Contains("/run/sandboxd/registry.sock")));
  EXPECT_EQ(argv[argv.size() - 2], "-c");
}

TEST(BwrapCommandTest, AppSandboxNeverGetsTheNpmCache) {
  BwrapSpec spec = AppSpec();
  spec.npm_cache_dir = "/cache";
  EXPECT_THAT(BuildBwrapArgv(spec), Not(Contains("/npm-cache")));
}

TEST(BwrapCommandTest, SyntheticEtcResolvesOnlyLocalhost) {
  EXPECT_EQ(SyntheticNsswitch(false).find("dns"), std::string::npos);
  EXPECT_NE(SyntheticNsswitch(true).find("hosts: files dns"),
            std::string::npos);
  EXPECT_NE(SyntheticPasswd().find("app:x:1000:1000"), std::string::npos);
  EXPECT_NE(SyntheticHosts().find("127.0.0.1 localhost"), std::string::npos);
}

}  // namespace
}  // namespace sandboxd::local

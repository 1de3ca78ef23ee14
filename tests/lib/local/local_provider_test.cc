// Integration tests of LocalProvider with real bubblewrap sandboxes.
#include "lib/local/local_provider.h"

#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/local/fs_util.h"
#include "lib/local/http_probe.h"
#include "tests/lib/local/local_test_env.h"

namespace sandboxd::local {
namespace {

using ::sandboxd::local::testing::LineCollector;
using ::sandboxd::local::testing::LocalTestEnv;
using ::sandboxd::local::testing::Within;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

// A node HTTP server on 127.0.0.1:3000 answering `body`.
std::string NodeServer(const std::string& body) {
  return absl::StrCat(
      "echo starting; exec node -e \"require('http').createServer((q,s)=>"
      "s.end('",
      body, "')).listen(3000,'127.0.0.1',()=>console.log('listening'))\"");
}

scaffold::BuildPlan ServerPlan(const std::string& body) {
  scaffold::BuildPlan plan;
  plan.start_command = NodeServer(body);
  plan.port = 3000;
  return plan;
}

class LocalProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    env_ = LocalTestEnv::Make();
    ASSERT_NE(env_, nullptr);
  }
  LocalProvider& provider() { return env_->provider(); }
  std::unique_ptr<LocalTestEnv> env_;
};

TEST_F(LocalProviderTest, RunsShellCommandAndStreamsStdoutAndStderrApart) {
  ASSERT_TRUE(env_->Create("s1", {{"hello.txt", "hi from the host"}}).ok());
  LineCollector out;
  absl::Time start = absl::Now();
  absl::StatusOr<int> code = provider().RunCommand(
      "s1", "cat hello.txt; echo; echo oops >&2; echo $GREETING; exit 3",
      {{"GREETING", "hello env"}}, out.sink(), Within(absl::Seconds(30)));
  std::cerr << "RunCommand took " << absl::Now() - start << "\n";
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  EXPECT_THAT(out.lines(),
              Contains(Pair(OutputStream::kStdout, "hi from the host")));
  EXPECT_THAT(out.lines(), Contains(Pair(OutputStream::kStderr, "oops")));
  EXPECT_THAT(out.lines(), Contains(Pair(OutputStream::kStdout, "hello env")));
}

TEST_F(LocalProviderTest, CommandRunsAsTheSandboxUidWithoutCapabilities) {
  ASSERT_TRUE(env_->Create("s1").ok());
  LineCollector out;
  absl::StatusOr<int> code = provider().RunCommand(
      "s1", "id -u; grep CapEff /proc/self/status; touch made-inside", {},
      out.sink(), Within(absl::Seconds(30)));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << out.Text();
  EXPECT_THAT(out.Text(), HasSubstr("1000"));
  EXPECT_THAT(out.Text(), HasSubstr("CapEff:\t0000000000000000"));
  struct stat st;
  ASSERT_EQ(::stat((provider().ProjectDir("s1") + "/made-inside").c_str(), &st),
            0);
  EXPECT_GT(st.st_uid, env_->options().uid_base);  // its own uid, not root
  EXPECT_EQ(st.st_uid, env_->UidOf("s1"));
}

TEST_F(LocalProviderTest, SandboxesGetDistinctUids) {
  ASSERT_TRUE(env_->Create("s1").ok());
  ASSERT_TRUE(env_->Create("s2").ok());
  EXPECT_NE(env_->UidOf("s1"), env_->UidOf("s2"));
}

TEST_F(LocalProviderTest, StartAppWaitsForHttp200AndDialAppReachesIt) {
  ASSERT_TRUE(env_->Create("s1").ok());
  LineCollector out;
  absl::Time start = absl::Now();
  absl::Status started = provider().StartApp(
      "s1", ServerPlan("marker-42"), out.sink(), Within(absl::Seconds(30)));
  std::cerr << "StartApp (node server) took " << absl::Now() - start << "\n";
  ASSERT_TRUE(started.ok()) << started;
  EXPECT_THAT(out.Text(), HasSubstr("listening"));

  absl::StatusOr<int> fd = provider().DialApp("s1");
  ASSERT_TRUE(fd.ok()) << fd.status();
  absl::StatusOr<HttpResponse> response =
      HttpGet(*fd, "s1.preview.localhost", "/", absl::Seconds(5));
  ::close(*fd);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "marker-42");

  absl::StatusOr<PreviewEndpoint> preview =
      provider().ResolvePreview("s1", Within(absl::Seconds(1)));
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->url, "http://s1.preview.localhost:8080/");

  absl::StatusOr<std::vector<ProviderSandbox>> list =
      provider().List(Within(absl::Seconds(5)));
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].state, ProviderSandbox::State::kRunning);
}

TEST_F(LocalProviderTest, StartAppFailsWithLastLinesWhenTheAppExits) {
  ASSERT_TRUE(env_->Create("s1").ok());
  scaffold::BuildPlan plan;
  plan.start_command = "echo 'Error: boom in next.config' >&2; exit 1";
  LineCollector out;
  absl::Status started =
      provider().StartApp("s1", plan, out.sink(), Within(absl::Seconds(30)));
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(started.message()), HasSubstr("boom in next.config"));
  EXPECT_THAT(std::string(started.message()), HasSubstr("exit code 1"));
  absl::StatusOr<std::vector<ProviderSandbox>> list =
      provider().List(Within(absl::Seconds(5)));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[0].state, ProviderSandbox::State::kError);
}

TEST_F(LocalProviderTest, StartAppGivesUpAtTheDeadline) {
  ASSERT_TRUE(env_->Create("s1").ok());
  scaffold::BuildPlan plan;
  plan.start_command = "sleep 600";
  absl::Status started =
      provider().StartApp("s1", plan, nullptr, Within(absl::Seconds(2)));
  EXPECT_EQ(started.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(LocalTestEnv::ProcessesOfUid(env_->UidOf("s1")).empty());
}

TEST_F(LocalProviderTest, RunCommandIsKilledAtTheDeadline) {
  ASSERT_TRUE(env_->Create("s1").ok());
  absl::StatusOr<int> code = provider().RunCommand(
      "s1", "sleep 600", {}, nullptr, Within(absl::Seconds(1)));
  EXPECT_EQ(code.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(LocalTestEnv::ProcessesOfUid(env_->UidOf("s1")).empty());
}

TEST_F(LocalProviderTest, DestroyDuringACommandAbortsIt) {
  ASSERT_TRUE(env_->Create("s1").ok());
  absl::StatusOr<int> code;
  std::thread command([&] {
    code = provider().RunCommand("s1", "echo started; sleep 600", {}, nullptr,
                                 Within(absl::Seconds(60)));
  });
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(provider().Destroy("s1", Within(absl::Seconds(20))).ok());
  command.join();
  EXPECT_EQ(code.status().code(), absl::StatusCode::kAborted) << code.status();
}

TEST_F(LocalProviderTest, StopKillsTheAppKeepsFilesAndStartMakesItRunnable) {
  ASSERT_TRUE(env_->Create("s1", {{"keep.txt", "kept"}}).ok());
  ASSERT_TRUE(
      provider()
          .StartApp("s1", ServerPlan("one"), nullptr, Within(absl::Seconds(30)))
          .ok());
  uid_t uid = env_->UidOf("s1");
  EXPECT_FALSE(LocalTestEnv::ProcessesOfUid(uid).empty());

  ASSERT_TRUE(provider().Stop("s1", Within(absl::Seconds(10))).ok());
  EXPECT_TRUE(LocalTestEnv::ProcessesOfUid(uid).empty());
  EXPECT_EQ(provider().DialApp("s1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  struct stat st;
  EXPECT_EQ(::stat((provider().ProjectDir("s1") + "/keep.txt").c_str(), &st),
            0);

  ASSERT_TRUE(provider().Start("s1", Within(absl::Seconds(10))).ok());
  ASSERT_TRUE(
      provider()
          .StartApp("s1", ServerPlan("two"), nullptr, Within(absl::Seconds(30)))
          .ok());
  absl::StatusOr<int> fd = provider().DialApp("s1");
  ASSERT_TRUE(fd.ok()) << fd.status();
  absl::StatusOr<HttpResponse> response =
      HttpGet(*fd, "x", "/", absl::Seconds(5));
  ::close(*fd);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "two");
}

std::string HostMounts() {
  absl::StatusOr<std::string> mounts = ReadSmallFile("/proc/self/mountinfo");
  return mounts.ok() ? *mounts : "";
}

TEST_F(LocalProviderTest, DestroyLeavesNoProcessCgroupOrFileAndIsIdempotent) {
  const std::string mounts_before = HostMounts();
  ASSERT_TRUE(env_->Create("s1", {{"a/b.txt", "x"}}).ok());
  ASSERT_TRUE(
      provider()
          .StartApp("s1", ServerPlan("x"), nullptr, Within(absl::Seconds(30)))
          .ok());
  uid_t uid = env_->UidOf("s1");
  std::string dir = provider().ProjectDir("s1");
  ASSERT_FALSE(env_->CgroupFile("s1", "pids", "cgroup.procs").empty());

  ASSERT_TRUE(provider().Destroy("s1", Within(absl::Seconds(20))).ok());
  EXPECT_TRUE(LocalTestEnv::ProcessesOfUid(uid).empty());
  struct stat st;
  EXPECT_NE(::stat(dir.c_str(), &st), 0);
  for (const char* controller : {"memory", "pids", "cpu", "unified"}) {
    std::string cgroup = absl::StrCat("/sys/fs/cgroup/", controller, "/",
                                      env_->options().cgroup_name, "/s1");
    EXPECT_NE(::stat(cgroup.c_str(), &st), 0) << cgroup;
  }
  // Sandbox mounts live in the sandbox's own mount namespace only.
  EXPECT_EQ(HostMounts(), mounts_before);
  EXPECT_TRUE(provider().Destroy("s1", Within(absl::Seconds(20))).ok());
  EXPECT_EQ(
      provider()
          .StartApp("s1", ServerPlan("x"), nullptr, Within(absl::Seconds(5)))
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_F(LocalProviderTest, ListFindsSandboxesAfterARestart) {
  ASSERT_TRUE(env_->Create("s1").ok());
  ASSERT_TRUE(env_->Create("s2").ok());
  ASSERT_TRUE(
      provider()
          .StartApp("s1", ServerPlan("x"), nullptr, Within(absl::Seconds(30)))
          .ok());
  uid_t uid = env_->UidOf("s1");
  env_->Restart();
  EXPECT_TRUE(LocalTestEnv::ProcessesOfUid(uid).empty());
  absl::StatusOr<std::vector<ProviderSandbox>> list =
      provider().List(Within(absl::Seconds(5)));
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  for (const ProviderSandbox& sandbox : *list) {
    EXPECT_EQ(sandbox.state, ProviderSandbox::State::kStopped)
        << sandbox.sandbox_id;
  }
  // And it comes back on demand.
  ASSERT_TRUE(provider().Start("s1", Within(absl::Seconds(10))).ok());
  ASSERT_TRUE(provider()
                  .StartApp("s1", ServerPlan("back"), nullptr,
                            Within(absl::Seconds(30)))
                  .ok());
}

TEST_F(LocalProviderTest, UploadRejectsEscapingPaths) {
  ASSERT_TRUE(env_->Create("s1").ok());
  EXPECT_EQ(provider()
                .Upload("s1", {{"../escape", "x"}}, Within(absl::Seconds(5)))
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      provider().Upload("nope", {{"a", "x"}}, Within(absl::Seconds(5))).code(),
      absl::StatusCode::kNotFound);
}

// A stand-in for npm: creates node_modules and says it ran.
scaffold::BuildPlan FakeInstallPlan(const std::string& fingerprint) {
  scaffold::BuildPlan plan;
  plan.install_command =
      "echo RAN-INSTALL; sleep 0.5; mkdir -p node_modules/pkg && "
      "echo 'module.exports=42' > node_modules/pkg/index.js";
  plan.dependency_fingerprint = fingerprint;
  return plan;
}

TEST(LocalProviderRegistryTest, InstallsUseTheConfiguredRegistry) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto env = LocalTestEnv::Make([](LocalProviderOptions& options) {
    options.npm_registry = "https://npm.example.test:4873/";
  });
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(env->Create("s1", {{"package.json", "{}"}}).ok());
  scaffold::BuildPlan plan;
  plan.install_command =
      "echo \"registry=$npm_config_registry\"; mkdir -p node_modules";
  plan.dependency_fingerprint = "aaaabbbbccccdddd0009";
  LineCollector out;
  ASSERT_TRUE(env->provider()
                  .InstallDependencies("s1", plan, out.sink(),
                                       Within(absl::Seconds(60)))
                  .ok())
      << out.Text();
  EXPECT_EQ(out.Count("registry=https://npm.example.test:4873/"), 1) << out.Text();
}

TEST_F(LocalProviderTest, SecondSandboxWithSameDependenciesRunsNoInstall) {
  const std::string fp = "aaaabbbbccccdddd0001";
  ASSERT_TRUE(env_->Create("s1", {{"package.json", "{}"}}).ok());
  ASSERT_TRUE(env_->Create("s2", {{"package.json", "{}"}}).ok());
  LineCollector first, second;
  ASSERT_TRUE(provider()
                  .InstallDependencies("s1", FakeInstallPlan(fp), first.sink(),
                                       Within(absl::Seconds(60)))
                  .ok());
  EXPECT_EQ(first.Count("RAN-INSTALL"), 1) << first.Text();
  absl::Time start = absl::Now();
  ASSERT_TRUE(provider()
                  .InstallDependencies("s2", FakeInstallPlan(fp), second.sink(),
                                       Within(absl::Seconds(60)))
                  .ok());
  std::cerr << "warm-store InstallDependencies took " << absl::Now() - start
            << "\n";
  EXPECT_EQ(second.Count("RAN-INSTALL"), 0);
  EXPECT_EQ(second.Count("reusing installed dependencies " + fp), 1)
      << second.Text();

  // Both see the dependencies, read-only.
  LineCollector out;
  absl::StatusOr<int> code = provider().RunCommand(
      "s2", "node -e \"console.log('dep', require('pkg'))\"", {}, out.sink(),
      Within(absl::Seconds(30)));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out.Text();
  EXPECT_THAT(out.Text(), HasSubstr("dep 42"));
}

TEST_F(LocalProviderTest, ProductionInstallsGetACopyOfTheBuildCacheSeed) {
  const std::string fp = "aaaabbbbccccdddd0005";
  ASSERT_TRUE(env_->Create("s1", {{"package.json", "{}"}}).ok());
  ASSERT_TRUE(env_->Create("s2", {{"package.json", "{}"}}).ok());
  LineCollector dev;
  ASSERT_TRUE(provider()
                  .InstallDependencies("s1", FakeInstallPlan(fp), dev.sink(),
                                       Within(absl::Seconds(60)))
                  .ok());
  const std::string entry =
      absl::StrCat(provider().options().root_dir, "/deps/", fp);
  const std::string seed_file = entry + "/next-build-cache";
  ASSERT_TRUE(WriteFileNoFollow(entry, "next-build-cache/turbopack/0001.sst",
                                "seed", 0, 0)
                  .ok());
  // DEV never builds: no seed.
  LineCollector dev_again;
  ASSERT_TRUE(provider()
                  .InstallDependencies("s1", FakeInstallPlan(fp),
                                       dev_again.sink(),
                                       Within(absl::Seconds(60)))
                  .ok());
  struct stat st;
  EXPECT_NE(::lstat((provider().ProjectDir("s1") + "/.next").c_str(), &st), 0);

  scaffold::BuildPlan production = FakeInstallPlan(fp);
  production.build_command = "true";
  LineCollector out;
  ASSERT_TRUE(provider()
                  .InstallDependencies("s2", production, out.sink(),
                                       Within(absl::Seconds(60)))
                  .ok());
  EXPECT_EQ(out.Count("seeded the build cache (" + fp + ")"), 1) << out.Text();
  // The sandbox owns its copy and can update it; the seed stays as it was.
  LineCollector build;
  absl::StatusOr<int> code =
      provider().RunCommand("s2",
                            "cat .next/cache/turbopack/0001.sst && "
                            "echo built > .next/cache/turbopack/0001.sst",
                            {}, build.sink(), Within(absl::Seconds(30)));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << build.Text();
  EXPECT_EQ(build.Count("seed"), 1) << build.Text();
  absl::StatusOr<std::string> seed =
      ReadSmallFile(seed_file + "/turbopack/0001.sst");
  ASSERT_TRUE(seed.ok()) << seed.status();
  EXPECT_EQ(*seed, "seed");
  // A project with a cache of its own keeps it.
  LineCollector again;
  ASSERT_TRUE(provider()
                  .InstallDependencies("s2", production, again.sink(),
                                       Within(absl::Seconds(60)))
                  .ok());
  EXPECT_EQ(again.Count("seeded the build cache"), 0) << again.Text();
  absl::StatusOr<std::string> kept = ReadSmallFile(
      provider().ProjectDir("s2") + "/.next/cache/turbopack/0001.sst");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(*kept, "built\n");
}

TEST_F(LocalProviderTest, ConcurrentInstallsOfTheSameDependenciesRunOnce) {
  const std::string fp = "aaaabbbbccccdddd0002";
  ASSERT_TRUE(env_->Create("s1", {{"package.json", "{}"}}).ok());
  ASSERT_TRUE(env_->Create("s2", {{"package.json", "{}"}}).ok());
  LineCollector out;
  absl::Status a, b;
  std::thread t1([&] {
    a = provider().InstallDependencies("s1", FakeInstallPlan(fp), out.sink(),
                                       Within(absl::Seconds(60)));
  });
  std::thread t2([&] {
    b = provider().InstallDependencies("s2", FakeInstallPlan(fp), out.sink(),
                                       Within(absl::Seconds(60)));
  });
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a;
  ASSERT_TRUE(b.ok()) << b;
  EXPECT_EQ(out.Count("RAN-INSTALL"), 1) << out.Text();
}

TEST_F(LocalProviderTest, FailedInstallIsFailedPreconditionWithItsOutput) {
  ASSERT_TRUE(env_->Create("s1", {{"package.json", "{}"}}).ok());
  scaffold::BuildPlan plan;
  plan.install_command = "echo 'npm ERR! 404 no-such-pkg' >&2; exit 1";
  plan.dependency_fingerprint = "aaaabbbbccccdddd0003";
  absl::Status installed = provider().InstallDependencies(
      "s1", plan, [](OutputStream, std::string_view) {},
      Within(absl::Seconds(30)));
  EXPECT_EQ(installed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(installed.message()), HasSubstr("404 no-such-pkg"));
  // Nothing half-built is published.
  ASSERT_TRUE(env_->Create("s2", {{"package.json", "{}"}}).ok());
  LineCollector out;
  plan.install_command = "echo RAN-INSTALL; mkdir node_modules";
  ASSERT_TRUE(provider()
                  .InstallDependencies("s2", plan, out.sink(),
                                       Within(absl::Seconds(30)))
                  .ok());
  EXPECT_EQ(out.Count("RAN-INSTALL"), 1);
}

}  // namespace
}  // namespace sandboxd::local

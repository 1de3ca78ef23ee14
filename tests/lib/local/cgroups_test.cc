#include "lib/local/cgroups.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

using ::testing::Contains;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kV1Mounts[] =
    "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
    "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
    "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
    "cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0\n"
    "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
    "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";

constexpr char kV2Mounts[] =
    "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n";

TEST(CgroupsTest, DetectsV1ControllersAndUnifiedMount) {
  absl::StatusOr<CgroupHost> host = ParseCgroupHost(kV1Mounts, "");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->kind, CgroupHost::Kind::kV1);
  EXPECT_EQ(host->memory, "/sys/fs/cgroup/memory");
  EXPECT_EQ(host->pids, "/sys/fs/cgroup/pids");
  EXPECT_EQ(host->cpu, "/sys/fs/cgroup/cpu");  // not cpuset or cpuacct
  EXPECT_EQ(host->unified, "/sys/fs/cgroup/unified");
}

TEST(CgroupsTest, CombinedCpuCpuacctMountCountsAsCpu) {
  absl::StatusOr<CgroupHost> host = ParseCgroupHost(
      "cgroup /c/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n"
      "cgroup /c/memory cgroup rw,memory 0 0\n"
      "cgroup /c/pids cgroup rw,pids 0 0\n",
      "");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->cpu, "/c/cpu,cpuacct");
  EXPECT_EQ(host->unified, "");
}

TEST(CgroupsTest, PureV2WithoutDelegatedParentIsRefusedWithHowTo) {
  absl::StatusOr<CgroupHost> host = ParseCgroupHost(kV2Mounts, "");
  EXPECT_EQ(host.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(host.status().message()),
              testing::HasSubstr("cgroup_v2_parent"));
}

TEST(CgroupsTest, PureV2WithDelegatedParentUsesIt) {
  absl::StatusOr<CgroupHost> host =
      ParseCgroupHost(kV2Mounts, "/sys/fs/cgroup/sandboxd.service/sandboxes");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->kind, CgroupHost::Kind::kV2);
  SandboxCgroupPaths paths = SandboxCgroupPathsFor(*host, "sandboxd", "s1");
  EXPECT_THAT(
      paths.leaves,
      UnorderedElementsAre("/sys/fs/cgroup/sandboxd.service/sandboxes/s1"));
  EXPECT_EQ(paths.kill_leaf, "/sys/fs/cgroup/sandboxd.service/sandboxes/s1");
}

TEST(CgroupsTest, NoCgroupsAtAllIsFailedPrecondition) {
  EXPECT_EQ(ParseCgroupHost("proc /proc proc rw 0 0\n", "").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CgroupsTest, V1SandboxGetsOneLeafPerHierarchyPlusUnifiedForKill) {
  CgroupHost host = *ParseCgroupHost(kV1Mounts, "");
  SandboxCgroupPaths paths = SandboxCgroupPathsFor(host, "sbx", "s1");
  EXPECT_THAT(paths.leaves,
              UnorderedElementsAre("/sys/fs/cgroup/memory/sbx/s1",
                                   "/sys/fs/cgroup/pids/sbx/s1",
                                   "/sys/fs/cgroup/cpu/sbx/s1",
                                   "/sys/fs/cgroup/unified/sbx/s1"));
  EXPECT_EQ(paths.kill_leaf, "/sys/fs/cgroup/unified/sbx/s1");
  EXPECT_EQ(paths.pids_leaf, "/sys/fs/cgroup/pids/sbx/s1");
  EXPECT_THAT(paths.parents, Contains("/sys/fs/cgroup/memory/sbx"));
}

TEST(CgroupsTest, SharedV1MountIsNotListedTwice) {
  CgroupHost host;
  host.memory = host.pids = host.cpu = "/c/all";
  SandboxCgroupPaths paths = SandboxCgroupPathsFor(host, "sbx", "s1");
  EXPECT_THAT(paths.leaves, UnorderedElementsAre("/c/all/sbx/s1"));
  EXPECT_EQ(paths.kill_leaf, "");
}

TEST(CgroupsTest, V1LimitWrites) {
  CgroupHost host = *ParseCgroupHost(kV1Mounts, "");
  SandboxCgroupPaths paths = SandboxCgroupPathsFor(host, "sbx", "s1");
  CgroupLimits limits{
      .memory_bytes = 1 << 30, .pids = 512, .cpus = 1.5, .cpu_weight = 10};
  EXPECT_THAT(CgroupLimitWrites(host, paths, limits),
              UnorderedElementsAre(
                  Pair("/sys/fs/cgroup/memory/sbx/s1/memory.limit_in_bytes",
                       "1073741824"),
                  Pair("/sys/fs/cgroup/pids/sbx/s1/pids.max", "512"),
                  Pair("/sys/fs/cgroup/cpu/sbx/s1/cpu.cfs_period_us", "100000"),
                  Pair("/sys/fs/cgroup/cpu/sbx/s1/cpu.cfs_quota_us", "150000"),
                  Pair("/sys/fs/cgroup/cpu/sbx/s1/cpu.shares", "102")));
}

TEST(CgroupsTest, V2LimitWritesDisableSwap) {
  CgroupHost host = *ParseCgroupHost(kV2Mounts, "/cg/d");
  SandboxCgroupPaths paths = SandboxCgroupPathsFor(host, "sbx", "s1");
  CgroupLimits limits{.memory_bytes = 2048, .pids = 64, .cpus = 2};
  EXPECT_THAT(CgroupLimitWrites(host, paths, limits),
              UnorderedElementsAre(Pair("/cg/d/s1/memory.max", "2048"),
                                   Pair("/cg/d/s1/memory.swap.max", "0"),
                                   Pair("/cg/d/s1/pids.max", "64"),
                                   Pair("/cg/d/s1/cpu.max", "200000 100000"),
                                   Pair("/cg/d/s1/cpu.weight", "100")));
}

}  // namespace
}  // namespace sandboxd::local

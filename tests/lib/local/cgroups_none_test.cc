// CgroupHost::Kind::kNone, the unprivileged mode without a delegated
// cgroup: no paths, no limit writes, and every operation a successful no-op
// (the provider's teardown and List rely on that).
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/local/cgroups.h"

namespace sandboxd::local {
namespace {

CgroupHost NoCgroups() {
  CgroupHost host;
  host.kind = CgroupHost::Kind::kNone;
  return host;
}

TEST(CgroupsNoneTest, HasNoPathsAndNoLimitWrites) {
  const CgroupHost host = NoCgroups();
  EXPECT_FALSE(EnforcesLimits(host));
  SandboxCgroupPaths paths = SandboxCgroupPathsFor(host, "sandboxd-x", "s1");
  EXPECT_TRUE(paths.parents.empty());
  EXPECT_TRUE(paths.leaves.empty());
  EXPECT_EQ(paths.kill_leaf, "");
  EXPECT_EQ(paths.pids_leaf, "");
  EXPECT_EQ(paths.memory_leaf, "");
  EXPECT_TRUE(CgroupLimitWrites(host, paths, CgroupLimits()).empty());
}

TEST(CgroupsNoneTest, OperationsSucceedWithoutTouchingTheFileSystem) {
  const CgroupHost host = NoCgroups();
  SandboxCgroup cgroup(host, SandboxCgroupPathsFor(host, "sandboxd-x", "s1"));
  EXPECT_TRUE(cgroup.Create(CgroupLimits()).ok());
  EXPECT_FALSE(cgroup.Exists());
  absl::StatusOr<std::vector<UniqueFd>> fds = cgroup.OpenProcsFds();
  ASSERT_TRUE(fds.ok()) << fds.status();
  EXPECT_TRUE(fds->empty());
  EXPECT_TRUE(cgroup.Processes().empty());
  EXPECT_EQ(cgroup.OomKills(), 0);
  EXPECT_TRUE(cgroup.KillAll(absl::InfinitePast()).ok());
  EXPECT_TRUE(cgroup.Remove(absl::InfinitePast()).ok());
}

TEST(CgroupsNoneTest, RealHostsEnforceLimits) {
  CgroupHost v1;
  v1.kind = CgroupHost::Kind::kV1;
  CgroupHost v2;
  v2.kind = CgroupHost::Kind::kV2;
  EXPECT_TRUE(EnforcesLimits(v1));
  EXPECT_TRUE(EnforcesLimits(v2));
}

}  // namespace
}  // namespace sandboxd::local

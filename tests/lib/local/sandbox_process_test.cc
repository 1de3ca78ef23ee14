#include "lib/local/sandbox_process.h"

#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

TEST(BwrapInfoTest, ParsesChildPidAndNetNamespace) {
  absl::StatusOr<BwrapInfo> info = ParseBwrapInfo(
      "{\n    \"child-pid\": 7197,\n    \"cgroup-namespace\": 4026532182,\n"
      "    \"net-namespace\": 4026532183,\n    \"pid-namespace\": "
      "4026532181\n}");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->child_pid, 7197);
  EXPECT_EQ(info->net_namespace, 4026532183u);
}

TEST(BwrapInfoTest, MissingChildPidIsInternal) {
  EXPECT_EQ(ParseBwrapInfo("").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ParseBwrapInfo("{\"net-namespace\": 1}").status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace sandboxd::local

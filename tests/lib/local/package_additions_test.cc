#include "lib/local/package_additions.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A hidden lockfile as npm writes it, with `extra` packages entries.
std::string Lock(const std::string& extra) {
  return R"({"name":"app","lockfileVersion":3,"requires":true,"packages":{)"
         R"("node_modules/react":{"version":"19.2.0","resolved":"r1"},)"
         R"("node_modules/@types/react":{"version":"19.0.1"},)"
         R"("node_modules/next":{"version":"16.0.0"},)"
         R"("node_modules/next/node_modules/postcss":{"version":"8.4.31"})" +
         extra + "}}";
}

TEST(AddedTopLevelPackagesTest, NewTopLevelPackagesAreAdditions) {
  auto added = AddedTopLevelPackages(
      Lock(""),
      Lock(R"(,"node_modules/zod":{"version":"3.25.0"},)"
           R"("node_modules/@scope/ui":{"version":"1.0.0"},)"
           R"("node_modules/@scope/ui/node_modules/x":{"version":"2.0.0"})"));
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_THAT(*added, ElementsAre("@scope/ui", "zod"));
}

TEST(AddedTopLevelPackagesTest, NothingNewIsEmpty) {
  auto added = AddedTopLevelPackages(Lock(""), Lock(""));
  ASSERT_TRUE(added.ok());
  EXPECT_THAT(*added, IsEmpty());
}

TEST(AddedTopLevelPackagesTest, PrunedPackagesAreIgnored) {
  auto added = AddedTopLevelPackages(
      Lock(R"(,"node_modules/framer-motion":{"version":"12.0.0"})"),
      Lock(R"(,"node_modules/zod":{"version":"3.25.0"})"));
  ASSERT_TRUE(added.ok());
  EXPECT_THAT(*added, ElementsAre("zod"));
}

TEST(AddedTopLevelPackagesTest, ChangesInsideInstalledPackagesAreRefused) {
  const std::string before = Lock("");
  // Another version of an installed package.
  std::string upgraded = before;
  upgraded.replace(upgraded.find("19.2.0"), 6, "19.3.0");
  EXPECT_THAT(AddedTopLevelPackages(before, upgraded).status().message(),
              HasSubstr("would change the installed react"));
  // A dependency nested into an installed package.
  auto nested = AddedTopLevelPackages(
      before, Lock(R"(,"node_modules/next/node_modules/zod":{"version":"3"})"));
  EXPECT_EQ(nested.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(nested.status().message(), HasSubstr("installed next"));
  // Same for a scoped package.
  auto scoped = AddedTopLevelPackages(
      before,
      Lock(
          R"(,"node_modules/@types/react/node_modules/csstype":{"version":"3"})"));
  EXPECT_THAT(scoped.status().message(), HasSubstr("installed @types/react"));
}

TEST(AddedTopLevelPackagesTest, MalformedLockfilesAreInvalid) {
  EXPECT_EQ(AddedTopLevelPackages("{", Lock("")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      AddedTopLevelPackages(Lock(""), R"({"packages":[]})").status().message(),
      HasSubstr("updated lockfile has no \"packages\" object"));
}

}  // namespace
}  // namespace sandboxd::local

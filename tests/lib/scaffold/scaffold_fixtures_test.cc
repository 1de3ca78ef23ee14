// Assembles every realistic generated-app fixture (no npm): valid ones must
// produce a complete project, invalid ones must be rejected with the
// expected message. scaffold_e2e_test builds the same fixtures for real.
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scaffold/scaffold.h"
#include "tests/lib/scaffold/fixture_loader.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::Fixture;
using ::sandboxd::scaffold::testing::FixtureNames;
using ::sandboxd::scaffold::testing::LoadFixture;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Key;

TEST(ScaffoldFixturesTest, CoverTheShapesTheIssueLists) {
  std::vector<std::string> names = FixtureNames();
  EXPECT_GE(names.size(), 10u);
  int invalid = 0;
  for (const std::string& name : names) {
    absl::StatusOr<Fixture> fixture = LoadFixture(name);
    ASSERT_TRUE(fixture.ok()) << fixture.status();
    if (!fixture->expect_error.empty()) ++invalid;
  }
  EXPECT_GE(invalid, 1);
  EXPECT_GE(names.size() - invalid, 10u);
}

class FixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureTest, AssemblesOrIsRejectedAsExpected) {
  absl::StatusOr<Fixture> fixture = LoadFixture(GetParam());
  ASSERT_TRUE(fixture.ok()) << fixture.status();
  absl::StatusOr<Project> project = Assemble(fixture->request);
  if (!fixture->expect_error.empty()) {
    ASSERT_EQ(project.status().code(), absl::StatusCode::kInvalidArgument)
        << project.status();
    EXPECT_THAT(std::string(project.status().message()),
                HasSubstr(fixture->expect_error));
    return;
  }
  ASSERT_TRUE(project.ok()) << project.status();
  const auto& files = project->files;
  EXPECT_THAT(files, Contains(Key("package.json")));
  EXPECT_THAT(files, Contains(Key("tsconfig.json")));
  const bool has_layout =
      files.count("app/layout.tsx") + files.count("src/app/layout.tsx") > 0;
  EXPECT_TRUE(has_layout);
  for (const auto& [path, content] : files) {
    EXPECT_FALSE(absl::EndsWith(path, ".html") &&
                 !absl::StartsWith(path, "public/"))
        << path << " was not converted";
    EXPECT_NE(path, "package-lock.json");
  }
  EXPECT_EQ(project->plan.dependency_fingerprint.size(), 64u);
  EXPECT_EQ(project->plan.environment.at("NEXT_TELEMETRY_DISABLED"), "1");
  // Deterministic: the same request gives the same bytes.
  absl::StatusOr<Project> again = Assemble(fixture->request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->files, files);
  EXPECT_EQ(again->plan.dependency_fingerprint,
            project->plan.dependency_fingerprint);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureTest,
                         ::testing::ValuesIn(FixtureNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace sandboxd::scaffold

#include "lib/scaffold/path_validator.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;

TEST(PathValidatorTest, AcceptsProjectPaths) {
  for (const char* path :
       {"page.tsx", "app/page.tsx", "app/blog/[slug]/page.tsx",
        "app/(marketing)/page.tsx", "public/images/a b.svg",
        "components/ui/button.tsx", "app/über/page.tsx", ".gitignore",
        "app/.well-known/x", "src/app/layout.tsx", "next.config.ts"}) {
    EXPECT_TRUE(ValidatePath(path).ok()) << path;
  }
}

TEST(PathValidatorTest, RejectsEscapeWithTheHeaderMessage) {
  EXPECT_EQ(ValidatePath("../x").message(),
            "generated_code[\"../x\"]: path escapes the project");
  EXPECT_THAT(ValidatePath("app/../../etc/passwd"),
              IsInvalidArgument("path escapes the project"));
  EXPECT_THAT(ValidatePath(".."), IsInvalidArgument("escapes"));
}

TEST(PathValidatorTest, RejectsAbsoluteBackslashAndDriveLetters) {
  EXPECT_THAT(ValidatePath("/etc/passwd"), IsInvalidArgument("absolute"));
  EXPECT_THAT(ValidatePath("app\\page.tsx"), IsInvalidArgument("backslash"));
  EXPECT_THAT(ValidatePath("..\\x"), IsInvalidArgument("backslash"));
  EXPECT_THAT(ValidatePath("C:/x.ts"), IsInvalidArgument("drive letter"));
  EXPECT_THAT(ValidatePath("c:x.ts"), IsInvalidArgument("drive letter"));
}

TEST(PathValidatorTest, RejectsControlCharactersAndEscapesThemInTheMessage) {
  std::string with_nul("a\0b.ts", 6);
  EXPECT_THAT(ValidatePath(with_nul), IsInvalidArgument("control characters"));
  EXPECT_THAT(ValidatePath(with_nul),
              IsInvalidArgument("generated_code[\"a\\x00b.ts\"]"));
  EXPECT_THAT(ValidatePath("a\nb"), IsInvalidArgument("control characters"));
  EXPECT_THAT(ValidatePath("a\x7f"), IsInvalidArgument("control characters"));
}

TEST(PathValidatorTest, RejectsUnnormalizedPaths) {
  for (const char* path : {"", "a//b", "./a", "a/./b", "a/", "/"}) {
    EXPECT_EQ(ValidatePath(path).code(), absl::StatusCode::kInvalidArgument)
        << path;
  }
  EXPECT_THAT(ValidatePath("a//b"), IsInvalidArgument("not normalized"));
  EXPECT_THAT(ValidatePath(""), IsInvalidArgument("empty"));
}

TEST(PathValidatorTest, RejectsGitNodeModulesAndBuildOutputInAnyCase) {
  EXPECT_THAT(ValidatePath(".git/config"), IsInvalidArgument(".git/"));
  EXPECT_THAT(ValidatePath("sub/.GIT/hooks/pre-commit"),
              IsInvalidArgument(".git/"));
  EXPECT_THAT(ValidatePath("node_modules/react/index.js"),
              IsInvalidArgument("node_modules/"));
  EXPECT_THAT(ValidatePath("app/Node_Modules/next/index.js"),
              IsInvalidArgument("node_modules/"));
  EXPECT_THAT(ValidatePath(".next/cache/x"), IsInvalidArgument(".next/"));
  EXPECT_TRUE(ValidatePath("app/.next-steps.md").ok());
  EXPECT_TRUE(ValidatePath(".github/workflows/ci.yml").ok());
}

TEST(PathValidatorTest, RejectsInvalidUtf8AndOverlongPaths) {
  EXPECT_THAT(ValidatePath("app/\xff.tsx"), IsInvalidArgument("UTF-8"));
  EXPECT_THAT(ValidatePath(std::string(kMaxPathBytes + 1, 'a')),
              IsInvalidArgument("longer than"));
  EXPECT_THAT(ValidatePath("a/" + std::string(kMaxPathSegmentBytes + 1, 'b')),
              IsInvalidArgument("segment"));
  EXPECT_TRUE(ValidatePath(std::string(kMaxPathSegmentBytes, 'b')).ok());
}

TEST(PathValidatorTest, RejectsPathsThatDifferOnlyByCase) {
  std::map<std::string, std::string> files = {{"app/Page.tsx", ""},
                                              {"app/page.tsx", ""}};
  EXPECT_THAT(ValidatePathSet(files),
              IsInvalidArgument("differs only by case"));
}

TEST(PathValidatorTest, RejectsAFileThatIsAlsoADirectory) {
  std::map<std::string, std::string> files = {{"app", ""},
                                              {"app/page.tsx", ""}};
  EXPECT_THAT(ValidatePathSet(files),
              IsInvalidArgument("generated_code[\"app\"]: is a file"));
  files = {{"App", ""}, {"app/page.tsx", ""}};
  EXPECT_THAT(ValidatePathSet(files), IsInvalidArgument("is a file"));
}

TEST(PathValidatorTest, AcceptsSiblingsThatSortBetweenParentAndChild) {
  std::map<std::string, std::string> files = {
      {"app-x", ""}, {"app.ts", ""}, {"app/page.tsx", ""}, {"apps/a", ""}};
  EXPECT_TRUE(ValidatePathSet(files).ok());
}

}  // namespace
}  // namespace sandboxd::scaffold

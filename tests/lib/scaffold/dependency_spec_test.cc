#include "lib/scaffold/dependency_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;

TEST(DependencySpecTest, AcceptsRangesTagsAndRegistryAliases) {
  for (const char* spec :
       {"^1.2.3", "~0.7.0", "1.x", "*", "", "latest", "next", "canary",
        ">=2 <3", "16.4.6", "npm:react@^19", "npm:@scope/pkg@1.0.0",
        "npm:lodash", "npm:string-width@^4.2.0"}) {
    EXPECT_TRUE(ValidateDependency("some-pkg", spec).ok()) << spec;
  }
}

TEST(DependencySpecTest, RejectsNonRegistrySpecsNamingThePackage) {
  EXPECT_EQ(ValidateDependency("foo", "file:../foo").message(),
            "dependency \"foo\": \"file:../foo\" is not a registry version "
            "(local paths are not allowed)");
  EXPECT_THAT(ValidateDependency("a", "link:../a"), IsInvalidArgument("local"));
  EXPECT_THAT(ValidateDependency("a", "./vendor/a"),
              IsInvalidArgument("local"));
  EXPECT_THAT(ValidateDependency("a", "/abs/a.tgz"),
              IsInvalidArgument("local"));
  EXPECT_THAT(ValidateDependency("a", "git+ssh://git@github.com/x/y.git"),
              IsInvalidArgument("git dependencies"));
  EXPECT_THAT(ValidateDependency("a", "github:acme/ui#main"),
              IsInvalidArgument("git dependencies"));
  EXPECT_THAT(ValidateDependency("a", "gitlab:acme/ui"),
              IsInvalidArgument("git"));
  EXPECT_THAT(ValidateDependency("a", "https://example.com/a.tgz"),
              IsInvalidArgument("URL dependencies"));
  EXPECT_THAT(ValidateDependency("a", "http://127.0.0.1:8080/a.tgz"),
              IsInvalidArgument("URL"));
  EXPECT_THAT(ValidateDependency("a", "workspace:*"),
              IsInvalidArgument("workspace"));
  EXPECT_THAT(ValidateDependency("a", "acme/ui"), IsInvalidArgument("GitHub"));
}

TEST(DependencySpecTest, RejectsAliasesToNonRegistrySpecs) {
  EXPECT_THAT(ValidateDependency("react", "npm:evil@file:../evil"),
              IsInvalidArgument("dependency \"react\""));
  EXPECT_THAT(ValidateDependency("react", "npm:x@github:a/b"),
              IsInvalidArgument("npm: aliases"));
  EXPECT_THAT(ValidateDependency("react", "npm:../x"),
              IsInvalidArgument("npm:"));
  EXPECT_THAT(ValidateDependency("react", "npm:"), IsInvalidArgument("npm:"));
}

TEST(DependencySpecTest, ValidatesPackageNames) {
  for (const char* name : {"react", "@types/react", "lodash.debounce",
                           "JSONStream", "date-fns", "@radix-ui/react-slot"}) {
    EXPECT_TRUE(ValidatePackageName(name).ok()) << name;
  }
  for (const char* name : {"", ".hidden", "_private", "@scope", "@/x", "a b",
                           "../x", "a/b", "node_modules", "@s/"}) {
    EXPECT_THAT(ValidatePackageName(name),
                IsInvalidArgument("invalid package name"))
        << name;
  }
  EXPECT_THAT(ValidatePackageName(std::string(215, 'a')),
              IsInvalidArgument("invalid package name"));
}

}  // namespace
}  // namespace sandboxd::scaffold

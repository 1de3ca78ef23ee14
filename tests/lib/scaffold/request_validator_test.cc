#include "lib/scaffold/request_validator.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;

Request WithFiles(std::map<std::string, std::string> files) {
  Request request;
  request.generated_code = std::move(files);
  return request;
}

TEST(RequestValidatorTest, AcceptsAnOrdinaryRequest) {
  Request request = WithFiles({{"page.tsx", "export default () => null;"}});
  request.environment = {{"NEXT_PUBLIC_API", "https://x"}, {"_X1", ""}};
  request.build_script = "npm run build";
  EXPECT_TRUE(ValidateRequest(request, Limits()).ok());
}

TEST(RequestValidatorTest, EnforcesFileLimits) {
  Limits limits;
  limits.max_files = 2;
  limits.max_file_bytes = 10;
  limits.max_total_bytes = 15;
  EXPECT_THAT(ValidateRequest(WithFiles({}), limits),
              IsInvalidArgument("no files"));
  EXPECT_THAT(
      ValidateRequest(WithFiles({{"a", ""}, {"b", ""}, {"c", ""}}), limits),
      IsInvalidArgument("generated_code: 3 files exceed the limit of 2"));
  EXPECT_THAT(ValidateRequest(WithFiles({{"a", std::string(11, 'x')}}), limits),
              IsInvalidArgument("generated_code[\"a\"]: 11 bytes exceed the "
                                "per-file limit of 10 bytes"));
  EXPECT_TRUE(
      ValidateRequest(WithFiles({{"a", std::string(10, 'x')}}), limits).ok());
  EXPECT_THAT(ValidateRequest(WithFiles({{"a", std::string(8, 'x')},
                                         {"b", std::string(8, 'x')}}),
                              limits),
              IsInvalidArgument("total limit of 15 bytes"));
}

TEST(RequestValidatorTest, DefaultLimitsMatchTheProduct) {
  Limits limits;
  EXPECT_EQ(limits.max_files, 1000u);
  EXPECT_EQ(limits.max_file_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(limits.max_total_bytes, 100u * 1024 * 1024);
  EXPECT_THAT(
      ValidateRequest(
          WithFiles({{"a", std::string(10 * 1024 * 1024 + 1, 'x')}}), limits),
      IsInvalidArgument("per-file limit of 10 MB"));
}

TEST(RequestValidatorTest, RejectsBinaryContentNamingTheFile) {
  EXPECT_THAT(
      ValidateRequest(WithFiles({{"public/logo.png", "\x89PNG\r\n"}}),
                      Limits()),
      IsInvalidArgument("generated_code[\"public/logo.png\"]: content is "
                        "not valid UTF-8 at byte 0"));
  EXPECT_THAT(
      ValidateRequest(WithFiles({{"a.ts", "ok \xed\xa0\x80"}}), Limits()),
      IsInvalidArgument("at byte 3"));
}

TEST(RequestValidatorTest, RejectsBadPaths) {
  EXPECT_THAT(
      ValidateRequest(WithFiles({{"../x", ""}}), Limits()),
      IsInvalidArgument("generated_code[\"../x\"]: path escapes the project"));
  EXPECT_THAT(
      ValidateRequest(WithFiles({{"A.ts", ""}, {"a.ts", ""}}), Limits()),
      IsInvalidArgument("differs only by case"));
}

TEST(RequestValidatorTest, ValidatesEnvironment) {
  Request request = WithFiles({{"page.tsx", ""}});
  request.environment = {{"1BAD", "x"}};
  EXPECT_THAT(
      ValidateRequest(request, Limits()),
      IsInvalidArgument("environment[\"1BAD\"]: invalid variable name"));
  for (const char* name : {"", "A-B", "A B", "A=B", "\xc3\xa9"}) {
    request.environment = {{name, "x"}};
    EXPECT_THAT(ValidateRequest(request, Limits()),
                IsInvalidArgument("invalid variable name"))
        << name;
  }
  Limits limits;
  limits.max_env_value_bytes = 4;
  limits.max_env_vars = 2;
  request.environment = {{"A", "12345"}};
  EXPECT_THAT(ValidateRequest(request, limits),
              IsInvalidArgument(
                  "environment[\"A\"]: value exceeds the limit of 4 bytes"));
  request.environment = {{"A", "1"}, {"B", "2"}, {"C", "3"}};
  EXPECT_THAT(
      ValidateRequest(request, limits),
      IsInvalidArgument("environment: 3 variables exceed the limit of 2"));
  request.environment = {{"A", std::string("a\0b", 3)}};
  EXPECT_THAT(ValidateRequest(request, limits), IsInvalidArgument("NUL"));
  request.environment = {{"A", "\xff"}};
  EXPECT_THAT(ValidateRequest(request, limits), IsInvalidArgument("UTF-8"));
}

TEST(RequestValidatorTest, ValidatesBuildScript) {
  Request request = WithFiles({{"page.tsx", ""}});
  Limits limits;
  limits.max_build_script_bytes = 8;
  request.build_script = "npm run build";
  EXPECT_THAT(ValidateRequest(request, limits),
              IsInvalidArgument("build_script: longer than 8 bytes"));
  request.build_script = std::string("a\0b", 3);
  EXPECT_THAT(ValidateRequest(request, limits),
              IsInvalidArgument("build_script: contains a NUL"));
}

}  // namespace
}  // namespace sandboxd::scaffold

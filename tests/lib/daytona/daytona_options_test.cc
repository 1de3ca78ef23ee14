#include "lib/daytona/daytona_options.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::daytona {
namespace {

using ::testing::HasSubstr;

GetEnvFn Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(DaytonaOptionsTest, ReadsEnvironment) {
  absl::StatusOr<DaytonaOptions> options = DaytonaOptionsFromEnv(
      Env({{"DAYTONA_API_KEY", "dtn_abc"},
           {"DAYTONA_API_URL", "http://127.0.0.1:3986/api"},
           {"DAYTONA_TARGET", "eu"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->api_key, "dtn_abc");
  EXPECT_EQ(options->api_url, "http://127.0.0.1:3986/api");
  EXPECT_EQ(options->target, "eu");
}

TEST(DaytonaOptionsTest, DefaultsToTheCloudEndpoint) {
  absl::StatusOr<DaytonaOptions> options =
      DaytonaOptionsFromEnv(Env({{"DAYTONA_API_KEY", "k"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->api_url, "https://app.daytona.io/api");
}

TEST(DaytonaOptionsTest, PrefersApiUrlOverDeprecatedServerUrl) {
  absl::StatusOr<DaytonaOptions> options = DaytonaOptionsFromEnv(
      Env({{"DAYTONA_API_KEY", "k"},
           {"DAYTONA_SERVER_URL", "https://old.example/api"},
           {"DAYTONA_API_URL", "https://new.example/api"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->api_url, "https://new.example/api");
}

TEST(DaytonaOptionsTest, RequiresCredentials) {
  absl::StatusOr<DaytonaOptions> options = DaytonaOptionsFromEnv(Env({}));
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr("DAYTONA_API_KEY"));
}

TEST(DaytonaOptionsTest, RequiresOrganizationWithJwt) {
  EXPECT_EQ(DaytonaOptionsFromEnv(Env({{"DAYTONA_JWT_TOKEN", "eyJ"}}))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DaytonaOptionsFromEnv(Env({{"DAYTONA_JWT_TOKEN", "eyJ"},
                                         {"DAYTONA_ORGANIZATION_ID", "org"}}))
                  .ok());
}

TEST(DaytonaOptionsTest, RejectsResourcesWithSnapshot) {
  DaytonaOptions options;
  options.api_key = "k";
  options.snapshot = "snap";
  options.cpu = 2;
  absl::Status status = ValidateOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("resources"));
  options.snapshot.clear();
  options.image = "node:20";
  EXPECT_TRUE(ValidateOptions(options).ok());
}

TEST(DaytonaOptionsTest, RejectsSnapshotWithImageAndBadTtl) {
  DaytonaOptions options;
  options.api_key = "k";
  options.snapshot = "snap";
  options.image = "node:20";
  EXPECT_EQ(ValidateOptions(options).code(),
            absl::StatusCode::kInvalidArgument);
  options.image.clear();
  options.signed_preview_ttl = absl::Hours(48);
  EXPECT_EQ(ValidateOptions(options).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd::daytona

#include "lib/http/rest_query.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

absl::Status Populate(google::protobuf::Message& message,
                      std::string_view query,
                      std::vector<std::string> excluded = {}) {
  absl::StatusOr<QueryParams> params = ParseQueryString(query);
  if (!params.ok()) return params.status();
  return PopulateQueryParameters(message, *params, excluded);
}

TEST(ParseQueryStringTest, DecodesPairs) {
  absl::StatusOr<QueryParams> params =
      ParseQueryString("a=1&b=x%20y+z&&flag&c=");
  ASSERT_TRUE(params.ok());
  EXPECT_THAT(*params, ElementsAre(Pair("a", "1"), Pair("b", "x y z"),
                                   Pair("flag", ""), Pair("c", "")));
  EXPECT_EQ(ParseQueryString("a=%zz").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PopulateQueryParametersTest, ProtoAndJsonNames) {
  sandbox::v1::ListSandboxesRequest request;
  ASSERT_TRUE(Populate(request, "page_size=5&pageToken=t").ok());
  EXPECT_EQ(request.page_size(), 5);
  EXPECT_EQ(request.page_token(), "t");
}

TEST(PopulateQueryParametersTest, RepeatedKeysAndEnumsByNameOrNumber) {
  sandbox::v1::ListSandboxesRequest request;
  ASSERT_TRUE(Populate(request,
                       "statuses=SANDBOX_STATUS_READY&statuses=5&"
                       "labelSelector=a%3Db&label_selector=c")
                  .ok());
  ASSERT_EQ(request.statuses_size(), 2);
  EXPECT_EQ(request.statuses(0), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(request.statuses(1), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_THAT(request.label_selector(), ElementsAre("a=b", "c"));
}

TEST(PopulateQueryParametersTest, BadValuesAreInvalidArgument) {
  sandbox::v1::ListSandboxesRequest request;
  absl::Status status = Populate(request, "page_size=abc");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("page_size"));
  EXPECT_EQ(Populate(request, "page_size=99999999999").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Populate(request, "statuses=NOPE").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Populate(request, "statuses=42").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Populate(request, "page_size=1&page_size=2").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PopulateQueryParametersTest, UnknownAndExcludedAreIgnored) {
  sandbox::v1::WatchBuildRequest request;
  ASSERT_TRUE(
      Populate(request, "nope=1&sandbox_id=x&afterSequence=-7", {"sandbox_id"})
          .ok());
  EXPECT_EQ(request.sandbox_id(), "");
  EXPECT_EQ(request.after_sequence(), -7);
}

TEST(PopulateQueryParametersTest, NestedWellKnownTypesAndBool) {
  sandbox::v1::CreateSandboxRequest request;
  ASSERT_TRUE(Populate(request,
                       "idle_timeout=3.5s&mode=MODE_PRODUCTION&"
                       "waitUntilReady=true")
                  .ok());
  EXPECT_EQ(request.idle_timeout().seconds(), 3);
  EXPECT_EQ(request.idle_timeout().nanos(), 500000000);
  EXPECT_EQ(request.mode(), sandbox::v1::MODE_PRODUCTION);
  EXPECT_TRUE(request.wait_until_ready());
  EXPECT_EQ(Populate(request, "idle_timeout=soon").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Populate(request, "waitUntilReady=yes").code(),
            absl::StatusCode::kInvalidArgument);

  sandbox::v1::Sandbox sandbox;
  ASSERT_TRUE(Populate(sandbox,
                       "error.code=E1&error.phase=BUILD_PHASE_READY&"
                       "createTime=2024-01-02T03:04:05Z")
                  .ok());
  EXPECT_EQ(sandbox.error().code(), "E1");
  EXPECT_EQ(sandbox.error().phase(), sandbox::v1::BUILD_PHASE_READY);
  EXPECT_EQ(sandbox.create_time().seconds(), 1704164645);
  // A map field cannot be set from the query.
  EXPECT_EQ(Populate(sandbox, "labels=x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ResolveFieldPathTest, FindsAndRejects) {
  const auto* type = sandbox::v1::Sandbox::descriptor();
  auto path = ResolveFieldPath(type, "error.message");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->back()->full_name(), "sandbox.v1.SandboxError.message");
  EXPECT_EQ(ResolveFieldPath(type, "nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveFieldPath(type, "owner.x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd

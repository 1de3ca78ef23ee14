// Unit tests of the transcoder's pieces: bindings read from the descriptors,
// JSON options, the status table and Grpc-Timeout parsing.
#include "lib/http/rest_transcoder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/rest_errors.h"
#include "lib/http/rest_json.h"
#include "lib/http/rest_routes.h"
#include "rapidjson/document.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

RestRouteTable SandboxTable() {
  auto bindings = ReadRestBindings(
      sandbox::v1::GetSandboxRequest::descriptor()->file()->service(0));
  EXPECT_TRUE(bindings.ok()) << bindings.status();
  return RestRouteTable(bindings.ok() ? *std::move(bindings)
                                      : std::vector<RestBinding>());
}

TEST(RestRoutesTest, ReadsEveryAnnotatedMethod) {
  RestRouteTable table = SandboxTable();
  ASSERT_EQ(table.bindings().size(), 6u);
  const RestBinding& create = table.bindings()[0];
  EXPECT_EQ(create.http_method, "POST");
  EXPECT_EQ(create.body, "*");
  EXPECT_EQ(create.grpc_path, "/sandbox.v1.SandboxService/Create");
}

TEST(RestRoutesTest, FindsByMethodAndPath) {
  RestRouteTable table = SandboxTable();
  auto get = table.Find("GET", "/api/sandbox/sbx-1");
  ASSERT_NE(get.binding, nullptr);
  EXPECT_EQ(get.binding->method->name(), "Get");
  EXPECT_THAT(get.variables, ElementsAre(Pair("sandbox_id", "sbx-1")));
  EXPECT_THAT(get.methods, UnorderedElementsAre("GET", "DELETE"));

  auto watch = table.Find("GET", "/api/sandbox/x/build/events");
  ASSERT_NE(watch.binding, nullptr);
  EXPECT_TRUE(watch.binding->method->server_streaming());

  auto apply = table.Find("POST", "/api/sandbox/sbx-1/files");
  ASSERT_NE(apply.binding, nullptr);
  EXPECT_EQ(apply.binding->method->name(), "ApplyFiles");
  EXPECT_EQ(apply.binding->body, "*");

  auto wrong = table.Find("PUT", "/api/sandbox/x");
  EXPECT_EQ(wrong.binding, nullptr);
  EXPECT_TRUE(wrong.path_known);

  auto unknown = table.Find("GET", "/api/nothing/here/at/all");
  EXPECT_EQ(unknown.binding, nullptr);
  EXPECT_FALSE(unknown.path_known);
}

TEST(RestJsonTest, PrintsLikeGrpcGatewayV2) {
  sandbox::v1::GetSandboxResponse response;
  response.mutable_sandbox()->set_sandbox_id("sbx-1");
  response.mutable_sandbox()->set_last_event_sequence(42);
  response.mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
  absl::StatusOr<std::string> json = MessageToRestJson(response);
  ASSERT_TRUE(json.ok());
  rapidjson::Document doc;
  doc.Parse(json->c_str());
  ASSERT_FALSE(doc.HasParseError()) << *json;
  EXPECT_FALSE(doc["success"].GetBool());
  const auto& sandbox = doc["sandbox"];
  EXPECT_STREQ(sandbox["sandboxId"].GetString(), "sbx-1");
  EXPECT_STREQ(sandbox["lastEventSequence"].GetString(), "42");
  EXPECT_STREQ(sandbox["status"].GetString(), "SANDBOX_STATUS_READY");
  EXPECT_STREQ(sandbox["phase"].GetString(), "BUILD_PHASE_UNSPECIFIED");
  EXPECT_TRUE(sandbox["labels"].IsObject());
  EXPECT_TRUE(sandbox["phaseDurations"].IsArray());
  EXPECT_TRUE(sandbox["error"].IsNull());
  EXPECT_TRUE(sandbox["createTime"].IsNull());
}

TEST(RestJsonTest, OneofMembersAreNotEmitted) {
  sandbox::v1::BuildEvent event;
  event.mutable_log()->set_text("hi");
  absl::StatusOr<std::string> json = MessageToRestJson(event);
  ASSERT_TRUE(json.ok());
  rapidjson::Document doc;
  doc.Parse(json->c_str());
  EXPECT_TRUE(doc.HasMember("log"));
  EXPECT_FALSE(doc.HasMember("finished"));
  EXPECT_TRUE(doc["time"].IsNull());

  sandbox::v1::BuildEvent finished;
  finished.mutable_finished()->set_preview_url("u");
  json = MessageToRestJson(finished);
  ASSERT_TRUE(json.ok());
  doc.Parse(json->c_str());
  EXPECT_TRUE(doc["finished"]["error"].IsNull()) << *json;
}

TEST(RestJsonTest, ParsesBothNamesAndIgnoresUnknownFields) {
  sandbox::v1::CreateSandboxRequest request;
  ASSERT_TRUE(MergeRestJson(R"({"projectName":"a","build_script":"b",
      "idleTimeout":"2s","nope":{"x":1}})",
                            request)
                  .ok());
  EXPECT_EQ(request.project_name(), "a");
  EXPECT_EQ(request.build_script(), "b");
  EXPECT_EQ(request.idle_timeout().seconds(), 2);
  EXPECT_TRUE(MergeRestJson("  ", request).ok());
  EXPECT_EQ(MergeRestJson("{bad", request).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeRestJson(R"({"waitUntilReady":"x"})", request).code(),
            absl::StatusCode::kInvalidArgument);
}

// Found by rest_json_fuzzer: protobuf's JSON parser takes invalid UTF-8
// into a string field and then fails with a message naming neither.
TEST(RestJsonTest, InvalidUtf8IsInvalidArgumentWithItsOffset) {
  sandbox::v1::CreateSandboxRequest request;
  absl::Status status =
      MergeRestJson("{\"generatedCode\":{\"a.tsx\":\"x\xff\"}}", request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "body: invalid UTF-8 at byte 28");
  // Overlong encodings, surrogates and truncated sequences too.
  for (const char* bad : {"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xe2\x82\""}) {
    EXPECT_EQ(MergeRestJsonIntoField(bad, "project_name", request).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  ASSERT_TRUE(MergeRestJson(
                  "{\"projectName\":\"caf\xc3\xa9 \xf0\x9f\x9a\x80\"}", request)
                  .ok());
  EXPECT_EQ(request.project_name(), "caf\xc3\xa9 \xf0\x9f\x9a\x80");
}

TEST(RestJsonTest, FieldBody) {
  sandbox::v1::Sandbox sandbox;
  ASSERT_TRUE(
      MergeRestJsonIntoField(R"({"code":"E","phase":"BUILD_PHASE_READY"})",
                             "error", sandbox)
          .ok());
  EXPECT_EQ(sandbox.error().code(), "E");
  EXPECT_EQ(sandbox.error().phase(), sandbox::v1::BUILD_PHASE_READY);
}

TEST(RestErrorsTest, StatusTable) {
  EXPECT_EQ(HttpStatusForGrpcCode(0), 200u);
  EXPECT_EQ(HttpStatusForGrpcCode(1), 499u);
  EXPECT_EQ(HttpStatusForGrpcCode(3), 400u);
  EXPECT_EQ(HttpStatusForGrpcCode(4), 504u);
  EXPECT_EQ(HttpStatusForGrpcCode(5), 404u);
  EXPECT_EQ(HttpStatusForGrpcCode(8), 429u);
  EXPECT_EQ(HttpStatusForGrpcCode(9), 400u);
  EXPECT_EQ(HttpStatusForGrpcCode(10), 409u);
  EXPECT_EQ(HttpStatusForGrpcCode(12), 501u);
  EXPECT_EQ(HttpStatusForGrpcCode(14), 503u);
  EXPECT_EQ(HttpStatusForGrpcCode(16), 401u);
  EXPECT_EQ(HttpStatusForGrpcCode(99), 500u);
}

TEST(RestErrorsTest, UnauthenticatedSetsWwwAuthenticate) {
  HttpResponse response = RestErrorResponse(
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "Bearer"));
  EXPECT_EQ(response.result_int(), 401u);
  EXPECT_EQ(response[boost::beast::http::field::www_authenticate], "Bearer");
  EXPECT_EQ(response.body(), R"({"code":16,"message":"Bearer","details":[]})");
  EXPECT_EQ(RestStreamErrorFrame(grpc::Status(grpc::StatusCode::ABORTED, "x")),
            "{\"error\":{\"code\":10,\"message\":\"x\",\"details\":[]}}\n");
}

TEST(ParseGrpcTimeoutTest, Units) {
  EXPECT_EQ(ParseGrpcTimeout("1S"), absl::Seconds(1));
  EXPECT_EQ(ParseGrpcTimeout("250m"), absl::Milliseconds(250));
  EXPECT_EQ(ParseGrpcTimeout("2H"), absl::Hours(2));
  EXPECT_FALSE(ParseGrpcTimeout("S").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("1x").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("-1S").has_value());
}

}  // namespace
}  // namespace sandboxd

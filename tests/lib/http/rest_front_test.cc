// The REST front end to end on an in-process sandboxd (ServerTestEnv): the
// routes the server registers, CORS, the front's limits on REST routes, the
// OpenAPI document, and cancellation of a watch whose client went away.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "lib/http/rest_transcoder.h"
#include "rapidjson/document.h"
#include "tests/lib/http/test_client.h"
#include "tests/server/server_test_env.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using testing::FakeProvider;
using ::testing::HasSubstr;
using testing::ServerTestEnv;
using testing::TestClient;

constexpr char kCreateBody[] =
    R"({"generatedCode":{"page.tsx":"export default function P(){return null}"},
        "projectName":"rest"})";

HttpRequest Request(http::verb verb, std::string target,
                    std::string body = "") {
  HttpRequest request(verb, target, 11);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
  }
  return request;
}

HttpResponse RoundTrip(int port, HttpRequest request) {
  TestClient client(port);
  EXPECT_TRUE(client.connected());
  EXPECT_TRUE(client.Send(std::move(request)));
  return client.Read();
}

std::string SandboxIdOf(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("sandboxId")) {
    return "";
  }
  return doc["sandboxId"].GetString();
}

// A second HTTP front on the env's gRPC channel, with its own options.
class OwnFront {
 public:
  OwnFront(ServerTestEnv& env, RestOptions rest, HttpServerOptions options) {
    auto router = std::make_shared<Router>();
    EXPECT_TRUE(AddRestRoutes(*router, env.channel(), std::move(rest)).ok());
    options.address = "127.0.0.1:0";
    auto server = HttpServer::Start(options, router);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  int port() const { return server_->port(); }

 private:
  std::unique_ptr<HttpServer> server_;
};

TEST(RestFrontTest, ServerRegistersTheRestRoutes) {
  ServerTestEnv env;
  const int port = env.server().http_port();
  HttpResponse created = RoundTrip(
      port, Request(http::verb::post, "/api/sandbox/create", kCreateBody));
  ASSERT_EQ(created.result_int(), 200u) << created.body();
  EXPECT_EQ(created[http::field::content_type], "application/json");
  std::string id = SandboxIdOf(created.body());
  ASSERT_FALSE(id.empty()) << created.body();

  HttpResponse got =
      RoundTrip(port, Request(http::verb::get, "/api/sandbox/" + id));
  EXPECT_EQ(got.result_int(), 200u);
  EXPECT_THAT(got.body(), HasSubstr("\"sandboxId\":\"" + id + "\""));

  HttpResponse missing =
      RoundTrip(port, Request(http::verb::get, "/api/sandbox/sbx-nope"));
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_THAT(missing.body(), HasSubstr("\"code\":5"));

  HttpResponse bad = RoundTrip(
      port, Request(http::verb::post, "/api/sandbox/create", "{nope"));
  EXPECT_EQ(bad.result_int(), 400u);
  EXPECT_THAT(bad.body(), HasSubstr("\"code\":3"));

  HttpResponse wrong =
      RoundTrip(port, Request(http::verb::put, "/api/sandbox/" + id));
  EXPECT_EQ(wrong.result_int(), 501u);
  EXPECT_EQ(wrong.body(),
            R"({"code":12,"message":"Method Not Allowed","details":[]})");
  HttpResponse unknown =
      RoundTrip(port, Request(http::verb::get, "/api/nothing"));
  EXPECT_EQ(unknown.result_int(), 404u);
  EXPECT_EQ(unknown.body(), R"({"code":5,"message":"Not Found","details":[]})");
}

TEST(RestFrontTest, ApplyFilesPostsABatchAndWaitsForIt) {
  ServerTestEnv env;
  const int port = env.server().http_port();
  HttpResponse created = RoundTrip(
      port, Request(http::verb::post, "/api/sandbox/create", kCreateBody));
  ASSERT_EQ(created.result_int(), 200u) << created.body();
  std::string id = SandboxIdOf(created.body());
  ASSERT_FALSE(id.empty()) << created.body();
  env.core().AwaitSettled(id);

  HttpResponse applied = RoundTrip(
      port,
      Request(http::verb::post, "/api/sandbox/" + id + "/files",
              R"({"files":{"page.tsx":"export default function P(){return 2}"},
                  "waitUntilApplied":true})"));
  ASSERT_EQ(applied.result_int(), 200u) << applied.body();
  EXPECT_EQ(applied[http::field::content_type], "application/json");
  rapidjson::Document doc;
  doc.Parse(applied.body().c_str());
  ASSERT_FALSE(doc.HasParseError()) << applied.body();
  ASSERT_TRUE(doc.HasMember("generation")) << applied.body();
  // int64 is a JSON string in the grpc-gateway shape.
  ASSERT_TRUE(doc["generation"].IsString()) << applied.body();
  EXPECT_STREQ(doc["generation"].GetString(), "2");
  EXPECT_THAT(applied.body(), HasSubstr("\"status\":\"SANDBOX_STATUS_READY\""));

  HttpResponse invalid =
      RoundTrip(port, Request(http::verb::post, "/api/sandbox/" + id + "/files",
                              R"({"deletedPaths":["nope.tsx"]})"));
  EXPECT_EQ(invalid.result_int(), 400u) << invalid.body();
  EXPECT_THAT(invalid.body(), HasSubstr("deleted_paths[0]"));
}

TEST(RestFrontTest, ServesTheOpenApiDocumentWhenGenerated) {
  ServerTestEnv env;
  HttpResponse response = RoundTrip(
      env.server().http_port(), Request(http::verb::get, "/api/openapi.json"));
  if (response.result_int() == 404u) {
    GTEST_SKIP() << "built without protoc-gen-swagger";
  }
  ASSERT_EQ(response.result_int(), 200u);
  rapidjson::Document doc;
  doc.Parse(response.body().c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["swagger"].GetString(), "2.0");
  EXPECT_TRUE(doc["paths"].HasMember("/api/sandbox/{sandbox_id}"));
}

TEST(RestFrontTest, CorsForAllowedOriginsOnly) {
  ServerTestEnv env;
  RestOptions rest;
  rest.cors_allowed_origins = {"https://app.example"};
  OwnFront front(env, rest, HttpServerOptions());

  HttpRequest preflight = Request(http::verb::options, "/api/sandbox/x");
  preflight.set(http::field::origin, "https://app.example");
  preflight.set(http::field::access_control_request_method, "DELETE");
  preflight.set(http::field::access_control_request_headers, "authorization");
  HttpResponse answer = RoundTrip(front.port(), preflight);
  EXPECT_EQ(answer.result_int(), 204u);
  EXPECT_EQ(answer[http::field::access_control_allow_origin],
            "https://app.example");
  EXPECT_EQ(answer[http::field::access_control_allow_methods], "GET, DELETE");
  EXPECT_EQ(answer[http::field::access_control_allow_headers], "authorization");

  preflight.set(http::field::origin, "https://evil.example");
  answer = RoundTrip(front.port(), preflight);
  EXPECT_EQ(answer.count(http::field::access_control_allow_origin), 0u);
  EXPECT_NE(answer.result_int(), 204u);

  HttpRequest get = Request(http::verb::get, "/api/sandbox");
  get.set(http::field::origin, "https://app.example");
  answer = RoundTrip(front.port(), get);
  EXPECT_EQ(answer.result_int(), 200u);
  EXPECT_EQ(answer[http::field::access_control_allow_origin],
            "https://app.example");
  get.set(http::field::origin, "https://evil.example");
  answer = RoundTrip(front.port(), get);
  EXPECT_EQ(answer.result_int(), 200u);
  EXPECT_EQ(answer.count(http::field::access_control_allow_origin), 0u);

  // None by default.
  HttpRequest on_server = Request(http::verb::get, "/api/sandbox");
  on_server.set(http::field::origin, "https://app.example");
  answer = RoundTrip(env.server().http_port(), on_server);
  EXPECT_EQ(answer.count(http::field::access_control_allow_origin), 0u);
}

TEST(RestFrontTest, LimitsHoldOnRestRoutes) {
  ServerTestEnv env;
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  options.max_header_bytes = 2048;
  options.read_timeout = absl::Milliseconds(300);
  OwnFront front(env, RestOptions(), options);

  HttpResponse big =
      RoundTrip(front.port(), Request(http::verb::post, "/api/sandbox/create",
                                      std::string(4096, ' ') + "{}"));
  EXPECT_EQ(big.result_int(), 413u);

  HttpRequest fat = Request(http::verb::get, "/api/sandbox");
  fat.set("Grpc-Metadata-Big", std::string(4096, 'x'));
  EXPECT_EQ(RoundTrip(front.port(), fat).result_int(), 431u);

  TestClient slow(front.port());
  ASSERT_TRUE(slow.SendRaw("GET /api/sandbox HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_EQ(slow.Read().result_int(), 408u);

  // Still serving.
  EXPECT_EQ(RoundTrip(front.port(), Request(http::verb::get, "/api/sandbox"))
                .result_int(),
            200u);
}

TEST(RestFrontTest, StreamsNdjsonAndCancelsWhenTheClientGoes) {
  ServerTestEnv env;
  const int port = env.server().http_port();
  env.core().provider().Hold(FakeProvider::Call::kProvision);
  HttpResponse created = RoundTrip(
      port, Request(http::verb::post, "/api/sandbox/create", kCreateBody));
  std::string id = SandboxIdOf(created.body());
  ASSERT_FALSE(id.empty()) << created.body();
  env.core().provider().AwaitHeld(FakeProvider::Call::kProvision, 1);

  {
    TestClient watcher(port);
    ASSERT_TRUE(watcher.Send(
        Request(http::verb::get, "/api/sandbox/" + id + "/build/events")));
    ASSERT_TRUE(watcher.ReadUntil("BUILD_PHASE_PROVISIONING"));
    EXPECT_THAT(watcher.raw(), HasSubstr("Transfer-Encoding: chunked"));
    EXPECT_THAT(watcher.raw(), HasSubstr("{\"result\":{"));
    EXPECT_THAT(env.metrics().RenderText(), HasSubstr("sandboxd_watchers 1"));
  }  // the client goes away mid-stream
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (
      !absl::StrContains(env.metrics().RenderText(), "sandboxd_watchers 0") &&
      absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(env.metrics().RenderText(), HasSubstr("sandboxd_watchers 0"));
  env.core().provider().Release(FakeProvider::Call::kProvision);
}

TEST(RestFrontTest, StreamWaitsForRoomWhenTheQueueIsFull) {
  ServerTestEnv env;
  HttpServerOptions options;
  options.stream_queue_bytes = 64;  // smaller than one frame: Write says kFull
  OwnFront front(env, RestOptions(), options);
  HttpResponse created =
      RoundTrip(front.port(),
                Request(http::verb::post, "/api/sandbox/create", kCreateBody));
  std::string id = SandboxIdOf(created.body());
  ASSERT_FALSE(id.empty()) << created.body();

  HttpResponse watched = RoundTrip(
      front.port(),
      Request(http::verb::get, "/api/sandbox/" + id + "/build/events"));
  ASSERT_EQ(watched.result_int(), 200u);
  EXPECT_TRUE(watched.chunked());
  std::vector<std::string> lines = absl::StrSplit(watched.body(), '\n');
  ASSERT_GE(lines.size(), 4u) << watched.body();
  EXPECT_EQ(lines.back(), "");  // every frame ends with a newline
  lines.pop_back();
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i], HasSubstr(absl::StrCat("{\"result\":{\"sequence\":\"",
                                                 i + 1, "\"")));
  }
  EXPECT_THAT(lines.back(), HasSubstr("\"finished\""));
}

TEST(RestFrontTest, QuotaRefusalIs429WithRetryAfter) {
  ManagerOptions options;
  options.quotas.max_sandboxes = 1;
  ServerTestEnv env(options);
  const int port = env.server().http_port();
  HttpResponse created = RoundTrip(
      port, Request(http::verb::post, "/api/sandbox/create", kCreateBody));
  ASSERT_EQ(created.result_int(), 200u) << created.body();
  EXPECT_EQ(created.count(http::field::retry_after), 0u);
  HttpResponse refused = RoundTrip(
      port, Request(http::verb::post, "/api/sandbox/create", kCreateBody));
  EXPECT_EQ(refused.result_int(), 429u);
  EXPECT_EQ(refused[http::field::retry_after], "60");
  EXPECT_THAT(refused.body(), HasSubstr("\"code\":8"));
  EXPECT_THAT(refused.body(), HasSubstr("quota max_sandboxes_per_owner"));
}

TEST(RestFrontTest, ErrorBeforeTheFirstMessageIsAUnaryError) {
  ServerTestEnv env;
  HttpResponse response =
      RoundTrip(env.server().http_port(),
                Request(http::verb::get, "/api/sandbox/sbx-nope/build/events"));
  EXPECT_EQ(response.result_int(), 404u);
  EXPECT_FALSE(response.chunked());
  EXPECT_THAT(response.body(), HasSubstr("\"code\":5"));
}

}  // namespace
}  // namespace sandboxd

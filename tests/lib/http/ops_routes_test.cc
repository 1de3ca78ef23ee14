// Integration: /healthz, /readyz and /metrics served by a real HttpServer.
#include "lib/http/ops_routes.h"

#include <atomic>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using ::sandboxd::testing::TestClient;
using ::testing::HasSubstr;

class OpsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    AddOpsRoutes(*router, &metrics_, [this] { return ready_.load(); });
    HttpServerOptions options;
    options.address = "127.0.0.1:0";
    auto server = HttpServer::Start(options, router);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  MetricsRegistry metrics_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(OpsRoutesTest, HealthzIsOk) {
  TestClient client(server_->port());
  HttpResponse response = client.Get("/healthz");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "ok");
}

TEST_F(OpsRoutesTest, ReadyzFollowsReadyFunction) {
  TestClient client(server_->port());
  HttpResponse ready = client.Get("/readyz");
  EXPECT_EQ(ready.result(), http::status::ok);
  EXPECT_EQ(ready.body(), "ready");
  ready_ = false;
  HttpResponse draining = client.Get("/readyz");
  EXPECT_EQ(draining.result(), http::status::service_unavailable);
  EXPECT_EQ(draining.body(), "not ready");
}

TEST_F(OpsRoutesTest, MetricsRendersRegistryWithPrometheusContentType) {
  auto* counter = metrics_.AddCounter("sandboxd_test_total", "Test.", {"k"});
  auto* gauge = metrics_.AddGauge("sandboxd_hooked", "Hooked.", {});
  metrics_.AddScrapeHook([gauge] { gauge->Set({}, 42); });
  counter->Increment({"v"}, 3);
  TestClient client(server_->port());
  HttpResponse response = client.Get("/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_THAT(response.body(), HasSubstr("sandboxd_test_total{k=\"v\"} 3\n"));
  EXPECT_THAT(response.body(), HasSubstr("sandboxd_hooked 42\n"));
}

TEST_F(OpsRoutesTest, OpsPathsAnswer501ForOtherMethods) {
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::post, "/metrics", 11)));
  EXPECT_EQ(client.Read().result(), http::status::not_implemented);
}

}  // namespace
}  // namespace sandboxd

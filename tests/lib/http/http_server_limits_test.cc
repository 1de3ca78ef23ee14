// Integration: every limit of HttpServerOptions answers with its status and
// frees the connection: 413, 431, 408, idle close, the connection cap (503)
// and malformed requests (400).
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "lib/http/responder.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using ::sandboxd::testing::TestClient;

class HttpServerLimitsTest : public ::testing::Test {
 protected:
  HttpServerLimitsTest() : router_(std::make_shared<Router>()) {
    options_.address = "127.0.0.1:0";
    options_.max_body_bytes = 1000;
    options_.max_header_bytes = 1024;
    options_.read_timeout = absl::Milliseconds(200);
    options_.idle_timeout = absl::Milliseconds(200);
    router_->Handle(http::verb::post, "/echo",
                    PlainHandler([](HttpRequest request, Responder responder) {
                      HttpResponse response(http::status::ok, 11);
                      response.body() = request.body();
                      responder.Send(std::move(response));
                    }));
  }

  void StartServer() {
    auto server = HttpServer::Start(options_, router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // Reads one response and expects the server to close afterwards.
  static HttpResponse ReadFinal(TestClient& client) {
    boost::system::error_code ec;
    HttpResponse response = client.Read(&ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(response.keep_alive());
    EXPECT_TRUE(client.ServerClosed());
    return response;
  }

  HttpServerOptions options_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerLimitsTest, BodyWithinLimitIsServed) {
  StartServer();
  TestClient client(server_->port());
  HttpRequest request(http::verb::post, "/echo", 11);
  request.body() = std::string(1000, 'x');
  ASSERT_TRUE(client.Send(request));
  EXPECT_EQ(client.Read().body().size(), 1000u);
}

TEST_F(HttpServerLimitsTest, ContentLengthOverLimitIs413BeforeBodyIsRead) {
  StartServer();
  TestClient client(server_->port());
  // The body is never sent: the server must answer from the header alone.
  ASSERT_TRUE(client.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"));
  HttpResponse response = ReadFinal(client);
  EXPECT_EQ(response.result(), http::status::payload_too_large);
  EXPECT_EQ(response.body(),
            R"({"code":8,"message":"request body too large","details":[]})");
}

TEST_F(HttpServerLimitsTest, ContentLengthOverLimitIs413EvenForUnknownPath) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw(
      "PUT /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  EXPECT_EQ(ReadFinal(client).result(), http::status::payload_too_large);
}

TEST_F(HttpServerLimitsTest, ChunkedBodyOverLimitIs413) {
  StartServer();
  TestClient client(server_->port());
  std::string request =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    request += "1f4\r\n" + std::string(500, 'y') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.SendRaw(request));
  EXPECT_EQ(ReadFinal(client).result(), http::status::payload_too_large);
}

TEST_F(HttpServerLimitsTest, ChunkedBodyWithinLimitIsServed) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  EXPECT_EQ(client.Read().body(), "abcde");
}

TEST_F(HttpServerLimitsTest, OversizedHeaderIs431) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " +
                             std::string(2000, 'z') + "\r\n\r\n"));
  HttpResponse response = ReadFinal(client);
  EXPECT_EQ(response.result(), http::status::request_header_fields_too_large);
  EXPECT_EQ(response[http::field::content_type], "application/json");
}

TEST_F(HttpServerLimitsTest, SlowHeaderIs408) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GET /echo HTTP/1.1\r\nHo"));
  HttpResponse response = ReadFinal(client);
  EXPECT_EQ(response.result(), http::status::request_timeout);
  EXPECT_EQ(
      response.body(),
      R"({"code":4,"message":"request not received in time","details":[]})");
}

TEST_F(HttpServerLimitsTest, SilentNewConnectionIs408) {
  StartServer();
  TestClient client(server_->port());
  EXPECT_EQ(ReadFinal(client).result(), http::status::request_timeout);
}

TEST_F(HttpServerLimitsTest, StalledBodyIs408) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_EQ(ReadFinal(client).result(), http::status::request_timeout);
}

TEST_F(HttpServerLimitsTest, IdleKeepAliveConnectionIsClosedQuietly) {
  StartServer();
  TestClient client(server_->port());
  HttpRequest request(http::verb::post, "/echo", 11);
  request.body() = "hi";
  ASSERT_TRUE(client.Send(request));
  EXPECT_EQ(client.Read().body(), "hi");
  // No 408 for a connection that sent nothing since its last response.
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerLimitsTest, MalformedRequestIs400) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GET /echo HTTP/1.1\r\nBad Header\r\n\r\n"));
  EXPECT_EQ(ReadFinal(client).result(), http::status::bad_request);
}

TEST_F(HttpServerLimitsTest, ConnectionsBeyondCapGet503) {
  options_.max_connections = 1;
  options_.idle_timeout = absl::Seconds(30);
  StartServer();
  TestClient first(server_->port());
  HttpRequest request(http::verb::post, "/echo", 11);
  request.body() = "1";
  ASSERT_TRUE(first.Send(request));
  ASSERT_EQ(first.Read().body(), "1");  // registered and kept alive

  TestClient second(server_->port());
  ASSERT_TRUE(second.connected());
  HttpResponse rejected = ReadFinal(second);
  EXPECT_EQ(rejected.result(), http::status::service_unavailable);
  EXPECT_EQ(rejected.body(),
            R"({"code":14,"message":"too many connections","details":[]})");

  // The first connection still works, and its slot is reusable once closed.
  ASSERT_TRUE(first.Send(request));
  EXPECT_EQ(first.Read().body(), "1");
  first.socket().close();
  bool admitted = false;
  for (int attempt = 0; attempt < 200 && !admitted; ++attempt) {
    TestClient next(server_->port());
    ASSERT_TRUE(next.Send(request));
    admitted = next.Read().result() == http::status::ok;
  }
  EXPECT_TRUE(admitted);
}

}  // namespace
}  // namespace sandboxd

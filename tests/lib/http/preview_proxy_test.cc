// Integration: the preview proxy in front of a real (tiny) app on 127.0.0.1,
// with private previews: refused without credentials (never relayed, nothing
// woken), URL token traded for a host-only cookie, cookie relayed (HTTP and
// WebSocket), credentials stripped before the app, public previews open.
#include "lib/http/preview_proxy.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/websocket.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "tests/lib/http/test_client.h"
#include "tests/testing/fake_clock.h"

namespace sandboxd {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ::sandboxd::testing::FakeClock;
using ::sandboxd::testing::TestClient;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

void SetTimeouts(int fd) {
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

// The sandbox's app: answers "app:<target>" or echoes one WebSocket message,
// and records every request header it receives. One connection at a time.
class FakeApp {
 public:
  FakeApp()
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeApp() {
    stopping_ = true;
    net::io_context ioc;
    tcp::socket wake(ioc);
    boost::system::error_code ec;
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }

  int port() const { return port_; }
  std::vector<std::string> headers() {
    absl::MutexLock lock(&mu_);
    return headers_;
  }

 private:
  void Loop() {
    while (true) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      SetTimeouts(socket.native_handle());
      Serve(std::move(socket));
    }
  }

  void Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    {
      std::string text = std::string(request.target()) + "\n";
      for (const auto& field : request) {
        text += std::string(field.name_string()) + ": " +
                std::string(field.value()) + "\n";
      }
      absl::MutexLock lock(&mu_);
      headers_.push_back(std::move(text));
    }
    if (websocket::is_upgrade(request)) {
      websocket::stream<tcp::socket> ws(std::move(socket));
      ws.accept(request, ec);
      if (ec) return;
      beast::flat_buffer message;
      ws.read(message, ec);
      if (ec) return;
      ws.text(true);
      ws.write(net::buffer("echo:" + beast::buffers_to_string(message.data())),
               ec);
      ws.close(websocket::close_code::normal, ec);
      return;
    }
    http::response<http::string_body> response(http::status::ok, 11);
    response.set(http::field::content_type, "text/plain");
    response.keep_alive(false);
    response.body() = "app:" + std::string(request.target());
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::string> headers_ ABSL_GUARDED_BY(mu_);
};

// Sandboxes "sba" (private), "sbb" (private) and "sbp" (public), all ready,
// served by the FakeApp. Counts Check calls (activity and wake-ups).
class FakeBackend final : public PreviewBackend {
 public:
  explicit FakeBackend(int app_port) : app_port_(app_port) {}

  Visibility GetVisibility(std::string_view sandbox_id) override {
    if (sandbox_id == "sbp") return Visibility::kPublic;
    if (sandbox_id == "sba" || sandbox_id == "sbb") return Visibility::kPrivate;
    return Visibility::kNotFound;
  }
  Status Check(std::string_view sandbox_id) override {
    ++checks;
    Status status;
    if (GetVisibility(sandbox_id) != Visibility::kNotFound) {
      status.state = State::kReady;
    }
    return status;
  }
  absl::StatusOr<int> Dial(std::string_view) override {
    net::io_context ioc;
    tcp::socket socket(ioc);
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(app_port_)),
                   ec);
    if (ec) return absl::UnavailableError(ec.message());
    return socket.release();
  }

  std::atomic<int> checks{0};

 private:
  const int app_port_;
};

class PreviewProxyTest : public ::testing::Test {
 protected:
  PreviewProxyTest()
      : clock_(std::make_shared<FakeClock>()),
        backend_(std::make_shared<FakeBackend>(app_.port())) {
    auth::PreviewTokenOptions token_options;
    token_options.url_ttl = absl::Minutes(10);
    token_options.cookie_ttl = absl::Hours(24);
    tokens_ = *auth::PreviewTokens::Create(std::string(32, 'k'), clock_,
                                           token_options);
    auto router = std::make_shared<Router>();
    PreviewOptions options;
    options.tokens = tokens_;
    AddPreviewRoutes(*router, backend_, options);
    HttpServerOptions http_options;
    http_options.address = "127.0.0.1:0";
    server_ = *HttpServer::Start(http_options, router);
  }

  HttpResponse Visit(const std::string& id, const std::string& target,
                     const std::string& cookie = "") {
    TestClient client(server_->port());
    HttpRequest request(http::verb::get, target, 11);
    request.set(http::field::host, id + ".preview.localhost:8080");
    if (!cookie.empty()) request.set(http::field::cookie, cookie);
    client.Send(std::move(request));
    return client.Read();
  }

  std::string UrlToken(const std::string& id) {
    return tokens_->Mint(id, auth::PreviewTokenKind::kUrl);
  }
  std::string CookieToken(const std::string& id) {
    return tokens_->Mint(id, auth::PreviewTokenKind::kCookie);
  }

  // The cookie a URL token buys ("name=value"), from a real redirect.
  std::string SignIn(const std::string& id) {
    HttpResponse response =
        Visit(id, "/?sandboxd_preview_token=" + UrlToken(id));
    std::string set_cookie(response[http::field::set_cookie]);
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  FakeApp app_;
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<FakeBackend> backend_;
  std::shared_ptr<const auth::PreviewTokens> tokens_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(PreviewProxyTest, UnauthenticatedVisitToPrivatePreviewIsRefused) {
  HttpResponse response = Visit("sba", "/");
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_THAT(response.body(), HasSubstr("This preview is private"));
  EXPECT_THAT(response.body(), HasSubstr("sandboxctl get sba"));
  EXPECT_TRUE(app_.headers().empty());
  // Refused before Check: no activity, no wake-up.
  EXPECT_EQ(backend_->checks.load(), 0);
}

TEST_F(PreviewProxyTest, UrlTokenRedirectsWithHostOnlyCookie) {
  HttpResponse response = Visit(
      "sba", "/page?x=1&sandboxd_preview_token=" + UrlToken("sba") + "&y=2");
  EXPECT_EQ(response.result(), http::status::see_other);
  EXPECT_EQ(response[http::field::location], "/page?x=1&y=2");
  std::string cookie(response[http::field::set_cookie]);
  EXPECT_THAT(cookie, StartsWith("sandboxd_preview=v1.c."));
  EXPECT_THAT(cookie, HasSubstr("; Path=/"));
  EXPECT_THAT(cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("; SameSite=None; Secure"));
  EXPECT_THAT(cookie, HasSubstr("; Max-Age=86400"));
  EXPECT_THAT(cookie, Not(HasSubstr("Domain")));
  EXPECT_TRUE(app_.headers().empty());
  EXPECT_EQ(backend_->checks.load(), 0);
}

TEST_F(PreviewProxyTest, CookieIsRelayedWithoutReachingTheApp) {
  const std::string cookie = SignIn("sba");
  ASSERT_THAT(cookie, StartsWith("sandboxd_preview="));
  HttpResponse response = Visit("sba", "/page", "theme=dark; " + cookie);
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "app:/page");
  ASSERT_EQ(app_.headers().size(), 1u);
  EXPECT_THAT(app_.headers()[0], HasSubstr("Cookie: theme=dark\n"));
  EXPECT_THAT(app_.headers()[0], Not(HasSubstr("sandboxd_preview")));
  // The connection's next request must come through the proxy's check.
  EXPECT_THAT(app_.headers()[0], HasSubstr("Connection: close\n"));
  EXPECT_EQ(backend_->checks.load(), 1);
}

TEST_F(PreviewProxyTest, TokensNeverReachTheApp) {
  // A stale URL token next to a valid cookie: relayed, parameter removed.
  HttpResponse response = Visit("sba", "/a?sandboxd_preview_token=stale&q=1",
                                "sandboxd_preview=" + CookieToken("sba"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "app:/a?q=1");
  // A public preview: any token parameter or cookie is removed too.
  response =
      Visit("sbp", "/b?sandboxd_preview_token=junk", "sandboxd_preview=junk");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "app:/b");
  for (const std::string& header : app_.headers()) {
    EXPECT_THAT(header, Not(HasSubstr("sandboxd_preview"))) << header;
    EXPECT_THAT(header, Not(HasSubstr("Cookie"))) << header;
  }
}

TEST_F(PreviewProxyTest, CookieOfAnotherSandboxIsRefused) {
  const std::string cookie = SignIn("sba");
  HttpResponse response = Visit("sbb", "/", cookie);
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_TRUE(app_.headers().empty());
}

TEST_F(PreviewProxyTest, UrlTokenOfAnotherSandboxIsRefused) {
  HttpResponse response =
      Visit("sbb", "/?sandboxd_preview_token=" + UrlToken("sba"));
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_TRUE(response[http::field::set_cookie].empty());
}

TEST_F(PreviewProxyTest, UrlTokenIsNotACookieAndViceVersa) {
  EXPECT_EQ(Visit("sba", "/", "sandboxd_preview=" + UrlToken("sba")).result(),
            http::status::forbidden);
  EXPECT_EQ(
      Visit("sba", "/?sandboxd_preview_token=" + CookieToken("sba")).result(),
      http::status::forbidden);
  EXPECT_TRUE(app_.headers().empty());
}

TEST_F(PreviewProxyTest, ExpiredTokenAndCookieAreRefused) {
  const std::string url_token = UrlToken("sba");
  const std::string cookie = SignIn("sba");
  clock_->Advance(absl::Minutes(11));
  EXPECT_EQ(Visit("sba", "/?sandboxd_preview_token=" + url_token).result(),
            http::status::forbidden);
  EXPECT_EQ(Visit("sba", "/", cookie).result(), http::status::ok);
  clock_->Advance(absl::Hours(24));
  EXPECT_EQ(Visit("sba", "/", cookie).result(), http::status::forbidden);
  EXPECT_EQ(app_.headers().size(), 1u);
}

TEST_F(PreviewProxyTest, PublicPreviewIsRelayedWithoutToken) {
  HttpResponse response = Visit("sbp", "/hello");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "app:/hello");
}

TEST_F(PreviewProxyTest, UnknownSandboxIs404) {
  EXPECT_EQ(Visit("nosuch", "/").result(), http::status::not_found);
}

TEST_F(PreviewProxyTest, WebSocketUpgradeNeedsTheCookie) {
  const std::string cookie = SignIn("sba");
  auto handshake = [&](const std::string& cookie_header) {
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    ws.next_layer().connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"),
                      static_cast<unsigned short>(server_->port())));
    SetTimeouts(ws.next_layer().native_handle());
    ws.set_option(websocket::stream_base::decorator(
        [cookie_header](websocket::request_type& request) {
          if (!cookie_header.empty()) {
            request.set(http::field::cookie, cookie_header);
          }
        }));
    websocket::response_type response;
    boost::system::error_code ec;
    ws.handshake(response, "sba.preview.localhost:8080", "/_next/webpack-hmr",
                 ec);
    if (ec)
      return std::string("refused ") + std::to_string(response.result_int());
    ws.write(net::buffer(std::string("ping")), ec);
    beast::flat_buffer buffer;
    ws.read(buffer, ec);
    if (ec) return "read: " + ec.message();
    return beast::buffers_to_string(buffer.data());
  };
  EXPECT_EQ(handshake(""), "refused 403");
  EXPECT_TRUE(app_.headers().empty());
  EXPECT_EQ(handshake(cookie), "echo:ping");
  ASSERT_EQ(app_.headers().size(), 1u);
  EXPECT_THAT(app_.headers()[0], Not(HasSubstr("sandboxd_preview")));
}

TEST(PreviewProxyNoTokensTest, PrivatePreviewIsRefusedWithoutTokenKey) {
  FakeApp app;
  auto backend = std::make_shared<FakeBackend>(app.port());
  auto router = std::make_shared<Router>();
  AddPreviewRoutes(*router, backend, PreviewOptions{});
  HttpServerOptions http_options;
  http_options.address = "127.0.0.1:0";
  auto server = *HttpServer::Start(http_options, router);
  TestClient client(server->port());
  HttpRequest request(http::verb::get, "/?sandboxd_preview_token=x", 11);
  request.set(http::field::host, "sba.preview.localhost");
  client.Send(std::move(request));
  EXPECT_EQ(client.Read().result(), http::status::forbidden);
  EXPECT_TRUE(app.headers().empty());
}

}  // namespace
}  // namespace sandboxd

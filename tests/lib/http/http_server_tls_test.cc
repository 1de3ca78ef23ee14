// Integration: HttpServer with HttpServerOptions::tls on 127.0.0.1, driven
// by Beast TLS clients, with a throwaway PKI (tests/testing/test_pki.h):
// HTTPS requests with keep-alive, a WebSocket upgrade taken over through
// the TLS stream, plaintext clients refused, mutual TLS, and bad PEM.
#include <memory>
#include <string>

#include "boost/asio/connect.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "boost/beast/websocket.hpp"
#include "boost/beast/websocket/ssl.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "lib/http/responder.h"
#include "lib/http/tls_context.h"
#include "tests/testing/test_pki.h"

namespace sandboxd {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using ::testing::HasSubstr;

const testing::TestPki& Certs() { return testing::TestPki::Get(); }

// Echoes one WebSocket text message as "echo:<message>".
void EchoWebSocket(TakeoverContext context) {
  auto socket = std::make_shared<websocket::stream<HttpStream>>(
      std::move(context.stream));
  auto request = std::make_shared<http::request<http::empty_body>>(
      context.parser->release());
  auto buffer = std::make_shared<beast::flat_buffer>();
  socket->async_accept(*request, [socket, request,
                                  buffer](beast::error_code ec) {
    if (ec) return;
    socket->async_read(*buffer, [socket, buffer](beast::error_code ec, size_t) {
      if (ec) return;
      auto reply = std::make_shared<std::string>(
          "echo:" + beast::buffers_to_string(buffer->data()));
      socket->text(true);
      socket->async_write(net::buffer(*reply),
                          [socket, reply](beast::error_code, size_t) {});
    });
  });
}

class HttpServerTlsTest : public ::testing::Test {
 protected:
  HttpServerTlsTest() : router_(std::make_shared<Router>()) {
    options_.address = "127.0.0.1:0";
    options_.tls = HttpTlsOptions{Certs().Read("server.pem"),
                                  Certs().Read("server.key"), ""};
    router_->Handle(http::verb::get, "/hello",
                    PlainHandler([](HttpRequest, Responder responder) {
                      HttpResponse response(http::status::ok, 11);
                      response.body() = "hello";
                      responder.Send(std::move(response));
                    }));
    router_->Handle(http::verb::get, "/ws", TakeoverHandler(EchoWebSocket));
  }

  void SetUp() override { ASSERT_TRUE(Certs().ok()) << "openssl CLI failed"; }

  void StartServer() {
    auto server = HttpServer::Start(options_, router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  net::ip::tcp::endpoint Endpoint() const {
    return {net::ip::make_address("127.0.0.1"),
            static_cast<unsigned short>(server_->port())};
  }

  // A client context trusting `ca`, presenting `client` if not empty.
  static ssl::context ClientContext(const std::string& ca,
                                    const std::string& client) {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(Certs().Path(ca + ".pem"));
    context.set_verify_mode(ssl::verify_peer);
    if (!client.empty()) {
      context.use_certificate_chain_file(Certs().Path(client + ".pem"));
      context.use_private_key_file(Certs().Path(client + ".key"),
                                   ssl::context::pem);
    }
    return context;
  }

  // GETs `/hello` `requests` times on one TLS connection; the bodies
  // joined, or the first error.
  std::string GetHello(ssl::context& context, int requests = 1) {
    net::io_context ioc;
    beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
    stream.next_layer().expires_after(std::chrono::seconds(10));
    stream.next_layer().connect(Endpoint());
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return "handshake: " + ec.message();
    std::string bodies;
    for (int i = 0; i < requests; ++i) {
      http::request<http::empty_body> request(http::verb::get, "/hello", 11);
      request.set(http::field::host, "localhost");
      http::write(stream, request, ec);
      if (ec) return "write: " + ec.message();
      beast::flat_buffer buffer;
      http::response<http::string_body> response;
      http::read(stream, buffer, response, ec);
      if (ec) return "read: " + ec.message();
      bodies += response.body();
    }
    return bodies;
  }

  HttpServerOptions options_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTlsTest, ServesHttpsWithKeepAlive) {
  StartServer();
  ssl::context context = ClientContext("ca", "");
  EXPECT_EQ(GetHello(context, 2), "hellohello");
}

TEST_F(HttpServerTlsTest, ClientNotTrustingTheServerFailsTheHandshake) {
  StartServer();
  ssl::context context = ClientContext("other_ca", "");
  EXPECT_THAT(GetHello(context), HasSubstr("handshake"));
}

TEST_F(HttpServerTlsTest, PlaintextClientGetsNoHttpResponse) {
  StartServer();
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(Endpoint());
  http::request<http::empty_body> request(http::verb::get, "/hello", 11);
  request.set(http::field::host, "localhost");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code ec;
  http::read(stream, buffer, response, ec);
  EXPECT_TRUE(ec) << "answered " << response.result_int();
  EXPECT_NE(ec, beast::error::timeout);  // closed at once, not left hanging
}

TEST_F(HttpServerTlsTest, WebSocketUpgradeIsServedThroughTls) {
  StartServer();
  ssl::context context = ClientContext("ca", "");
  net::io_context ioc;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, context);
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(ws).connect(Endpoint());
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost", "/ws");
  ws.write(net::buffer(std::string("ping")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:ping");
}

TEST_F(HttpServerTlsTest, MutualTlsRequiresACertificateFromTheClientCa) {
  options_.tls->client_ca_pem = Certs().Read("ca.pem");
  StartServer();
  ssl::context anonymous = ClientContext("ca", "");
  EXPECT_NE(GetHello(anonymous), "hello");
  ssl::context stranger = ClientContext("ca", "stranger");
  EXPECT_NE(GetHello(stranger), "hello");
  ssl::context client = ClientContext("ca", "client");
  EXPECT_EQ(GetHello(client), "hello");
}

TEST(TlsContextTest, RejectsBadPem) {
  ASSERT_TRUE(Certs().ok());
  HttpTlsOptions options{"not a certificate", Certs().Read("server.key"), ""};
  absl::StatusOr<std::unique_ptr<ssl::context>> context =
      MakeServerTlsContext(options);
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(context.status().message(), HasSubstr("certificate chain"));

  options = {Certs().Read("server.pem"), Certs().Read("client.key"), ""};
  context = MakeServerTlsContext(options);
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);

  options = {Certs().Read("server.pem"), Certs().Read("server.key"), "junk"};
  context = MakeServerTlsContext(options);
  EXPECT_THAT(context.status().message(), HasSubstr("client CA"));
}

TEST(TlsContextTest, HttpServerStartFailsOnBadPem) {
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.tls = HttpTlsOptions{"x", "y", ""};
  EXPECT_EQ(
      HttpServer::Start(options, std::make_shared<Router>()).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd

// Integration: HttpServer on 127.0.0.1 with an ephemeral port, driven by a
// Beast client. Routing, keep-alive, plain handlers (sync and async),
// takeover (raw and WebSocket), and Shutdown.
#include "lib/http/http_server.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/websocket.hpp"
#include "gtest/gtest.h"
#include "lib/http/responder.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using ::sandboxd::testing::TestClient;

HttpResponse Text(std::string body) {
  HttpResponse response(http::status::ok, 11);
  response.set(http::field::content_type, "text/plain");
  response.body() = std::move(body);
  return response;
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : router_(std::make_shared<Router>()) {
    options_.address = "127.0.0.1:0";
    router_->Handle(http::verb::get, "/hello",
                    PlainHandler([](HttpRequest, Responder responder) {
                      responder.Send(Text("hello"));
                    }));
    router_->Handle(http::verb::post, "/echo",
                    PlainHandler([](HttpRequest request, Responder responder) {
                      responder.Send(Text(request.body()));
                    }));
  }

  void StartServer() {
    auto server = HttpServer::Start(options_, router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  HttpServerOptions options_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, BindsEphemeralPortAndServesRoute) {
  StartServer();
  EXPECT_GT(server_->port(), 0);
  TestClient client(server_->port());
  ASSERT_TRUE(client.connected());
  HttpResponse response = client.Get("/hello?x=1");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "hello");
}

TEST_F(HttpServerTest, UnknownPathIsGatewayStyle404) {
  StartServer();
  TestClient client(server_->port());
  HttpResponse response = client.Get("/missing");
  EXPECT_EQ(response.result(), http::status::not_found);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(),
            R"({"code":5,"message":"Not Found","details":[]})");
}

TEST_F(HttpServerTest, WrongMethodIsGatewayStyle501) {
  StartServer();
  TestClient client(server_->port());
  HttpRequest request(http::verb::delete_, "/hello", 11);
  ASSERT_TRUE(client.Send(request));
  HttpResponse response = client.Read();
  EXPECT_EQ(response.result(), http::status::not_implemented);
  EXPECT_EQ(response.body(),
            R"({"code":12,"message":"Method Not Allowed","details":[]})");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  TestClient client(server_->port());
  for (int i = 0; i < 3; ++i) {
    HttpRequest request(http::verb::post, "/echo", 11);
    request.body() = "body " + std::to_string(i);
    ASSERT_TRUE(client.Send(request));
    HttpResponse response = client.Read();
    EXPECT_EQ(response.body(), "body " + std::to_string(i));
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw(
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  EXPECT_EQ(client.Read().body(), "hello");
  EXPECT_EQ(client.Read().body(), "abc");
}

TEST_F(HttpServerTest, ConnectionCloseRequestClosesAfterResponse) {
  StartServer();
  TestClient client(server_->port());
  HttpRequest request(http::verb::get, "/hello", 11);
  request.keep_alive(false);
  ASSERT_TRUE(client.Send(request));
  HttpResponse response = client.Read();
  EXPECT_EQ(response.body(), "hello");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, ConcurrentClientsAreAllServed) {
  // Some answers come from another thread, to race Responder posts with
  // the io threads.
  router_->Handle(http::verb::post, "/async-echo",
                  PlainHandler([](HttpRequest request, Responder responder) {
                    std::thread([request = std::move(request),
                                 responder = std::move(responder)]() mutable {
                      responder.Send(Text(request.body()));
                    }).detach();
                  }));
  options_.io_threads = 3;
  StartServer();
  constexpr int kClients = 8;
  constexpr int kRequests = 100;
  std::vector<std::thread> clients;
  std::atomic<int> served{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestClient client(server_->port());
      for (int i = 0; i < kRequests; ++i) {
        HttpRequest request(http::verb::post,
                            i % 2 == 0 ? "/echo" : "/async-echo", 11);
        request.body() = std::to_string(c) + ":" + std::to_string(i);
        if (!client.Send(request)) return;
        if (client.Read().body() == request.body()) ++served;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(served.load(), kClients * kRequests);
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_TRUE(client.SendRaw("12345"));
  ASSERT_TRUE(client.ReadUntil("12345"));
  EXPECT_NE(client.raw().find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerMayAnswerLaterFromAnotherThread) {
  absl::Mutex mu;
  std::vector<Responder> parked;
  absl::Notification entered;
  router_->Handle(http::verb::get, "/slow",
                  PlainHandler([&](HttpRequest, Responder responder) {
                    absl::MutexLock lock(&mu);
                    parked.push_back(std::move(responder));
                    entered.Notify();
                  }));
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/slow", 11)));
  entered.WaitForNotification();
  std::thread answer([&] {
    absl::MutexLock lock(&mu);
    parked.front().Send(Text("late"));
  });
  answer.join();
  EXPECT_EQ(client.Read().body(), "late");
}

TEST_F(HttpServerTest, DroppedResponderAnswers500) {
  router_->Handle(http::verb::get, "/drop",
                  PlainHandler([](HttpRequest, Responder) {}));
  StartServer();
  TestClient client(server_->port());
  HttpResponse response = client.Get("/drop");
  EXPECT_EQ(response.result(), http::status::internal_server_error);
  EXPECT_EQ(
      response.body(),
      R"({"code":13,"message":"handler dropped the request","details":[]})");
}

TEST_F(HttpServerTest, HostRouteTakesPrecedence) {
  router_->HandleHost(
      [](std::string_view host) {
        return host.starts_with("abc.preview.localhost");
      },
      PlainHandler([](HttpRequest request, Responder responder) {
        responder.Send(Text("preview " + std::string(request.target())));
      }));
  StartServer();
  TestClient client(server_->port());
  HttpRequest request(http::verb::get, "/hello", 11);
  request.set(http::field::host, "abc.preview.localhost:8080");
  ASSERT_TRUE(client.Send(request));
  EXPECT_EQ(client.Read().body(), "preview /hello");
  EXPECT_EQ(client.Get("/hello").body(), "hello");
}

TEST_F(HttpServerTest, AccessLogHookSeesEachRequest) {
  absl::Mutex mu;
  std::vector<AccessLogEntry> entries;
  options_.access_log = [&](const AccessLogEntry& entry) {
    absl::MutexLock lock(&mu);
    entries.push_back(entry);
  };
  StartServer();
  TestClient client(server_->port());
  client.Get("/hello");
  client.Get("/missing");
  server_->Shutdown(absl::Seconds(1));
  absl::MutexLock lock(&mu);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].method, "GET");
  EXPECT_EQ(entries[0].target, "/hello");
  EXPECT_EQ(entries[0].status, 200);
  EXPECT_EQ(entries[1].status, 404);
}

// Takeover: the handler owns the socket, sees the header and the bytes the
// server read past it, and speaks its own protocol.
TEST_F(HttpServerTest, TakeoverGetsSocketHeaderAndRemainingBytes) {
  router_->Handle(
      http::verb::post, "/raw", TakeoverHandler([](TakeoverContext context) {
        auto owned = std::make_shared<TakeoverContext>(std::move(context));
        size_t length = std::stoul(
            std::string(owned->request()[http::field::content_length]));
        auto read_body = std::make_shared<std::function<void()>>();
        *read_body = [owned, length, read_body] {
          if (owned->buffer.size() >= length) {
            auto reply = std::make_shared<std::string>(
                "RAW " + std::string(owned->request()[http::field::host]) +
                " " + beast::buffers_to_string(owned->buffer.data()));
            net::async_write(owned->stream, net::buffer(*reply),
                             [owned, reply](beast::error_code, size_t) {
                               owned->stream.socket().shutdown(
                                   net::ip::tcp::socket::shutdown_both);
                             });
            *read_body = nullptr;  // break the cycle
            return;
          }
          owned->stream.async_read_some(
              owned->buffer.prepare(1024),
              [owned, read_body](beast::error_code ec, size_t n) {
                if (ec) return;
                owned->buffer.commit(n);
                (*read_body)();
              });
        };
        (*read_body)();
      }));
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw(
      "POST /raw HTTP/1.1\r\nHost: h1\r\nContent-Length: 10\r\n\r\nfirst"));
  ASSERT_TRUE(client.SendRaw("-rest"));
  ASSERT_TRUE(client.ReadUntil("RAW h1 first-rest"));
}

TEST_F(HttpServerTest, TakeoverServesWebSocketUpgrade) {
  router_->Handle(
      http::verb::get, "/ws", TakeoverHandler([](TakeoverContext context) {
        auto socket = std::make_shared<websocket::stream<HttpStream>>(
            std::move(context.stream));
        auto request = std::make_shared<http::request<http::empty_body>>(
            context.parser->release());
        auto buffer = std::make_shared<beast::flat_buffer>();
        socket->async_accept(*request, [socket, request,
                                        buffer](beast::error_code ec) {
          if (ec) return;
          socket->async_read(*buffer, [socket, buffer](beast::error_code ec,
                                                       size_t) {
            if (ec) return;
            auto reply = std::make_shared<std::string>(
                "echo:" + beast::buffers_to_string(buffer->data()));
            socket->text(true);
            socket->async_write(net::buffer(*reply),
                                [socket, reply](beast::error_code, size_t) {});
          });
        });
      }));
  StartServer();
  net::io_context ioc;
  websocket::stream<net::ip::tcp::socket> ws(ioc);
  ws.next_layer().connect(
      net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                             static_cast<unsigned short>(server_->port())));
  ws.handshake("127.0.0.1", "/ws");
  ws.write(net::buffer(std::string("ping")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:ping");
}

TEST_F(HttpServerTest, ShutdownLetsInFlightRequestFinish) {
  absl::Mutex mu;
  std::optional<Responder> parked;
  absl::Notification entered;
  router_->Handle(http::verb::get, "/slow",
                  PlainHandler([&](HttpRequest, Responder responder) {
                    absl::MutexLock lock(&mu);
                    parked.emplace(std::move(responder));
                    entered.Notify();
                  }));
  StartServer();
  TestClient busy(server_->port());
  TestClient idle(server_->port());
  EXPECT_EQ(idle.Get("/hello").body(), "hello");
  ASSERT_TRUE(busy.Send(HttpRequest(http::verb::get, "/slow", 11)));
  entered.WaitForNotification();

  std::thread shutdown([&] { server_->Shutdown(absl::Seconds(30)); });
  // Idle keep-alive connections are closed at once.
  EXPECT_TRUE(idle.ServerClosed());
  {
    absl::MutexLock lock(&mu);
    parked->Send(Text("finished"));
  }
  HttpResponse response = busy.Read();
  EXPECT_EQ(response.body(), "finished");
  EXPECT_FALSE(response.keep_alive());
  shutdown.join();
  TestClient late(server_->port());
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpServerTest, ShutdownClosesRequestsStillRunningAfterGrace) {
  absl::Mutex mu;
  std::optional<Responder> parked;
  absl::Notification entered;
  router_->Handle(http::verb::get, "/stuck",
                  PlainHandler([&](HttpRequest, Responder responder) {
                    absl::MutexLock lock(&mu);
                    parked.emplace(std::move(responder));
                    entered.Notify();
                  }));
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stuck", 11)));
  entered.WaitForNotification();
  server_->Shutdown(absl::Milliseconds(100));
  EXPECT_TRUE(client.ServerClosed());
  // Answering after the server is gone does nothing, safely.
  absl::MutexLock lock(&mu);
  parked->Send(Text("too late"));
  server_.reset();
  parked.reset();
}

TEST(HttpServerStartTest, RejectsBadAddressAndPortInUse) {
  HttpServerOptions options;
  options.address = "nonsense";
  auto bad = HttpServer::Start(options, std::make_shared<Router>());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);

  options.address = "127.0.0.1:0";
  auto first = HttpServer::Start(options, std::make_shared<Router>());
  ASSERT_TRUE(first.ok()) << first.status();
  options.address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpServer::Start(options, std::make_shared<Router>());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sandboxd

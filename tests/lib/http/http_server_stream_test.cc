// Integration: streaming handlers over real sockets. Chunks reach the client
// while the producer is still running, a client that leaves is reported to
// the producer, flow control holds a fast producer back, and the exchange
// always ends (Respond instead of a stream, an abandoned writer).
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "boost/beast/http/string_body.hpp"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "lib/http/stream_writer.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using ::sandboxd::testing::TestClient;

// Parses a complete raw HTTP/1.1 response (chunked or not).
HttpResponse Parse(const std::string& raw) {
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

class HttpServerStreamTest : public ::testing::Test {
 protected:
  HttpServerStreamTest() : router_(std::make_shared<Router>()) {
    options_.address = "127.0.0.1:0";
    router_->Handle(http::verb::get, "/stream",
                    StreamHandler([this](HttpRequest,
                                         std::shared_ptr<StreamWriter> writer) {
                      absl::MutexLock lock(&mu_);
                      writer_ = std::move(writer);
                    }));
  }

  void StartServer() {
    auto server = HttpServer::Start(options_, router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // Waits until the handler has parked its writer, and takes it.
  std::shared_ptr<StreamWriter> TakeWriter() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::shared_ptr<StreamWriter>* w) { return *w != nullptr; },
        &writer_));
    return std::move(writer_);
  }

  HttpServerOptions options_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  absl::Mutex mu_;
  std::shared_ptr<StreamWriter> writer_ ABSL_GUARDED_BY(mu_);
};

TEST_F(HttpServerStreamTest, ChunksArriveWhileProducerIsStillRunning) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();

  HttpResponseHeader header;
  header.result(http::status::ok);
  header.set(http::field::content_type, "application/x-ndjson");
  ASSERT_TRUE(writer->Start(header));
  ASSERT_EQ(writer->Write("{\"n\":1}\n"), StreamWriter::WriteResult::kAccepted);
  // The first line is readable before the second exists.
  ASSERT_TRUE(client.ReadUntil("{\"n\":1}\n"));
  EXPECT_NE(client.raw().find("Transfer-Encoding: chunked"), std::string::npos);
  ASSERT_EQ(writer->Write("{\"n\":2}\n"), StreamWriter::WriteResult::kAccepted);
  ASSERT_TRUE(client.ReadUntil("{\"n\":2}\n"));
  ASSERT_TRUE(writer->Finish());
  ASSERT_TRUE(client.ReadUntil("0\r\n\r\n"));

  HttpResponse response = Parse(client.raw());
  EXPECT_EQ(response[http::field::content_type], "application/x-ndjson");
  EXPECT_EQ(response.body(), "{\"n\":1}\n{\"n\":2}\n");
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(writer->Write("late"), StreamWriter::WriteResult::kClosed);
}

TEST_F(HttpServerStreamTest, KeepAliveContinuesAfterStream) {
  router_->Handle(
      http::verb::get, "/ping",
      StreamHandler([](HttpRequest, std::shared_ptr<StreamWriter> writer) {
        writer->Write("pong");
        writer->Finish();
      }));
  StartServer();
  TestClient client(server_->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/ping", 11)));
    HttpResponse response = client.Read();
    EXPECT_EQ(response.body(), "pong");
    EXPECT_TRUE(response.chunked());
  }
}

TEST_F(HttpServerStreamTest, ClientDisconnectIsReportedToIdleProducer) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();
  absl::Notification closed;
  writer->SetOnClosed([&] { closed.Notify(); });
  ASSERT_EQ(writer->Write("first"), StreamWriter::WriteResult::kAccepted);
  ASSERT_TRUE(client.ReadUntil("first"));

  client.socket().close();
  // The producer writes nothing more: the report comes from the socket.
  EXPECT_TRUE(closed.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(writer->closed());
  EXPECT_EQ(writer->Write("more"), StreamWriter::WriteResult::kClosed);
  EXPECT_FALSE(writer->WriteBlocking("more"));
}

TEST_F(HttpServerStreamTest, ClientDisconnectBeforeAnyOutputIsReported) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();
  absl::Notification closed;
  writer->SetOnClosed([&] { closed.Notify(); });
  // Like a unary REST call still waiting for its gRPC answer.
  client.socket().close();
  EXPECT_TRUE(closed.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(writer->Respond(HttpResponse(http::status::ok, 11)));
}

TEST_F(HttpServerStreamTest, FlowControlDeliversEverythingInOrder) {
  options_.stream_queue_bytes = 64;
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();
  constexpr int kLines = 2000;
  std::thread producer([writer] {
    for (int i = 0; i < kLines; ++i) {
      char line[16];
      std::snprintf(line, sizeof(line), "%08d\n", i);
      ASSERT_TRUE(writer->WriteBlocking(line));
    }
    writer->Finish();
  });
  ASSERT_TRUE(client.ReadUntil("0\r\n\r\n"));
  producer.join();
  std::string body = Parse(client.raw()).body();
  ASSERT_EQ(body.size(), kLines * 9u);
  for (int i = 0; i < kLines; i += 397) {
    char line[16];
    std::snprintf(line, sizeof(line), "%08d\n", i);
    EXPECT_EQ(body.substr(i * 9, 9), line);
  }
}

TEST_F(HttpServerStreamTest, FullQueueRefusesThenDrainedCallbackFires) {
  options_.stream_queue_bytes = 8;
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();
  absl::Notification drained;
  writer->SetOnDrained([&] { drained.Notify(); });
  // Keep writing until the queue refuses (the session drains concurrently,
  // but one queued chunk already fills the 8-byte bound).
  int accepted = 0;
  StreamWriter::WriteResult result = StreamWriter::WriteResult::kAccepted;
  for (int i = 0; i < 1000000; ++i) {
    result = writer->Write("12345678");
    if (result != StreamWriter::WriteResult::kAccepted) break;
    ++accepted;
  }
  ASSERT_EQ(result, StreamWriter::WriteResult::kFull);
  EXPECT_TRUE(drained.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(writer->Write("12345678"), StreamWriter::WriteResult::kAccepted);
  writer->Finish();
  ASSERT_TRUE(client.ReadUntil("0\r\n\r\n"));
  EXPECT_EQ(Parse(client.raw()).body().size(), (accepted + 1) * 8u);
}

TEST_F(HttpServerStreamTest, WriterMayRespondWithoutStreaming) {
  router_->Handle(
      http::verb::get, "/missing-sandbox",
      StreamHandler([](HttpRequest, std::shared_ptr<StreamWriter> writer) {
        HttpResponse response(http::status::not_found, 11);
        response.body() = "no such sandbox";
        writer->Respond(std::move(response));
      }));
  StartServer();
  TestClient client(server_->port());
  HttpResponse response = client.Get("/missing-sandbox");
  EXPECT_EQ(response.result(), http::status::not_found);
  EXPECT_FALSE(response.chunked());
  EXPECT_EQ(response.body(), "no such sandbox");
}

TEST_F(HttpServerStreamTest, AbandonedWriterBeforeStartAnswers500) {
  router_->Handle(
      http::verb::get, "/abandon",
      StreamHandler([](HttpRequest, std::shared_ptr<StreamWriter>) {}));
  StartServer();
  TestClient client(server_->port());
  EXPECT_EQ(client.Get("/abandon").result(),
            http::status::internal_server_error);
}

TEST_F(HttpServerStreamTest, AbandonedWriterMidStreamTruncatesConnection) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();
  writer->Write("partial");
  ASSERT_TRUE(client.ReadUntil("partial"));
  writer.reset();
  EXPECT_FALSE(client.ReadUntil("0\r\n\r\n"));  // closed without last chunk
}

TEST_F(HttpServerStreamTest, ShutdownEndsOpenStreamAndTellsProducer) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(HttpRequest(http::verb::get, "/stream", 11)));
  std::shared_ptr<StreamWriter> writer = TakeWriter();
  absl::Notification closed;
  writer->SetOnClosed([&] { closed.Notify(); });
  writer->Write("live");
  ASSERT_TRUE(client.ReadUntil("live"));
  server_->Shutdown(absl::Milliseconds(100));
  EXPECT_TRUE(closed.HasBeenNotified());
  EXPECT_EQ(writer->Write("after"), StreamWriter::WriteResult::kClosed);
  server_.reset();
  writer.reset();  // outlives the server safely
}

}  // namespace
}  // namespace sandboxd

// CurlHttpTransport against a loopback HTTP/1.1 server (real sockets, so
// labelled integration): keep-alive reuse, headers, bodies, transport errors.
#include "lib/daytona/curl_http_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::daytona {
namespace {

using ::testing::HasSubstr;

// Serves keep-alive HTTP/1.1 on 127.0.0.1. Each reply echoes the request's
// method, its Content-Type and its body; "/silent" never answers.
class LoopbackServer {
 public:
  LoopbackServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(listener_, 8);
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~LoopbackServer() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
    for (std::thread& t : connections_) t.join();
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop() {
    for (;;) {
      int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++accepted_;
      connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }
  void Serve(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      size_t end = buffer.find("\r\n\r\n");
      while (end == std::string::npos) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) {
          close(fd);
          return;
        }
        buffer.append(chunk, n);
        end = buffer.find("\r\n\r\n");
      }
      std::string head = buffer.substr(0, end);
      buffer.erase(0, end + 4);
      size_t length = 0;
      std::string content_type;
      for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
        std::string lower = absl::AsciiStrToLower(line);
        if (absl::StartsWith(lower, "content-length:")) {
          (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(lower.substr(15)),
                                 &length);
        }
        if (absl::StartsWith(lower, "content-type:")) {
          content_type =
              std::string(absl::StripAsciiWhitespace(line.substr(13)));
        }
      }
      while (buffer.size() < length) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) break;
        buffer.append(chunk, n);
      }
      std::string body = buffer.substr(0, length);
      buffer.erase(0, length);
      if (absl::StrContains(head, " /silent ")) continue;  // never answer
      std::string method(head.substr(0, head.find(' ')));
      std::string reply = absl::StrCat(
          "HTTP/1.1 201 Created\r\nContent-Length: ", body.size(),
          "\r\nX-Method: ", method, "\r\nX-RateLimit-Reset-Sandbox-Create: 9",
          "\r\nX-Content-Type: ", content_type, "\r\n\r\n", body);
      if (write(fd, reply.data(), reply.size()) < 0) break;
    }
    close(fd);
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::vector<std::thread> connections_;
};

TEST(CurlHttpTransportTest, ReusesOneConnectionForSequentialCalls) {
  LoopbackServer server;
  CurlHttpTransport transport;
  for (int i = 0; i < 20; ++i) {
    HttpRequest request;
    request.url = server.Url("/api/sandbox");
    absl::StatusOr<HttpResponse> response = transport.Send(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 201);
  }
  EXPECT_EQ(transport.connections_opened(), 1);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(CurlHttpTransportTest, SendsMethodBodyAndReadsHeadersCaseInsensitively) {
  LoopbackServer server;
  CurlHttpTransport transport;
  HttpRequest request;
  request.method = HttpMethod::kPut;
  request.url = server.Url("/api/sandbox/x/labels");
  request.headers.Add("Content-Type", "application/json");
  request.body = R"({"labels":{"a":"b"}})";
  absl::StatusOr<HttpResponse> response = transport.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, request.body);
  EXPECT_EQ(response->headers.Get("x-method"), "PUT");
  EXPECT_EQ(response->headers.Get("x-ratelimit-reset-sandbox-create"), "9");
}

TEST(CurlHttpTransportTest, SendsMultipartParts) {
  LoopbackServer server;
  CurlHttpTransport transport;
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.url = server.Url("/toolbox/sb/files/bulk-upload");
  request.parts = {{"files[0].path", "/home/daytona/app/a.txt", "", ""},
                   {"files[0].file", "hello", "a.txt", "text/plain"}};
  absl::StatusOr<HttpResponse> response = transport.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response->headers.Get("X-Content-Type"),
              HasSubstr("multipart/form-data; boundary="));
  EXPECT_THAT(response->body, HasSubstr("name=\"files[0].path\""));
  EXPECT_THAT(response->body,
              HasSubstr("name=\"files[0].file\"; filename=\"a.txt\""));
  EXPECT_THAT(response->body, HasSubstr("hello"));
}

TEST(CurlHttpTransportTest, RefusedConnectionIsUnavailableAndNotSent) {
  int port = 0;
  {
    LoopbackServer server;  // find a free port, then close it
    port = std::stoi(server.Url("").substr(17));
  }
  CurlHttpTransport transport;
  HttpRequest request;
  request.url = absl::StrCat("http://127.0.0.1:", port, "/api");
  absl::StatusOr<HttpResponse> response = transport.Send(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsNotSentError(response.status()));
}

TEST(CurlHttpTransportTest, TimeoutIsDeadlineExceededAfterSending) {
  LoopbackServer server;
  CurlHttpTransport transport;
  HttpRequest request;
  request.url = server.Url("/silent");
  request.timeout = absl::Milliseconds(200);
  absl::StatusOr<HttpResponse> response = transport.Send(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(IsTransportError(response.status()));
  EXPECT_FALSE(IsNotSentError(response.status()));
}

}  // namespace
}  // namespace sandboxd::daytona

#include "lib/local/http_probe.h"

#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

TEST(HttpProbeTest, ParsesStatusAndBody) {
  absl::StatusOr<HttpResponse> response =
      ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST(HttpProbeTest, DechunksChunkedBody) {
  absl::StatusOr<HttpResponse> response = ParseHttpResponse(
      "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\na;x=1\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, "abc0123456789");
}

TEST(HttpProbeTest, RejectsGarbage) {
  EXPECT_EQ(ParseHttpResponse("SSH-2.0-OpenSSH\r\n\r\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd::local

#include "lib/http/listen_address.h"

#include "gtest/gtest.h"

namespace sandboxd {
namespace {

TEST(ListenAddressTest, ParsesHostAndPort) {
  auto address = ParseListenAddress("127.0.0.1:8080");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 8080);
}

TEST(ListenAddressTest, ParsesBracketedIpv6AndPortZero) {
  auto address = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 0);
}

TEST(ListenAddressTest, RejectsMalformedAddresses) {
  for (const char* bad : {"localhost", ":80", "host:", "host:http",
                          "host:70000", "::1:80", "[::1:80"}) {
    auto address = ParseListenAddress(bad);
    EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace sandboxd

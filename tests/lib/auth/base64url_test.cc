#include "lib/auth/base64url.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace sandboxd::auth {
namespace {

TEST(Base64UrlTest, RoundTripsWithoutPadding) {
  const std::string bytes("\xfb\xff\x00\x01?>", 6);
  EXPECT_EQ(Base64UrlEncode(bytes), "-_8AAT8-");
  EXPECT_EQ(Base64UrlDecode("-_8AAT8-"), bytes);
  EXPECT_EQ(Base64UrlEncode("a"), "YQ");
  EXPECT_EQ(Base64UrlDecode("YQ"), "a");
  EXPECT_EQ(Base64UrlDecode(""), "");
}

TEST(Base64UrlTest, RejectsNonCanonicalText) {
  for (const char* text :
       {"YQ==", "YQ=", "+/8A", "Y Q", "YQ\n", "Y", "YR", "YWJjZ", "YWJ\x80"}) {
    EXPECT_EQ(Base64UrlDecode(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace sandboxd::auth

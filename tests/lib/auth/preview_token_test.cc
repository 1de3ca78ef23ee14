// Unit: preview tokens are bound to one sandbox, one kind and a deadline;
// anything else (tampered, foreign key, garbage) is UNAUTHENTICATED.
#include "lib/auth/preview_token.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::auth {
namespace {

using ::sandboxd::testing::FakeClock;
using ::sandboxd::testing::IsOk;
using ::sandboxd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr PreviewTokenKind kUrl = PreviewTokenKind::kUrl;
constexpr PreviewTokenKind kCookie = PreviewTokenKind::kCookie;

class PreviewTokenTest : public ::testing::Test {
 protected:
  PreviewTokenTest() : clock_(std::make_shared<FakeClock>()) {
    tokens_ = Make(std::string(32, 'k'));
  }

  std::unique_ptr<PreviewTokens> Make(std::string key) {
    PreviewTokenOptions options;
    options.url_ttl = absl::Minutes(10);
    options.cookie_ttl = absl::Hours(24);
    auto tokens = PreviewTokens::Create(std::move(key), clock_, options);
    EXPECT_THAT(tokens, IsOk());
    return tokens.ok() ? *std::move(tokens) : nullptr;
  }

  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<PreviewTokens> tokens_;
};

TEST_F(PreviewTokenTest, AcceptsFreshTokenForItsSandboxAndKind) {
  EXPECT_THAT(tokens_->Verify(tokens_->Mint("sb-a", kUrl), "sb-a", kUrl),
              IsOk());
  EXPECT_THAT(tokens_->Verify(tokens_->Mint("sb-a", kCookie), "sb-a", kCookie),
              IsOk());
}

TEST_F(PreviewTokenTest, UrlTokenExpiresAfterItsTtl) {
  const std::string token = tokens_->Mint("sb-a", kUrl);
  clock_->Advance(absl::Minutes(10) - absl::Seconds(1));
  EXPECT_THAT(tokens_->Verify(token, "sb-a", kUrl), IsOk());
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(tokens_->Verify(token, "sb-a", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
}

TEST_F(PreviewTokenTest, CookieTokenOutlivesUrlTokenButExpires) {
  const std::string cookie = tokens_->Mint("sb-a", kCookie);
  clock_->Advance(absl::Hours(1));
  EXPECT_THAT(tokens_->Verify(cookie, "sb-a", kCookie), IsOk());
  clock_->Advance(absl::Hours(23));
  EXPECT_THAT(tokens_->Verify(cookie, "sb-a", kCookie),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
}

TEST_F(PreviewTokenTest, RefusesTokenOfAnotherSandbox) {
  EXPECT_THAT(tokens_->Verify(tokens_->Mint("sb-a", kUrl), "sb-b", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "not valid for this preview"));
}

TEST_F(PreviewTokenTest, RefusesTokenOfTheOtherKind) {
  EXPECT_THAT(tokens_->Verify(tokens_->Mint("sb-a", kUrl), "sb-a", kCookie),
              StatusIs(absl::StatusCode::kUnauthenticated, "wrong kind"));
  EXPECT_THAT(tokens_->Verify(tokens_->Mint("sb-a", kCookie), "sb-a", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated, "wrong kind"));
  // Relabelling the kind breaks the signature.
  std::string relabelled = tokens_->Mint("sb-a", kCookie);
  relabelled[3] = 'u';
  EXPECT_THAT(tokens_->Verify(relabelled, "sb-a", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "not valid for this preview"));
}

TEST_F(PreviewTokenTest, RefusesExtendedExpiry) {
  const std::string token = tokens_->Mint("sb-a", kUrl);
  // v1.u.<expiry>.<mac>: push the expiry a day later, keep the signature.
  const size_t start = 5;
  const size_t end = token.find('.', start);
  int64_t expiry = std::stoll(token.substr(start, end - start));
  std::string tampered = token.substr(0, start) +
                         std::to_string(expiry + 86400) + token.substr(end);
  EXPECT_THAT(tokens_->Verify(tampered, "sb-a", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "not valid for this preview"));
}

TEST_F(PreviewTokenTest, RefusesFlippedSignatureBit) {
  std::string token = tokens_->Mint("sb-a", kUrl);
  char& last = token[token.size() - 2];
  last = last == 'A' ? 'B' : 'A';
  EXPECT_THAT(tokens_->Verify(token, "sb-a", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(PreviewTokenTest, RefusesTokenOfAnotherKey) {
  std::unique_ptr<PreviewTokens> other = Make(std::string(32, 'x'));
  ASSERT_NE(other, nullptr);
  EXPECT_THAT(tokens_->Verify(other->Mint("sb-a", kUrl), "sb-a", kUrl),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "not valid for this preview"));
}

TEST_F(PreviewTokenTest, RefusesGarbage) {
  const std::string good = tokens_->Mint("sb-a", kUrl);
  const size_t mac_at = good.rfind('.') + 1;
  for (const std::string& bad : {
           std::string(""),
           std::string("."),
           std::string("v1.u.1.x"),
           std::string("v2") + good.substr(2),
           good + ".extra",
           good + "=",
           good.substr(0, mac_at) + "+" + good.substr(mac_at + 1),
           good.substr(0, good.size() - 1),
           std::string("v1.u.-5.") + good.substr(mac_at),
           std::string("v1.u.0") + good.substr(5),
           std::string("v1.u.9999999999999.") + good.substr(mac_at),
           std::string("v1.uu.1.") + good.substr(mac_at),
           std::string("v1..1.") + good.substr(mac_at),
       }) {
    EXPECT_THAT(tokens_->Verify(bad, "sb-a", kUrl),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << bad;
  }
}

TEST_F(PreviewTokenTest, ErrorsNeverEchoTheToken) {
  const std::string token = tokens_->Mint("sb-a", kUrl);
  absl::Status status = tokens_->Verify(token, "sb-b", kUrl);
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr(token)));
}

TEST(PreviewTokenCreateTest, RefusesShortKeyAndNonPositiveTtl) {
  auto clock = std::make_shared<FakeClock>();
  EXPECT_THAT(PreviewTokens::Create(std::string(31, 'k'), clock),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PreviewTokenOptions options;
  options.url_ttl = absl::ZeroDuration();
  EXPECT_THAT(PreviewTokens::Create(std::string(32, 'k'), clock, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WithPreviewTokenTest, AppendsParameterBeforeFragment) {
  EXPECT_EQ(WithPreviewToken("http://a.preview.localhost:8080/", "T"),
            "http://a.preview.localhost:8080/?sandboxd_preview_token=T");
  EXPECT_EQ(WithPreviewToken("http://a.p/x?y=1#top", "T"),
            "http://a.p/x?y=1&sandboxd_preview_token=T#top");
}

}  // namespace
}  // namespace sandboxd::auth

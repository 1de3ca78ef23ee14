// Unit: sandboxd's preview token parameter and cookie are taken out of a
// request exactly, leaving everything else as it was.
#include "lib/http/preview_access.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

http::request_header<> Request(const std::string& target) {
  http::request_header<> request;
  request.method(http::verb::get);
  request.target(target);
  return request;
}

TEST(PreviewAccessTest, TakesTokenParameterKeepingOtherParameters) {
  auto request = Request("/p?a=1&sandboxd_preview_token=T1&b=&c=%20");
  PreviewCredentials taken = TakePreviewCredentials(request);
  EXPECT_THAT(taken.url_tokens, ElementsAre("T1"));
  EXPECT_EQ(request.target(), "/p?a=1&b=&c=%20");
}

TEST(PreviewAccessTest, DropsQueryLeftEmpty) {
  auto request =
      Request("/?sandboxd_preview_token=T1&sandboxd_preview_token=T2");
  PreviewCredentials taken = TakePreviewCredentials(request);
  EXPECT_THAT(taken.url_tokens, ElementsAre("T1", "T2"));
  EXPECT_EQ(request.target(), "/");
}

TEST(PreviewAccessTest, LeavesLookAlikeParametersAlone) {
  auto request =
      Request("/x?sandboxd_preview_token_x=1&xsandboxd_preview_token=2");
  PreviewCredentials taken = TakePreviewCredentials(request);
  EXPECT_THAT(taken.url_tokens, IsEmpty());
  EXPECT_EQ(request.target(),
            "/x?sandboxd_preview_token_x=1&xsandboxd_preview_token=2");
}

TEST(PreviewAccessTest, TakesPreviewCookiesFromEveryCookieField) {
  auto request = Request("/");
  request.insert(http::field::cookie, "a=1; sandboxd_preview=C1");
  request.insert(http::field::cookie, "sandboxd_preview=C2;b=2");
  PreviewCredentials taken = TakePreviewCredentials(request);
  EXPECT_THAT(taken.cookie_tokens, ElementsAre("C1", "C2"));
  EXPECT_EQ(request.count(http::field::cookie), 1u);
  EXPECT_EQ(request[http::field::cookie], "a=1; b=2");
}

TEST(PreviewAccessTest, DropsCookieFieldLeftEmpty) {
  auto request = Request("/");
  request.set(http::field::cookie, "sandboxd_preview=C1");
  EXPECT_THAT(TakePreviewCredentials(request).cookie_tokens, ElementsAre("C1"));
  EXPECT_EQ(request.count(http::field::cookie), 0u);
}

TEST(PreviewAccessTest, LeavesOtherCookiesUntouched) {
  auto request = Request("/");
  request.set(http::field::cookie, "sandboxd_previewx=1;  theme=dark");
  EXPECT_THAT(TakePreviewCredentials(request).cookie_tokens, IsEmpty());
  EXPECT_EQ(request[http::field::cookie], "sandboxd_previewx=1;  theme=dark");
}

TEST(PreviewAccessTest, SetCookieAttributes) {
  EXPECT_EQ(PreviewSetCookie("T", absl::Hours(1), /*secure=*/true),
            "sandboxd_preview=T; Max-Age=3600; Path=/; HttpOnly; "
            "SameSite=None; Secure");
  EXPECT_EQ(PreviewSetCookie("T", absl::Hours(1), /*secure=*/false),
            "sandboxd_preview=T; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax");
}

}  // namespace
}  // namespace sandboxd

#include "lib/http/router.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/http/responder.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;

// Tagged handlers record which route ran; Call runs the matched one with a
// Responder bound to no session (it sends nothing).
std::string last_tag;

Handler Tagged(std::string tag) {
  return PlainHandler([tag](HttpRequest, Responder) { last_tag = tag; });
}

std::string Call(const Router::Match& match) {
  if (match.handler == nullptr) return "<none>";
  last_tag.clear();
  std::get<PlainHandler> (*match.handler)(HttpRequest{},
                                          Responder(SessionRef{}));
  return last_tag;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Handle(http::verb::get, "/healthz", Tagged("healthz-get"));
    router_.Handle(http::verb::post, "/healthz", Tagged("healthz-post"));
    router_.Handle(http::verb::get, "/metrics", Tagged("metrics"));
    router_.HandlePrefix("/api/", Tagged("api"));
    router_.HandlePrefix("/api/sandbox/", Tagged("api-sandbox"));
    router_.HandleHost(
        [](std::string_view host) {
          return host.find(".preview.localhost") != std::string_view::npos;
        },
        Tagged("preview"));
  }

  std::string Route(http::verb method, std::string_view host,
                    std::string_view target) {
    return Call(router_.Find(method, host, target));
  }

  Router router_;
};

TEST_F(RouterTest, ExactPathMatchesByMethod) {
  EXPECT_EQ(Route(http::verb::get, "localhost", "/healthz"), "healthz-get");
  EXPECT_EQ(Route(http::verb::post, "localhost", "/healthz"), "healthz-post");
  EXPECT_EQ(Route(http::verb::get, "localhost", "/healthz?verbose=1"),
            "healthz-get");
}

TEST_F(RouterTest, KnownPathWithOtherMethodIsNotImplemented) {
  Router::Match match =
      router_.Find(http::verb::delete_, "localhost", "/metrics");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.status, http::status::not_implemented);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  Router::Match match = router_.Find(http::verb::get, "localhost", "/nope");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.status, http::status::not_found);
  EXPECT_EQ(router_.Find(http::verb::get, "localhost", "/healthz/x").status,
            http::status::not_found);
}

TEST_F(RouterTest, LongestPrefixWins) {
  EXPECT_EQ(Route(http::verb::get, "", "/api/other"), "api");
  EXPECT_EQ(Route(http::verb::delete_, "", "/api/sandbox/abc"), "api-sandbox");
  EXPECT_EQ(Route(http::verb::post, "", "/api/sandbox/create?x=/api/"),
            "api-sandbox");
  EXPECT_EQ(Route(http::verb::get, "", "/apix"), "<none>");
}

TEST_F(RouterTest, HostRoutesAreCheckedFirst) {
  EXPECT_EQ(Route(http::verb::get, "abc.preview.localhost:8080", "/healthz"),
            "preview");
  EXPECT_EQ(Route(http::verb::post, "abc.preview.localhost:8080", "/any"),
            "preview");
  EXPECT_EQ(Route(http::verb::get, "localhost:8080", "/healthz"),
            "healthz-get");
}

TEST(TargetPathTest, StripsQueryAndFragment) {
  EXPECT_EQ(TargetPath("/a/b?c=d"), "/a/b");
  EXPECT_EQ(TargetPath("/a#frag"), "/a");
  EXPECT_EQ(TargetPath("/plain"), "/plain");
}

}  // namespace
}  // namespace sandboxd

#include "lib/http/rest_path_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

PathTemplate MustParse(std::string_view text) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : PathTemplate();
}

TEST(PathTemplateTest, LiteralOnly) {
  PathTemplate t = MustParse("/api/sandbox");
  EXPECT_TRUE(t.Match("/api/sandbox").has_value());
  EXPECT_FALSE(t.Match("/api/sandbox/").has_value());
  EXPECT_FALSE(t.Match("/api/sandboxes").has_value());
  EXPECT_FALSE(t.Match("/api").has_value());
  EXPECT_TRUE(t.variables().empty());
}

TEST(PathTemplateTest, SingleVariable) {
  PathTemplate t = MustParse("/api/sandbox/{sandbox_id}");
  auto match = t.Match("/api/sandbox/sbx-1");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("sandbox_id", "sbx-1")));
  EXPECT_FALSE(t.Match("/api/sandbox/a/b").has_value());
  EXPECT_FALSE(t.Match("/api/sandbox/").has_value());
}

TEST(PathTemplateTest, VariableIsPercentDecoded) {
  PathTemplate t = MustParse("/v1/{name}");
  auto match = t.Match("/v1/a%20b%2Fc");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("name", "a b/c")));
  EXPECT_FALSE(t.Match("/v1/bad%zz").has_value());
}

TEST(PathTemplateTest, MultiSegmentVariableKeepsEncodedSlash) {
  PathTemplate t = MustParse("/v1/{name=files/**}");
  auto match = t.Match("/v1/files/a/b%2Fc");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("name", "files/a/b%2Fc")));
  EXPECT_FALSE(t.Match("/v1/other/a").has_value());
}

TEST(PathTemplateTest, NestedFieldAndSegmentPattern) {
  PathTemplate t = MustParse("/v1/{book.name=shelves/*/books/*}:publish");
  EXPECT_EQ(t.verb(), "publish");
  auto match = t.Match("/v1/shelves/s1/books/b2:publish");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("book.name", "shelves/s1/books/b2")));
  EXPECT_FALSE(t.Match("/v1/shelves/s1/books/b2").has_value());
  EXPECT_FALSE(t.Match("/v1/shelves/s1/books/b2:other").has_value());
}

TEST(PathTemplateTest, CustomVerbWithTrailingLiteral) {
  PathTemplate t = MustParse("/x/{id}/assembly:watch");
  auto match = t.Match("/x/7/assembly:watch");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("id", "7")));
}

TEST(PathTemplateTest, DeepWildcardInTheMiddle) {
  PathTemplate t = MustParse("/v1/{path=**}/meta");
  auto match = t.Match("/v1/a/b/c/meta");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("path", "a/b/c")));
}

TEST(PathTemplateTest, TwoVariables) {
  PathTemplate t = MustParse("/api/{a}/x/{b}");
  auto match = t.Match("/api/1/x/2");
  ASSERT_TRUE(match.has_value());
  EXPECT_THAT(*match, ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

TEST(PathTemplateTest, LiteralPrefix) {
  EXPECT_EQ(MustParse("/api/sandbox/{id}/build").LiteralPrefix(),
            "/api/sandbox/");
  EXPECT_EQ(MustParse("/{name=**}").LiteralPrefix(), "/");
}

TEST(PathTemplateTest, RejectsMalformedTemplates) {
  for (std::string_view bad :
       {"", "api", "/api//x", "/api/{id", "/api/{1id}", "/api/{a}{b}",
        "/api/{a}/{a}", "/api/x:", "/api/{a={b}}", "/api/x/"}) {
    EXPECT_EQ(PathTemplate::Parse(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(PercentDecodeTest, DecodesAndRejects) {
  EXPECT_EQ(*PercentDecode("a%41%2f"), "aA/");
  EXPECT_EQ(*PercentDecode("a%2Fb", /*keep_slash=*/true), "a%2Fb");
  EXPECT_EQ(PercentDecode("%4").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PercentDecode("%").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd

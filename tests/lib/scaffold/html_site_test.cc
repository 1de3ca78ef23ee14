#include "lib/scaffold/html_site.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;
using ::testing::HasSubstr;
using ::testing::Not;

const std::map<std::string, std::string> kRoutes = {
    {"index.html", "/"},
    {"about.html", "/about"},
    {"blog/index.html", "/blog"},
    {"blog/post.html", "/blog/post"}};

TEST(RewriteHtmlUrlsTest, PageLinksBecomeRoutes) {
  EXPECT_EQ(
      RewriteHtmlUrls(R"(<a href="about.html">A</a>)", "index.html", kRoutes),
      R"(<a href="/about">A</a>)");
  EXPECT_EQ(
      RewriteHtmlUrls(R"(<a href="./index.html#top">)", "about.html", kRoutes),
      R"(<a href="/#top">)");
  EXPECT_EQ(RewriteHtmlUrls(R"(<a href="../about.html?x=1">)", "blog/post.html",
                            kRoutes),
            R"(<a href="/about?x=1">)");
  EXPECT_EQ(RewriteHtmlUrls(R"(<a href="./">)", "blog/post.html", kRoutes),
            R"(<a href="/blog">)");
  EXPECT_EQ(RewriteHtmlUrls(R"(<a href="blog">)", "index.html", kRoutes),
            R"(<a href="/blog">)");
  EXPECT_EQ(
      RewriteHtmlUrls(R"(<A HREF='post.html'>)", "blog/index.html", kRoutes),
      R"(<A HREF='/blog/post'>)");
}

TEST(RewriteHtmlUrlsTest, RelativeAssetsBecomeAbsolute) {
  EXPECT_EQ(RewriteHtmlUrls(R"(<link rel="stylesheet" href="css/site.css">)",
                            "blog/post.html", kRoutes),
            R"(<link rel="stylesheet" href="/blog/css/site.css">)");
  EXPECT_EQ(RewriteHtmlUrls(R"(<script src=app.js defer></script>)",
                            "index.html", kRoutes),
            R"(<script src=/app.js defer></script>)");
  EXPECT_EQ(RewriteHtmlUrls(R"(<img src="../../../logo.png">)",
                            "blog/post.html", kRoutes),
            R"(<img src="/logo.png">)");
}

TEST(RewriteHtmlUrlsTest, LeavesExternalAndSpecialUrlsAlone) {
  for (const char* html :
       {R"(<a href="https://example.com/about.html">)",
        R"(<a href="//cdn.x/y.js">)", R"(<a href="#contact">)",
        R"(<a href="mailto:a@b.c">)", R"x(<a href="javascript:void(0)">)x",
        R"(<img src="data:image/png;base64,AA">)", R"(<a href="">)",
        R"(<a title="about.html">)"}) {
    EXPECT_EQ(RewriteHtmlUrls(html, "index.html", kRoutes), html);
  }
}

TEST(RewriteHtmlUrlsTest, LeavesScriptsStylesAndCommentsAlone) {
  const std::string html =
      "<!-- <a href=\"about.html\"> -->"
      "<script>var s = '<img src=\"x.png\">'; location.href = "
      "'about.html';</script>"
      "<style>a[href=\"about.html\"] { color: red }</style>"
      "<a href=\"about.html\">";
  EXPECT_EQ(RewriteHtmlUrls(html, "index.html", kRoutes),
            "<!-- <a href=\"about.html\"> -->"
            "<script>var s = '<img src=\"x.png\">'; location.href = "
            "'about.html';</script>"
            "<style>a[href=\"about.html\"] { color: red }</style>"
            "<a href=\"/about\">");
}

TEST(RewriteHtmlUrlsTest, SurvivesTruncatedMarkup) {
  for (const char* html : {"<a href=\"about.html", "<a href=", "<a", "<!--",
                           "<script>", "<a href='x' ", "<"}) {
    EXPECT_FALSE(RewriteHtmlUrls(html, "index.html", kRoutes).empty()) << html;
  }
}

TEST(ConvertHtmlSiteTest, PagesBecomeStaticRouteHandlersAndAssetsGoToPublic) {
  absl::StatusOr<ConvertedSite> site = ConvertHtmlSite(
      {{"index.html", "<a href=\"about.html\">About</a>"},
       {"about.html", "<h1>About</h1><script src=\"app.js\"></script>"},
       {"styles.css", "body{}"},
       {"app.js", "console.log(1)"},
       {"package.json", "{}"}});
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_THAT(site->files.at("app/route.ts"),
              HasSubstr(R"(const html = "<a href=\"/about\">About</a>";)"));
  EXPECT_THAT(site->files.at("app/route.ts"),
              HasSubstr("export const dynamic = \"force-static\";"));
  EXPECT_THAT(site->files.at("app/about/route.ts"),
              HasSubstr(R"(<script src=\"/app.js\">)"));
  EXPECT_EQ(site->files.at("public/styles.css"), "body{}");
  EXPECT_EQ(site->files.at("public/app.js"), "console.log(1)");
  EXPECT_EQ(site->files.at("package.json"), "{}");
  EXPECT_EQ(site->files.count("index.html"), 0u);
  EXPECT_THAT(site->rewrites,
              ::testing::ElementsAre(Rewrite{"/about.html", "/about"},
                                     Rewrite{"/index.html", "/"}));
}

TEST(ConvertHtmlSiteTest, RouteHandlersCarryTheGenerationMarkerWhenAsked) {
  // The app router's template.tsx does not wrap route handlers: without
  // this the provider would never see the token of an HTML site.
  absl::StatusOr<ConvertedSite> site = ConvertHtmlSite(
      {{"index.html", "<html><head><title>t</title></head></html>"},
       {"docs/guide.html", "<p>no head</p>"}},
      /*with_generation_marker=*/true);
  ASSERT_TRUE(site.ok()) << site.status();
  const std::string& root = site->files.at("app/route.ts");
  EXPECT_THAT(root, HasSubstr("import { generation } from "
                              "\"./sandboxd-generation\";"));
  EXPECT_THAT(root, HasSubstr("<meta name=\"sandboxd-generation\" "
                              "content=\"${generation}\">"));
  EXPECT_THAT(root, HasSubstr("return new Response(marked,"));
  EXPECT_THAT(site->files.at("app/docs/guide/route.ts"),
              HasSubstr("from \"../../sandboxd-generation\";"));
  // Without the marker the module imports nothing.
  absl::StatusOr<ConvertedSite> plain =
      ConvertHtmlSite({{"index.html", "<p>x</p>"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(plain->files.at("app/route.ts"), Not(HasSubstr("import")));
}

TEST(ConvertHtmlSiteTest, EscapesTheDocumentAsAStringLiteral) {
  absl::StatusOr<ConvertedSite> site =
      ConvertHtmlSite({{"index.html", "a\"b\\c\n`${x}`</script>"}});
  ASSERT_TRUE(site.ok());
  EXPECT_THAT(site->files.at("app/route.ts"),
              HasSubstr(R"("a\"b\\c\n`${x}`</script>")"));
}

TEST(ConvertHtmlSiteTest, ASinglePageWithoutIndexServesTheRoot) {
  absl::StatusOr<ConvertedSite> site =
      ConvertHtmlSite({{"landing.html", "<h1>Hi</h1>"}});
  ASSERT_TRUE(site.ok());
  EXPECT_EQ(site->files.count("app/route.ts"), 1u);
  EXPECT_THAT(site->rewrites,
              ::testing::ElementsAre(Rewrite{"/landing.html", "/"}));
}

TEST(ConvertHtmlSiteTest, SlugsSegmentsTheAppRouterWouldTreatSpecially) {
  absl::StatusOr<ConvertedSite> site = ConvertHtmlSite(
      {{"index.html", ""}, {"_drafts/[x] (old).html", ""}, {"a b.html", ""}});
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_EQ(site->files.count("app/-drafts/-x---old-/route.ts"), 1u);
  EXPECT_EQ(site->files.count("app/a-b/route.ts"), 1u);
  for (const Rewrite& r : site->rewrites) {
    EXPECT_THAT(r.first, Not(HasSubstr(" "))) << r.first;
  }
}

TEST(ConvertHtmlSiteTest, RejectsPagesThatMapToTheSameRoute) {
  EXPECT_THAT(
      ConvertHtmlSite(
          {{"index.html", ""}, {"blog.html", ""}, {"blog/index.html", ""}})
          .status(),
      IsInvalidArgument("serves the same route \"/blog\""));
  EXPECT_THAT(ConvertHtmlSite({{"a.html", ""}, {"b.html", ""}}).status(),
              IsInvalidArgument("no page for \"/\""));
}

}  // namespace
}  // namespace sandboxd::scaffold

#include "lib/scaffold/project_layout.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;
using ::testing::ElementsAre;
using ::testing::Key;

TEST(ProjectLayoutTest, RelocatesTheFrontendsBareKeysIntoApp) {
  FileMap files = RelocateBareKeys({{"page.tsx", "p"},
                                    {"layout.tsx", "l"},
                                    {"globals.css", "g"},
                                    {"utils.ts", "u"},
                                    {"next.config.js", "n"},
                                    {"tailwind.config.ts", "t"},
                                    {"types.d.ts", "d"},
                                    {"components/Hero.tsx", "h"},
                                    {"package.json", "{}"}});
  EXPECT_THAT(files, ElementsAre(Key("app/globals.css"), Key("app/layout.tsx"),
                                 Key("app/page.tsx"), Key("app/utils.ts"),
                                 Key("components/Hero.tsx"),
                                 Key("next.config.js"), Key("package.json"),
                                 Key("tailwind.config.ts"), Key("types.d.ts")));
  EXPECT_EQ(files.at("app/page.tsx"), "p");
}

TEST(ProjectLayoutTest, RelocatesBareKeysNextToAddedRoutes) {
  // The frontend's bare page, later joined by app/about (ApplyFiles).
  FileMap files = RelocateBareKeys({{"page.tsx", "p"},
                                    {"layout.tsx", "l"},
                                    {"utils.ts", "bare"},
                                    {"app/utils.ts", "twin"},
                                    {"app/about/page.tsx", "a"}});
  EXPECT_THAT(files, ElementsAre(Key("app/about/page.tsx"),
                                 Key("app/layout.tsx"), Key("app/page.tsx"),
                                 Key("app/utils.ts"), Key("utils.ts")));
  EXPECT_EQ(files.at("app/utils.ts"), "twin");
  EXPECT_EQ(files.at("utils.ts"), "bare");
}

TEST(ProjectLayoutTest, LeavesFullProjectPathsAlone) {
  FileMap in = {{"app/page.tsx", "p"}, {"page.tsx", "stray"}};
  EXPECT_EQ(RelocateBareKeys(in), in);
  FileMap src = {{"src/app/page.tsx", "p"}, {"layout.tsx", "l"}};
  EXPECT_EQ(RelocateBareKeys(src), src);
}

TEST(ProjectLayoutTest, DetectsHtmlSites) {
  EXPECT_TRUE(IsHtmlSite({{"index.html", ""}, {"styles.css", ""}}));
  EXPECT_TRUE(IsHtmlSite({{"site/home.html", ""}}));
  EXPECT_FALSE(IsHtmlSite({{"index.html", ""}, {"app/page.tsx", ""}}));
  EXPECT_FALSE(IsHtmlSite({{"index.html", ""}, {"page.tsx", ""}}));
  EXPECT_FALSE(IsHtmlSite({{"public/demo.html", ""}, {"app/page.tsx", ""}}));
  EXPECT_FALSE(IsHtmlSite({{"public/demo.html", ""}}));
}

TEST(ProjectLayoutTest, FindsTheAppFolderAndAlias) {
  absl::StatusOr<AppLayout> layout = FindAppLayout({{"app/page.tsx", ""}});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->app_dir, "app");
  EXPECT_EQ(layout->alias_dir, ".");
  layout = FindAppLayout({{"src/app/page.jsx", ""}});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->app_dir, "src/app");
  EXPECT_EQ(layout->alias_dir, "src");
  layout = FindAppLayout({{"pages/index.tsx", ""}});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->app_dir, "");
}

TEST(ProjectLayoutTest, RouteGroupsAndOptionalCatchAllServeTheRoot) {
  EXPECT_TRUE(FindAppLayout({{"app/(site)/page.tsx", ""}}).ok());
  EXPECT_TRUE(FindAppLayout({{"app/(a)/(b)/page.js", ""}}).ok());
  EXPECT_TRUE(FindAppLayout({{"app/[[...slug]]/page.tsx", ""}}).ok());
  EXPECT_TRUE(FindAppLayout({{"app/route.ts", ""}}).ok());
}

TEST(ProjectLayoutTest, RejectsAProjectWithoutAPageForTheRoot) {
  EXPECT_THAT(FindAppLayout({{"app/about/page.tsx", ""}}).status(),
              IsInvalidArgument("no page for \"/\""));
  EXPECT_THAT(FindAppLayout({{"app/[slug]/page.tsx", ""}}).status(),
              IsInvalidArgument("no page for \"/\""));
  EXPECT_THAT(FindAppLayout({{"components/Hero.tsx", ""}}).status(),
              IsInvalidArgument("no page for \"/\""));
  EXPECT_THAT(FindAppLayout({{"app/page.css", ""}}).status(),
              IsInvalidArgument("no page"));
}

TEST(ProjectLayoutTest, DetectsTheTailwindMajorFromTheCss) {
  EXPECT_EQ(*DetectTailwind({{"app/globals.css", "@tailwind base;\n"}}),
            TailwindMajor::kV3);
  EXPECT_EQ(*DetectTailwind({{"app/globals.css", "@import \"tailwindcss\";"}}),
            TailwindMajor::kV4);
  EXPECT_EQ(*DetectTailwind({{"a.css", "@import 'tailwindcss' source(none);"}}),
            TailwindMajor::kV4);
  EXPECT_EQ(*DetectTailwind({{"a.css", "@theme {\n --color-x: red; }"}}),
            TailwindMajor::kV4);
  EXPECT_EQ(*DetectTailwind({{"app/page.tsx", ""}}), TailwindMajor::kV4);
  EXPECT_EQ(*DetectTailwind({{"a.css", "body { color: red }"}}),
            TailwindMajor::kV4);
}

TEST(ProjectLayoutTest, IgnoresCommentsAndPublicCss) {
  EXPECT_EQ(*DetectTailwind(
                {{"a.css", "/* @tailwind base; */ @import \"tailwindcss\";"}}),
            TailwindMajor::kV4);
  EXPECT_EQ(*DetectTailwind({{"public/old.css", "@tailwind base;"},
                             {"app/globals.css", "@import \"tailwindcss\";"}}),
            TailwindMajor::kV4);
  EXPECT_EQ(*DetectTailwind({{"a.tsx", "// @tailwind base;"}}),
            TailwindMajor::kV4);
}

TEST(ProjectLayoutTest, RejectsCssMixingBothMajors) {
  EXPECT_THAT(
      DetectTailwind({{"app/a.css", "@tailwind utilities;"},
                      {"app/b.css", "@import \"tailwindcss\";"}})
          .status(),
      IsInvalidArgument("generated_code[\"app/a.css\"]: uses Tailwind 3"));
}

}  // namespace
}  // namespace sandboxd::scaffold

#include "lib/scaffold/scaffold.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scaffold/stack.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Not;

constexpr char kPage[] =
    "export default function Page() { return <h1>Hi</h1>; }\n";

Project AssembleOk(std::map<std::string, std::string> files,
                   Mode mode = Mode::kDev) {
  Request request;
  request.generated_code = std::move(files);
  request.mode = mode;
  absl::StatusOr<Project> project = Assemble(request);
  EXPECT_TRUE(project.ok()) << project.status();
  return project.ok() ? *std::move(project) : Project{};
}

absl::Status AssembleStatus(std::map<std::string, std::string> files) {
  Request request;
  request.generated_code = std::move(files);
  return Assemble(request).status();
}

TEST(AssembleTest, FrontendBareKeysBecomeAnAppRouterProject) {
  Project p =
      AssembleOk({{"page.tsx", kPage},
                  {"layout.tsx", "import './globals.css';\n"},
                  {"globals.css", "@tailwind base;\n@tailwind utilities;\n"}});
  EXPECT_EQ(p.files.at("app/page.tsx"), kPage);
  EXPECT_EQ(p.files.at("app/layout.tsx"), "import './globals.css';\n");
  EXPECT_THAT(p.files, Not(Contains(Key("page.tsx"))));
  EXPECT_THAT(p.files, Not(Contains(Key("globals.css"))));
  // Tailwind 3 because of the directives: PostCSS + config with content globs.
  EXPECT_THAT(
      p.files.at("package.json"),
      HasSubstr(std::string("\"tailwindcss\": \"") + kTailwind3Version));
  EXPECT_THAT(p.files.at("postcss.config.mjs"), HasSubstr("autoprefixer"));
  EXPECT_THAT(p.files.at("tailwind.config.ts"),
              HasSubstr("\"./app/**/*.{js,ts,jsx,tsx,mdx,html}\""));
  EXPECT_THAT(p.files, Contains(Key("next.config.mjs")));
  EXPECT_THAT(p.files, Contains(Key("tsconfig.json")));
  EXPECT_THAT(p.files, Contains(Key(".gitignore")));
}

TEST(AssembleTest, APageAloneGetsALayoutAndTailwind4Css) {
  Project p = AssembleOk({{"page.tsx", kPage}});
  EXPECT_THAT(p.files.at("app/layout.tsx"),
              HasSubstr("import \"./globals.css\";"));
  EXPECT_EQ(p.files.at("app/globals.css"), "@import \"tailwindcss\";\n");
  EXPECT_THAT(p.files.at("postcss.config.mjs"),
              HasSubstr("@tailwindcss/postcss"));
  EXPECT_THAT(p.files, Not(Contains(Key("tailwind.config.ts"))));
  EXPECT_THAT(p.files.at("package.json"),
              HasSubstr(std::string("\"@tailwindcss/postcss\": \"") +
                        kTailwind4Version));
}

TEST(AssembleTest, GeneratedNextConfigKeepsTheBuildCacheInBothModes) {
  const std::map<std::string, std::string> files = {{"page.tsx", kPage}};
  const std::string dev =
      AssembleOk(files, Mode::kDev).files["next.config.mjs"];
  EXPECT_THAT(dev, HasSubstr("experimental: { "
                             "turbopackFileSystemCacheForBuild: true }"));
  EXPECT_THAT(dev, HasSubstr("images: { unoptimized: true }"));
  // One text: the mode never changes the config the dev server reads.
  EXPECT_EQ(AssembleOk(files, Mode::kProduction).files["next.config.mjs"], dev);
}

TEST(AssembleTest, BareShapeMovesRootModulesThePageImports) {
  Project p = AssembleOk({{"page.tsx", "import { x } from './data';\n"},
                          {"data.ts", "export const x = 1;\n"},
                          {"next.config.js", "module.exports = {};\n"}});
  EXPECT_THAT(p.files, Contains(Key("app/data.ts")));
  EXPECT_EQ(p.files.at("next.config.js"), "module.exports = {};\n");
  EXPECT_THAT(p.files, Not(Contains(Key("next.config.mjs"))));
}

TEST(AssembleTest, NestedRoutesComponentsLibAndPublicAreKept) {
  Project p = AssembleOk({{"app/page.tsx", kPage},
                          {"app/about/page.tsx", kPage},
                          {"app/blog/[slug]/page.tsx", kPage},
                          {"components/Nav.tsx", "n"},
                          {"lib/api.ts", "a"},
                          {"public/robots.txt", "r"}});
  for (const char* path :
       {"app/about/page.tsx", "app/blog/[slug]/page.tsx", "components/Nav.tsx",
        "lib/api.ts", "public/robots.txt"}) {
    EXPECT_THAT(p.files, Contains(Key(path)));
  }
  EXPECT_THAT(p.files.at("tsconfig.json"), HasSubstr("\"@/*\": [\"./*\"]"));
}

TEST(AssembleTest, SrcLayoutGetsItsDefaultsUnderSrc) {
  Project p =
      AssembleOk({{"src/app/page.tsx", kPage}, {"src/components/A.tsx", ""}});
  EXPECT_THAT(p.files, Contains(Key("src/app/layout.tsx")));
  EXPECT_THAT(p.files, Contains(Key("src/app/globals.css")));
  EXPECT_THAT(p.files, Not(Contains(Key("app/layout.tsx"))));
  EXPECT_THAT(p.files.at("tsconfig.json"), HasSubstr("\"@/*\": [\"./src/*\"]"));
}

TEST(AssembleTest, Tailwind3ContentCoversEveryFolderWithCode) {
  Project p = AssembleOk({{"app/page.tsx", kPage},
                          {"app/globals.css", "@tailwind utilities;"},
                          {"app/layout.tsx", "import './globals.css';"},
                          {"hooks/useX.ts", ""},
                          {"context/Ctx.tsx", ""},
                          {"features/cart/Cart.jsx", ""},
                          {"public/x.js", ""}});
  const std::string& config = p.files.at("tailwind.config.ts");
  for (const char* dir :
       {"./app/", "./components/", "./context/", "./features/", "./hooks/",
        "./lib/", "./src/", "./*."}) {
    EXPECT_THAT(config, HasSubstr(dir));
  }
  EXPECT_THAT(config, Not(HasSubstr("./public/")));
}

TEST(AssembleTest, AMissingStylesheetImportedByTheLayoutIsCreated) {
  Project p =
      AssembleOk({{"app/page.tsx", kPage},
                  {"app/layout.tsx",
                   "import '../styles/main.css';\nimport \"@/theme.css\";"}});
  EXPECT_EQ(p.files.at("styles/main.css"), "@import \"tailwindcss\";\n");
  EXPECT_EQ(p.files.at("theme.css"), "@import \"tailwindcss\";\n");
  EXPECT_THAT(p.files, Not(Contains(Key("app/globals.css"))));
}

TEST(AssembleTest, KeepsValidConfigsAndFillsInTheRest) {
  const std::string tsconfig =
      "{\n  // comment\n  \"compilerOptions\": {},\n}\n";
  Project p = AssembleOk(
      {{"app/page.tsx", kPage},
       {"app/globals.css", "@tailwind base;"},
       {"next.config.ts", "export default {};"},
       {"tailwind.config.js", "module.exports = {content: []};"},
       {"postcss.config.js",
        "module.exports = {plugins: {tailwindcss: {}, autoprefixer: {}}};"},
       {"tsconfig.json", tsconfig}});
  EXPECT_EQ(p.files.at("tsconfig.json"), tsconfig);
  EXPECT_EQ(p.files.at("next.config.ts"), "export default {};");
  EXPECT_THAT(p.files, Not(Contains(Key("next.config.mjs"))));
  EXPECT_THAT(p.files, Not(Contains(Key("tailwind.config.ts"))));
  EXPECT_THAT(p.files, Not(Contains(Key("postcss.config.mjs"))));
}

TEST(AssembleTest, ReplacesAPostCssConfigForTheOtherTailwindMajor) {
  Project p = AssembleOk({{"app/page.tsx", kPage},
                          {"app/globals.css", "@import \"tailwindcss\";"},
                          {"postcss.config.js",
                           "module.exports = {plugins: {tailwindcss: {}}};"}});
  EXPECT_THAT(p.files, Not(Contains(Key("postcss.config.js"))));
  EXPECT_THAT(p.files.at("postcss.config.mjs"),
              HasSubstr("@tailwindcss/postcss"));
}

TEST(AssembleTest, HtmlSiteBecomesRouteHandlersWithRewrites) {
  Project p =
      AssembleOk({{"index.html", "<a href=\"about.html\">About</a>"},
                  {"about.html", "<link href=\"style.css\" rel=stylesheet>"},
                  {"style.css", "body{}"},
                  {"script.js", "1"}});
  EXPECT_THAT(p.files.at("app/route.ts"), HasSubstr("href=\\\"/about\\\""));
  EXPECT_THAT(p.files.at("app/about/route.ts"),
              HasSubstr("href=\\\"/style.css\\\""));
  EXPECT_EQ(p.files.at("public/style.css"), "body{}");
  EXPECT_EQ(p.files.at("public/script.js"), "1");
  EXPECT_THAT(
      p.files.at("next.config.mjs"),
      HasSubstr("{ source: \"/about.html\", destination: \"/about\" }"));
  EXPECT_THAT(p.files, Contains(Key("app/layout.tsx")));
  EXPECT_THAT(p.files, Not(Contains(Key("index.html"))));
}

TEST(AssembleTest, DropsLockfilesAndRejectsNpmrc) {
  Project p = AssembleOk({{"app/page.tsx", kPage},
                          {"package-lock.json", "{}"},
                          {"yarn.lock", ""}});
  EXPECT_THAT(p.files, Not(Contains(Key("package-lock.json"))));
  EXPECT_THAT(p.files, Not(Contains(Key("yarn.lock"))));
  EXPECT_THAT(
      AssembleStatus(
          {{"app/page.tsx", kPage}, {".npmrc", "registry=http://evil"}}),
      IsInvalidArgument("generated_code[\".npmrc\"]: npm configuration"));
}

TEST(AssembleTest, PlanFollowsTheRequest) {
  Request request;
  request.generated_code = {
      {"page.tsx", kPage},
      {"package.json", R"({"dependencies":{"zod":"^3"}})"}};
  request.mode = Mode::kProduction;
  request.build_script = "npm run build";
  request.environment = {{"FOO", "bar"}};
  absl::StatusOr<Project> p = Assemble(request);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->plan.build_command, "npm run build");
  EXPECT_THAT(p->plan.start_command,
              HasSubstr("next start -H 127.0.0.1 -p 3000"));
  EXPECT_EQ(p->plan.environment.at("FOO"), "bar");
  EXPECT_EQ(p->plan.environment.at("NEXT_TELEMETRY_DISABLED"), "1");
  EXPECT_EQ(p->plan.dependencies.at("zod"), "^3");
  EXPECT_EQ(p->plan.dependencies.at("next"), kNextVersion);
  EXPECT_EQ(p->plan.dependency_fingerprint.size(), 64u);
}

TEST(AssembleTest, IsDeterministicAndNormalizesEquivalentDependencySets) {
  Project a = AssembleOk({{"page.tsx", kPage}});
  Project b = AssembleOk({{"page.tsx", kPage}});
  EXPECT_EQ(a.files, b.files);
  EXPECT_EQ(a.plan.dependency_fingerprint, b.plan.dependency_fingerprint);
  // Unpinned specs that the pinned stack satisfies share the fingerprint.
  Project c = AssembleOk(
      {{"page.tsx", kPage},
       {"package.json",
        R"({"dependencies":{"next":"latest","react":"^19.0.0"},"devDependencies":{"typescript":"^5"}})"}});
  EXPECT_EQ(c.plan.dependency_fingerprint, a.plan.dependency_fingerprint);
  Project d = AssembleOk(
      {{"page.tsx", kPage},
       {"package.json", R"({"dependencies":{"lucide-react":"latest"}})"}});
  EXPECT_NE(d.plan.dependency_fingerprint, a.plan.dependency_fingerprint);
}

TEST(AssembleTest, RejectionsNameTheOffendingFieldOrPath) {
  EXPECT_EQ(AssembleStatus({{"../x", ""}, {"page.tsx", kPage}}).message(),
            "generated_code[\"../x\"]: path escapes the project");
  EXPECT_THAT(
      AssembleStatus(
          {{"page.tsx", kPage},
           {"package.json", R"({"dependencies":{"foo":"file:../foo"}})"}}),
      IsInvalidArgument("generated_code[\"package.json\"]: dependency \"foo\": "
                        "\"file:../foo\" is not a registry version"));
  EXPECT_THAT(
      AssembleStatus({{"page.tsx", kPage}, {"package.json", "{"}}),
      IsInvalidArgument("generated_code[\"package.json\"]: invalid JSON"));
  EXPECT_THAT(
      AssembleStatus({{"page.tsx", kPage}, {"tsconfig.json", "{ nope"}}),
      IsInvalidArgument("generated_code[\"tsconfig.json\"]: invalid JSON"));
  EXPECT_THAT(AssembleStatus({{"components/Hero.tsx", kPage}}),
              IsInvalidArgument("no page for \"/\""));
  EXPECT_THAT(
      AssembleStatus({{"page.tsx", kPage}, {"node_modules/x/index.js", ""}}),
      IsInvalidArgument("node_modules/"));
  Request request;
  request.generated_code = {{"page.tsx", kPage}};
  request.environment = {{"1BAD", ""}};
  EXPECT_EQ(Assemble(request).status().message(),
            "environment[\"1BAD\"]: invalid variable name (must match "
            "[A-Za-z_][A-Za-z0-9_]*)");
}

TEST(AssembleTest, RejectsClashesCreatedByRelocation) {
  EXPECT_THAT(
      AssembleStatus(
          {{"index.html", ""}, {"public/index.css", ""}, {"index.css", ""}}),
      IsInvalidArgument("clashes"));
}

}  // namespace
}  // namespace sandboxd::scaffold

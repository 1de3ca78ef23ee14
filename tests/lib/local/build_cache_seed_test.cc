#include "lib/local/build_cache_seed.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scaffold/warm_template.h"

namespace sandboxd::local {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// What the frontend sends: page, layout and globals.css, no package.json.
scaffold::Project Frontend(const std::string& globals_css) {
  scaffold::Request request;
  request.mode = scaffold::Mode::kProduction;
  request.generated_code = {
      {"page.tsx", "export default function Page() { return <h1>Hi</h1>; }\n"},
      {"layout.tsx", "import './globals.css';\n"},
      {"globals.css", globals_css}};
  request.generation_token = "sbx-1.g1";
  absl::StatusOr<scaffold::Project> project = scaffold::Assemble(request);
  EXPECT_TRUE(project.ok()) << project.status();
  return project.ok() ? *project : scaffold::Project{};
}

scaffold::Project Seed(scaffold::TailwindMajor tailwind) {
  absl::StatusOr<scaffold::Project> project = BuildCacheSeedTemplate(tailwind);
  EXPECT_TRUE(project.ok()) << project.status();
  return project.ok() ? *project : scaffold::Project{};
}

TEST(BuildCacheSeedTest, SeedSharesTheFrontendsDependencyFingerprint) {
  const scaffold::Project v3 = Seed(scaffold::TailwindMajor::kV3);
  const scaffold::Project v4 = Seed(scaffold::TailwindMajor::kV4);
  EXPECT_EQ(v3.plan.dependency_fingerprint,
            Frontend("@tailwind base;\n@tailwind utilities;\n")
                .plan.dependency_fingerprint);
  EXPECT_EQ(v4.plan.dependency_fingerprint,
            Frontend("@import \"tailwindcss\";\n").plan.dependency_fingerprint);
  EXPECT_NE(v3.plan.dependency_fingerprint, v4.plan.dependency_fingerprint);
}

TEST(BuildCacheSeedTest, SeedIsAProductionBuildOfTheTemplateWithoutExtras) {
  const scaffold::Project seed = Seed(scaffold::TailwindMajor::kV3);
  EXPECT_THAT(seed.plan.build_command, Not(IsEmpty()));
  EXPECT_THAT(seed.files.at("app/page.tsx"),
              HasSubstr(scaffold::kWarmTemplateMarker));
  EXPECT_FALSE(seed.plan.dependencies.contains("lucide-react"));
  EXPECT_FALSE(seed.plan.dependencies.contains("tailwind-merge"));
  // The DEV template's extra libraries give it another dependency set.
  absl::StatusOr<scaffold::Project> warm =
      scaffold::WarmTemplate(scaffold::TailwindMajor::kV3, "pool-1.warm");
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_NE(seed.plan.dependency_fingerprint,
            warm->plan.dependency_fingerprint);
  // The generated next.config keeps the build cache on.
  EXPECT_THAT(seed.files.at("next.config.mjs"),
              HasSubstr("turbopackFileSystemCacheForBuild: true"));
}

}  // namespace
}  // namespace sandboxd::local

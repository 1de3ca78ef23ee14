#include "lib/scaffold/build_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::scaffold {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

MergedPackageJson Deps(std::map<std::string, std::string> deps) {
  MergedPackageJson pkg;
  pkg.dependencies = std::move(deps);
  return pkg;
}

TEST(BuildPlanTest, DevModeRunsNextDevWithTurbopackOnLoopback) {
  Request request;
  request.mode = Mode::kDev;
  request.build_script = "ignored in dev";
  BuildPlan plan = MakeBuildPlan(request, Deps({{"next", "16.4.6"}}));
  EXPECT_EQ(plan.build_command, "");
  EXPECT_EQ(plan.start_command,
            "exec node_modules/.bin/next dev --turbopack -H 127.0.0.1 -p 3000");
  EXPECT_EQ(plan.port, 3000);
}

TEST(BuildPlanTest, ProductionModeBuildsThenStarts) {
  Request request;
  request.mode = Mode::kProduction;
  BuildPlan plan = MakeBuildPlan(request, Deps({}));
  EXPECT_EQ(plan.build_command, "node_modules/.bin/next build");
  EXPECT_EQ(plan.start_command,
            "exec node_modules/.bin/next start -H 127.0.0.1 -p 3000");
  request.build_script = "npm run build && echo done";
  EXPECT_EQ(MakeBuildPlan(request, Deps({})).build_command,
            "npm run build && echo done");
}

TEST(BuildPlanTest, InstallNeverRunsScripts) {
  BuildPlan plan = MakeBuildPlan(Request(), Deps({}));
  EXPECT_THAT(plan.install_command, HasSubstr("npm install "));
  for (const char* flag : {"--ignore-scripts", "--no-audit", "--no-fund"}) {
    EXPECT_THAT(plan.install_command, HasSubstr(flag));
  }
}

TEST(BuildPlanTest, EnvironmentFlowsInAndTelemetryIsAlwaysOff) {
  Request request;
  request.environment = {{"API_URL", "https://api"},
                         {"NEXT_TELEMETRY_DISABLED", "0"}};
  BuildPlan plan = MakeBuildPlan(request, Deps({}));
  EXPECT_EQ(plan.environment.at("API_URL"), "https://api");
  EXPECT_EQ(plan.environment.at("NEXT_TELEMETRY_DISABLED"), "1");
  EXPECT_EQ(MakeBuildPlan(Request(), Deps({}))
                .environment.at("NEXT_TELEMETRY_DISABLED"),
            "1");
}

TEST(BuildPlanTest, FingerprintIsAStableSha256OfTheDependencySet) {
  std::map<std::string, std::string> deps = {{"next", "16.4.6"},
                                             {"react", "19.3.1"}};
  std::string fp = DependencyFingerprint(kInstallCommand, deps, "");
  EXPECT_THAT(fp, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(fp, DependencyFingerprint(kInstallCommand, deps, ""));
  EXPECT_EQ(MakeBuildPlan(Request(), Deps(deps)).dependency_fingerprint, fp);
  EXPECT_EQ(MakeBuildPlan(Request(), Deps(deps)).dependencies, deps);

  auto changed = deps;
  changed["react"] = "19.3.0";
  EXPECT_NE(DependencyFingerprint(kInstallCommand, changed, ""), fp);
  changed = deps;
  changed["zod"] = "^3";
  EXPECT_NE(DependencyFingerprint(kInstallCommand, changed, ""), fp);
  EXPECT_NE(DependencyFingerprint("npm install", deps, ""), fp);
  EXPECT_NE(DependencyFingerprint(kInstallCommand, deps, R"({"a":"1"})"), fp);
  // Entries cannot bleed into each other.
  EXPECT_NE(DependencyFingerprint(kInstallCommand, {{"a", "1b"}}, ""),
            DependencyFingerprint(kInstallCommand, {{"a1", "b"}}, ""));
}

TEST(BuildPlanTest, FingerprintMatchesAKnownValue) {
  // printf %s '{"dependencies":{"a":"1"},"install":"npm
  // install","overrides":null}' | sha256sum
  EXPECT_EQ(DependencyFingerprint("npm install", {{"a", "1"}}, ""),
            "9102ea363288b8166062b845ed9837257dffbe8123d7d7dc1758c658e5cd75dd");
}

}  // namespace
}  // namespace sandboxd::scaffold

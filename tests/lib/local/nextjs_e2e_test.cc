// One real NextJS app in a local sandbox: npm install from the registry,
// `next dev` (and `next build` + `next start`), and the page's marker
// through DialApp. Skipped unless SANDBOXD_E2E=1.
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/local/http_probe.h"
#include "lib/local/local_provider.h"
#include "tests/lib/local/local_test_env.h"

namespace sandboxd::local {
namespace {

using ::sandboxd::local::testing::LineCollector;
using ::sandboxd::local::testing::LocalTestEnv;
using ::sandboxd::local::testing::Within;
using ::testing::HasSubstr;

constexpr char kMarker[] = "sandboxd-e2e-marker-5521";

std::map<std::string, std::string> Project() {
  return {
      {"package.json", R"({
  "name": "e2e-app",
  "private": true,
  "dependencies": {
    "next": "16.4.6",
    "react": "^19",
    "react-dom": "^19"
  },
  "devDependencies": {
    "typescript": "^5",
    "@types/react": "^19",
    "@types/node": "^20"
  }
})"},
      {"tsconfig.json", R"({
  "compilerOptions": {
    "target": "ES2017", "lib": ["dom", "dom.iterable", "esnext"],
    "allowJs": true, "skipLibCheck": true, "strict": true, "noEmit": true,
    "esModuleInterop": true, "module": "esnext", "moduleResolution": "bundler",
    "resolveJsonModule": true, "isolatedModules": true, "jsx": "react-jsx",
    "incremental": true, "plugins": [{ "name": "next" }]
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
  "exclude": ["node_modules"]
})"},
      {"app/layout.tsx",
       "export const metadata = { title: 'e2e' };\n"
       "export default function RootLayout({ children }: { children: "
       "React.ReactNode }) {\n  return (<html lang=\"en\"><body>{children}"
       "</body></html>);\n}\n"},
      {"app/page.tsx", absl::StrCat("export default function Page() {\n"
                                    "  return <main><h1>",
                                    kMarker, "</h1></main>;\n}\n")},
  };
}

scaffold::BuildPlan Plan(scaffold::Mode mode) {
  scaffold::BuildPlan plan;
  plan.install_command = "npm install --ignore-scripts --no-audit --no-fund";
  if (mode == scaffold::Mode::kDev) {
    plan.start_command =
        "exec ./node_modules/.bin/next dev --hostname 127.0.0.1 --port 3000";
  } else {
    plan.build_command = "./node_modules/.bin/next build";
    plan.start_command =
        "exec ./node_modules/.bin/next start --hostname 127.0.0.1 --port 3000";
  }
  plan.port = 3000;
  plan.environment = {{"NEXT_TELEMETRY_DISABLED", "1"}};
  plan.dependency_fingerprint = "e2e0164060000001";  // bump with the versions
  return plan;
}

// The tests share one provider, so the second one finds the dependency
// store warm.
class NextjsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* enabled = std::getenv("SANDBOXD_E2E");
    if (enabled == nullptr || std::string(enabled) != "1" || ::geteuid() != 0) {
      return;
    }
    env_ = LocalTestEnv::Make().release();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override {
    if (env_ == nullptr) GTEST_SKIP() << "set SANDBOXD_E2E=1 (and run as root)";
  }

  // Create → install → (build) → start → GET / through DialApp → Destroy.
  void RunApp(const std::string& id, scaffold::Mode mode) {
    LocalProvider& provider = env_->provider();
    ProvisionSpec spec;
    spec.sandbox_id = id;
    spec.mode = mode;
    ASSERT_TRUE(provider.Provision(spec, Within(absl::Seconds(10))).ok());
    ASSERT_TRUE(provider.Upload(id, Project(), Within(absl::Seconds(10))).ok());
    scaffold::BuildPlan plan = Plan(mode);
    LineCollector log;
    absl::Time t0 = absl::Now();
    absl::Status installed = provider.InstallDependencies(
        id, plan, log.sink(), Within(absl::Minutes(5)));
    ASSERT_TRUE(installed.ok()) << installed << "\n" << log.Text();
    absl::Time t1 = absl::Now();
    if (!plan.build_command.empty()) {
      absl::StatusOr<int> built =
          provider.RunCommand(id, plan.build_command, plan.environment,
                              log.sink(), Within(absl::Minutes(5)));
      ASSERT_TRUE(built.ok()) << built.status();
      ASSERT_EQ(*built, 0) << log.Text();
    }
    absl::Time t2 = absl::Now();
    absl::Status started =
        provider.StartApp(id, plan, log.sink(), Within(absl::Minutes(3)));
    ASSERT_TRUE(started.ok()) << started << "\n" << log.Text();
    absl::Time t3 = absl::Now();

    absl::StatusOr<int> fd = provider.DialApp(id);
    ASSERT_TRUE(fd.ok()) << fd.status();
    absl::StatusOr<HttpResponse> page =
        HttpGet(*fd, id + ".preview.localhost:8080", "/", absl::Seconds(60));
    ::close(*fd);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->status, 200);
    EXPECT_THAT(page->body, HasSubstr(kMarker));
    std::string usage = env_->CgroupFile(id, "memory", "memory.usage_in_bytes");
    std::string stat = env_->CgroupFile(id, "memory", "memory.stat");
    size_t rss_at = stat.find("total_rss ");
    std::cerr << "e2e " << id << ": memory.usage_in_bytes "
              << usage.substr(0, usage.find('\n')) << ", "
              << (rss_at == std::string::npos
                      ? ""
                      : stat.substr(rss_at, stat.find('\n', rss_at) - rss_at))
              << "\n";
    bool warm = log.Count("reusing installed dependencies") > 0;
    std::cerr << "e2e " << id << ": install " << t1 - t0 << " ("
              << (warm ? "warm" : "cold") << " store), build " << t2 - t1
              << ", start to first 200 " << t3 - t2 << ", total " << t3 - t0
              << "\n";
    // A second app with the same dependencies runs no npm install.
    if (installed_once_) {
      EXPECT_TRUE(warm) << log.Text();
    }
    installed_once_ = true;

    uid_t uid = env_->UidOf(id);
    ASSERT_TRUE(provider.Destroy(id, Within(absl::Seconds(30))).ok());
    EXPECT_TRUE(LocalTestEnv::ProcessesOfUid(uid).empty());
  }

  static LocalTestEnv* env_;
  static bool installed_once_;
};

LocalTestEnv* NextjsE2eTest::env_ = nullptr;
bool NextjsE2eTest::installed_once_ = false;

TEST_F(NextjsE2eTest, DevServerServesTheGeneratedPage) {
  RunApp("e2e-dev", scaffold::Mode::kDev);
}

TEST_F(NextjsE2eTest, ProductionBuildReusesTheStoreAndServesThePage) {
  RunApp("e2e-prod", scaffold::Mode::kProduction);
}

}  // namespace
}  // namespace sandboxd::local

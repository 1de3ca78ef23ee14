#include "lib/scaffold/warm_template.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::scaffold {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPage[] =
    "export default function Page() { return <h1>MARKER</h1>; }\n";
constexpr char kV3Css[] = "@tailwind base;\n@tailwind utilities;\n";

Project Frontend(std::map<std::string, std::string> extra = {},
                 std::map<std::string, std::string> env = {}) {
  Request request;
  request.generated_code = {{"page.tsx", kPage},
                            {"layout.tsx", "import './globals.css';\n"},
                            {"globals.css", kV3Css}};
  for (auto& [path, content] : extra) request.generated_code[path] = content;
  request.environment = std::move(env);
  request.generation_token = "sbx-1.g1";
  absl::StatusOr<Project> project = Assemble(request);
  EXPECT_TRUE(project.ok()) << project.status();
  return project.ok() ? *project : Project{};
}

Project Template(TailwindMajor tailwind) {
  absl::StatusOr<Project> project = WarmTemplate(tailwind, "pool-1.warm");
  EXPECT_TRUE(project.ok()) << project.status();
  return project.ok() ? *project : Project{};
}

TEST(WarmTemplateTest, TemplateIsADevAppWithCommonLibrariesAndItsToken) {
  Project t = Template(TailwindMajor::kV3);
  EXPECT_EQ(t.plan.generation_token, "pool-1.warm");
  EXPECT_TRUE(t.plan.build_command.empty());
  EXPECT_THAT(t.files.at("app/page.tsx"), HasSubstr(kWarmTemplateMarker));
  for (const char* lib :
       {"lucide-react", "clsx", "tailwind-merge", "framer-motion"}) {
    EXPECT_TRUE(t.plan.dependencies.contains(lib)) << lib;
  }
  EXPECT_EQ(t.plan.dependencies.at("tailwind-merge")[0], '2');
  EXPECT_EQ(
      Template(TailwindMajor::kV4).plan.dependencies.at("tailwind-merge")[0],
      '3');
}

TEST(WarmTemplateTest, TheFrontendShapeFitsTheMatchingTailwindTemplate) {
  EXPECT_THAT(FitWarm(Template(TailwindMajor::kV3), Frontend()).misfit,
              IsEmpty());
  EXPECT_THAT(FitWarm(Template(TailwindMajor::kV4), Frontend()).misfit,
              HasSubstr("differs from the warm template's"));
}

TEST(WarmTemplateTest, DependenciesMustBeInstalledAndAccepted) {
  Project t = Template(TailwindMajor::kV3);
  // A range the pinned version satisfies fits.
  EXPECT_THAT(
      FitWarm(t, Frontend({{"package.json",
                            R"({"dependencies":{"lucide-react":"^1.0.0"}})"}}))
          .misfit,
      IsEmpty());
  EXPECT_THAT(
      FitWarm(t,
              Frontend({{"package.json",
                         R"({"dependencies":{"lucide-react":"^0.300.0"}})"}}))
          .misfit,
      HasSubstr("lucide-react@^0.300.0 is not satisfied"));
  // A few packages the template lacks are added to the claimed sandbox:
  // the fit says which.
  WarmFit zod = FitWarm(
      t, Frontend({{"package.json", R"({"dependencies":{"zod":"^3.0.0"}})"}}));
  EXPECT_TRUE(zod.fits()) << zod.misfit;
  EXPECT_EQ(zod.additions,
            (std::map<std::string, std::string>{{"zod", "^3.0.0"}}));
  std::string many = R"({"dependencies":{)";
  for (size_t i = 0; i <= kMaxWarmAdditions; ++i) {
    absl::StrAppend(&many, i == 0 ? "" : ",", "\"pkg", i, "\":\"1.0.0\"");
  }
  many += "}}";
  EXPECT_THAT(FitWarm(t, Frontend({{"package.json", many}})).misfit,
              HasSubstr("9 dependencies are not in the warm template"));
}

TEST(WarmTemplateTest, DependencyAdditionsAreTheMissingOnes) {
  auto additions = DependencyAdditions(
      {{"a", "1.2.3"}, {"b", "2.0.0"}},
      {{"a", "^1.0.0"}, {"c", "^3.0.0"}, {"@s/d", "latest"}});
  ASSERT_TRUE(additions.ok()) << additions.status();
  EXPECT_EQ(*additions, (std::map<std::string, std::string>{{"@s/d", "latest"},
                                                            {"c", "^3.0.0"}}));
  auto changed = DependencyAdditions({{"a", "1.2.3"}}, {{"a", "^2.0.0"}});
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(changed.status().message(),
              HasSubstr("a@^2.0.0 is not satisfied by the installed 1.2.3"));
}

TEST(WarmTemplateTest, ConfigsAndEnvironmentMustMatch) {
  Project t = Template(TailwindMajor::kV3);
  EXPECT_THAT(
      FitWarm(t, Frontend({{"next.config.mjs", "export default {};\n"}}))
          .misfit,
      HasSubstr("next.config.mjs differs"));
  EXPECT_THAT(FitWarm(t, Frontend({}, {{"API_URL", "x"}})).misfit,
              HasSubstr("environment differs"));
}

TEST(WarmTemplateTest, TakeFirstFitMovesTheFirstFittingSlotOut) {
  std::vector<int> slots = {1, 2, 3, 4};
  auto even = [](int slot) {
    return slot % 2 == 0 ? WarmFit{.additions = {{"pkg", std::to_string(slot)}}}
                         : WarmFit{.misfit = absl::StrCat(slot, " is odd")};
  };
  TakenSlot<int> taken = TakeFirstFit(slots, even);
  ASSERT_TRUE(taken.slot.has_value());
  EXPECT_EQ(*taken.slot, 2);
  EXPECT_EQ(taken.additions.at("pkg"), "2");
  EXPECT_EQ(slots, (std::vector<int>{1, 3, 4}));
  std::vector<int> odd = {1, 3};
  TakenSlot<int> none = TakeFirstFit(odd, even);
  EXPECT_FALSE(none.slot.has_value());
  EXPECT_EQ(none.why, "3 is odd");
  EXPECT_EQ(odd.size(), 2u);
  std::vector<int> empty;
  EXPECT_EQ(TakeFirstFit(empty, even).why, "the warm pool is empty");
}

TEST(WarmTemplateTest, MissingDependencyNamesTheFirstMisfit) {
  EXPECT_THAT(MissingDependency({{"a", "1.2.3"}}, {{"a", "~1.2.0"}}),
              IsEmpty());
  EXPECT_THAT(MissingDependency({{"a", "latest"}}, {{"a", "latest"}}),
              IsEmpty());
  EXPECT_THAT(MissingDependency({{"a", "latest"}}, {{"a", "^1"}}),
              HasSubstr("a@^1 is not satisfied by the installed latest"));
  EXPECT_THAT(MissingDependency({}, {{"b", "1.0.0"}}),
              HasSubstr("dependency b is not installed"));
}

}  // namespace
}  // namespace sandboxd::scaffold

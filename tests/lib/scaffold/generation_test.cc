#include "lib/scaffold/generation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scaffold/scaffold.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;

constexpr char kPage[] = "export default function P() { return <p>x</p>; }\n";

absl::StatusOr<Project> AssembleWithToken(FileMap files, std::string token) {
  Request request;
  request.generated_code = std::move(files);
  request.generation_token = std::move(token);
  return Assemble(request);
}

TEST(GenerationTest, MarksAnAppRouterProjectAndPlansTheToken) {
  absl::StatusOr<Project> p =
      AssembleWithToken({{"page.tsx", kPage}}, "sbx-1.g2");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->plan.generation_token, "sbx-1.g2");
  EXPECT_THAT(p->files.at("app/sandboxd-generation.ts"),
              HasSubstr("export const generation = \"sbx-1.g2\";"));
  EXPECT_THAT(p->files.at("app/template.tsx"),
              HasSubstr("<meta name=\"sandboxd-generation\""));
  EXPECT_THAT(p->files.at("app/template.tsx"),
              HasSubstr("from \"./sandboxd-generation\""));
}

TEST(GenerationTest, NoTokenNoMarker) {
  absl::StatusOr<Project> p = AssembleWithToken({{"page.tsx", kPage}}, "");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->files, Not(Contains(Key("app/template.tsx"))));
  EXPECT_THAT(p->files, Not(Contains(Key("app/sandboxd-generation.ts"))));
  EXPECT_EQ(p->plan.generation_token, "");
}

TEST(GenerationTest, WrapsTheProjectsOwnTemplate) {
  const std::string user = "export default function T({children}) {}\n";
  absl::StatusOr<Project> p = AssembleWithToken(
      {{"src/app/page.tsx", kPage}, {"src/app/template.jsx", user}}, "t1");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->files.at("src/app/sandboxd-user-template.jsx"), user);
  EXPECT_THAT(p->files, Not(Contains(Key("src/app/template.jsx"))));
  EXPECT_THAT(p->files.at("src/app/template.tsx"), HasSubstr("<UserTemplate>"));
  EXPECT_THAT(p->files, Contains(Key("src/app/sandboxd-generation.ts")));
}

TEST(GenerationTest, PagesRouterProjectsCarryNoToken) {
  absl::StatusOr<Project> p =
      AssembleWithToken({{"pages/index.tsx", kPage}}, "t1");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->plan.generation_token, "");
  EXPECT_THAT(p->plan.routes, IsEmpty());
}

TEST(GenerationTest, RejectsUnsafeTokens) {
  EXPECT_THAT(AssembleWithToken({{"page.tsx", kPage}}, "a\"b").status(),
              IsInvalidArgument("generation token"));
  EXPECT_THAT(ValidateGenerationToken(std::string(101, 'a')),
              IsInvalidArgument("1-100"));
  EXPECT_TRUE(ValidateGenerationToken("sbx-0a.g12_x").ok());
}

TEST(GenerationTest, StaticRoutesSkipDynamicAndPrivateSegments) {
  FileMap files = {{"app/page.tsx", kPage},
                   {"app/about/page.tsx", kPage},
                   {"app/(marketing)/pricing/page.jsx", kPage},
                   {"app/blog/[slug]/page.tsx", kPage},
                   {"app/@modal/login/page.tsx", kPage},
                   {"app/_lib/page.tsx", kPage},
                   {"app/docs/layout.tsx", kPage},
                   {"components/page.tsx", kPage}};
  EXPECT_THAT(StaticRoutes({"app", "."}, files),
              ElementsAre("/", "/about", "/pricing"));
  absl::StatusOr<Project> p = AssembleWithToken(
      {{"app/page.tsx", kPage}, {"app/x/page.tsx", kPage}}, "");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->plan.routes, ElementsAre("/", "/x"));
}

}  // namespace
}  // namespace sandboxd::scaffold

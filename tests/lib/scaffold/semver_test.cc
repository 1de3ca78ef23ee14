#include "lib/scaffold/semver.h"

#include "gtest/gtest.h"

namespace sandboxd::scaffold {
namespace {

bool Sat(const char* version, const char* range) {
  std::optional<SemVerRange> r = SemVerRange::Parse(range);
  std::optional<SemVer> v = ParseSemVer(version);
  EXPECT_TRUE(r.has_value()) << range;
  EXPECT_TRUE(v.has_value()) << version;
  return r && v && r->Satisfies(*v);
}

TEST(SemVerTest, ParsesVersions) {
  std::optional<SemVer> v = ParseSemVer("v16.4.6-canary.3+sha.1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->major, 16u);
  EXPECT_EQ(v->minor, 4u);
  EXPECT_EQ(v->patch, 6u);
  EXPECT_EQ(v->prerelease, (std::vector<std::string>{"canary", "3"}));
  EXPECT_FALSE(ParseSemVer("1.2").has_value());
  EXPECT_FALSE(ParseSemVer("01.2.3").has_value());
  EXPECT_FALSE(ParseSemVer("1.2.3-").has_value());
  EXPECT_FALSE(ParseSemVer("1.2.3-01").has_value());
  EXPECT_FALSE(ParseSemVer("1.2.3.4").has_value());
  EXPECT_FALSE(ParseSemVer("9999999999999999.0.0").has_value());
}

TEST(SemVerTest, ComparesByPrecedence) {
  auto cmp = [](const char* a, const char* b) {
    return CompareSemVer(*ParseSemVer(a), *ParseSemVer(b));
  };
  EXPECT_LT(cmp("1.2.3", "1.10.0"), 0);
  EXPECT_LT(cmp("1.0.0-alpha", "1.0.0"), 0);
  EXPECT_LT(cmp("1.0.0-alpha", "1.0.0-alpha.1"), 0);
  EXPECT_LT(cmp("1.0.0-2", "1.0.0-10"), 0);
  EXPECT_LT(cmp("1.0.0-9", "1.0.0-alpha"), 0);
  EXPECT_EQ(cmp("1.0.0+a", "1.0.0+b"), 0);
}

TEST(SemVerTest, CaretTildeAndXRanges) {
  EXPECT_TRUE(Sat("16.4.6", "^16.0.0"));
  EXPECT_FALSE(Sat("16.4.6", "^15.5.0"));
  EXPECT_TRUE(Sat("0.2.5", "^0.2.3"));
  EXPECT_FALSE(Sat("0.3.0", "^0.2.3"));
  EXPECT_FALSE(Sat("0.0.4", "^0.0.3"));
  EXPECT_TRUE(Sat("1.2.9", "~1.2.3"));
  EXPECT_FALSE(Sat("1.3.0", "~1.2.3"));
  EXPECT_TRUE(Sat("1.9.0", "~1"));
  EXPECT_TRUE(Sat("19.3.1", "19"));
  EXPECT_TRUE(Sat("19.3.1", "19.x"));
  EXPECT_FALSE(Sat("20.0.0", "19.x"));
  EXPECT_TRUE(Sat("5.9.3", "*"));
  EXPECT_TRUE(Sat("5.9.3", ""));
  EXPECT_TRUE(Sat("5.9.3", "x"));
}

TEST(SemVerTest, ComparatorsHyphensAndUnions) {
  EXPECT_TRUE(Sat("16.4.6", ">=15 <17"));
  EXPECT_TRUE(Sat("16.4.6", ">= 16.0.0"));
  EXPECT_FALSE(Sat("16.4.6", "<16.4.6"));
  EXPECT_TRUE(Sat("16.4.6", "<=16.4"));
  EXPECT_FALSE(Sat("16.4.6", ">16.4"));
  EXPECT_TRUE(Sat("2.5.0", "1.2.3 - 2.5"));
  EXPECT_FALSE(Sat("2.6.0", "1.2.3 - 2.5"));
  EXPECT_TRUE(Sat("19.3.1", "^18.2.0 || ^19.0.0"));
  EXPECT_FALSE(Sat("17.0.0", "^18.2.0 || ^19.0.0"));
  EXPECT_TRUE(Sat("16.4.6", "=16.4.6"));
  EXPECT_FALSE(Sat("16.4.6", ">*"));
}

TEST(SemVerTest, PrereleasesOnlyMatchTheirOwnTuple) {
  EXPECT_FALSE(Sat("17.0.0-canary.1", "^16.0.0"));
  EXPECT_TRUE(Sat("16.5.0-canary.2", ">=16.5.0-canary.1"));
  EXPECT_FALSE(Sat("16.6.0-canary.2", ">=16.5.0-canary.1"));
}

TEST(SemVerTest, RejectsInvalidRanges) {
  for (const char* range :
       {"^", ">=", "1.x.3", "github:a/b", "latest", "file:../x", "1.2.3.4",
        "^1.2.3 ||| 2", "~>", "1 - ", "http://x"}) {
    EXPECT_FALSE(SemVerRange::Parse(range).has_value()) << range;
  }
  EXPECT_FALSE(SemVerRange::Parse(std::string(300, '1')).has_value());
}

}  // namespace
}  // namespace sandboxd::scaffold

#include "lib/core/diagnostics.h"

#include "gtest/gtest.h"

namespace sandboxd {
namespace {

TEST(DiagnosticParserTest, ParsesTypeScriptCompilerLines) {
  DiagnosticParser parser;
  auto d = parser.Feed(
      "app/page.tsx(12,5): error TS2322: Type 'string' is not assignable");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->file(), "app/page.tsx");
  EXPECT_EQ(d->line(), 12);
  EXPECT_EQ(d->column(), 5);
  EXPECT_EQ(d->severity(), sandbox::v1::SEVERITY_ERROR);
  EXPECT_NE(d->message().find("TS2322"), std::string::npos);
}

TEST(DiagnosticParserTest, JoinsNextsLocationLineWithTheErrorBelowIt) {
  DiagnosticParser parser;
  EXPECT_FALSE(parser.Feed("./components/Hero.tsx:7:3").has_value());
  auto d = parser.Feed("Type error: Property 'title' does not exist");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->file(), "components/Hero.tsx");
  EXPECT_EQ(d->line(), 7);
  EXPECT_EQ(d->column(), 3);
  EXPECT_EQ(d->message(), "Type error: Property 'title' does not exist");
}

TEST(DiagnosticParserTest, ParsesInlineMessagesAndIgnoresOrdinaryOutput) {
  DiagnosticParser parser;
  auto d = parser.Feed("./app/globals.css:1:1: Unknown at rule @tailwindx");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->file(), "app/globals.css");
  EXPECT_EQ(d->message(), "Unknown at rule @tailwindx");
  EXPECT_FALSE(parser.Feed("added 102 packages in 12s").has_value());
  EXPECT_FALSE(parser.Feed("   ▲ Next.js 16.0.0").has_value());
  EXPECT_FALSE(parser.Feed("http://localhost:3000").has_value());
  EXPECT_FALSE(parser.Feed("").has_value());
}

}  // namespace
}  // namespace sandboxd

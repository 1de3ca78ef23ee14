#include "lib/metrics/text_format.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace sandboxd::metrics_internal {
namespace {

TEST(TextFormatTest, EscapesLabelValueBackslashQuoteAndNewline) {
  std::string out;
  AppendEscapedLabelValue(out, "a\\b\"c\nd");
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
}

TEST(TextFormatTest, EscapesHelpBackslashAndNewlineButNotQuote) {
  std::string out;
  AppendEscapedHelp(out, "say \"hi\"\\\n");
  EXPECT_EQ(out, "say \"hi\"\\\\\\n");
}

TEST(TextFormatTest, FormatsSampleValues) {
  auto format = [](double v) {
    std::string out;
    AppendSampleValue(out, v);
    return out;
  };
  EXPECT_EQ(format(0), "0");
  EXPECT_EQ(format(3), "3");
  EXPECT_EQ(format(0.005), "0.005");
  EXPECT_EQ(format(-2.5), "-2.5");
  EXPECT_EQ(format(123456789), "123456789");
  EXPECT_EQ(format(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format(std::nan("")), "NaN");
}

TEST(TextFormatTest, ValidatesMetricNames) {
  EXPECT_TRUE(IsValidMetricName("sandboxd_rpc_total"));
  EXPECT_TRUE(IsValidMetricName("ns:sub_metric2"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("2xx"));
  EXPECT_FALSE(IsValidMetricName("with-dash"));
}

TEST(TextFormatTest, ValidatesLabelNames) {
  EXPECT_TRUE(IsValidLabelName("method"));
  EXPECT_TRUE(IsValidLabelName("_private1"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
}

}  // namespace
}  // namespace sandboxd::metrics_internal

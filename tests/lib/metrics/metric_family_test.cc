#include "lib/metrics/metric_family.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Render(const MetricFamily& family) {
  std::string out;
  family.Render(out);
  return out;
}

TEST(CounterFamilyTest, LabelFreeCounterRendersZeroBeforeAnyUpdate) {
  CounterFamily counter("jobs_total", "Jobs.", {});
  EXPECT_EQ(Render(counter),
            "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n"
            "jobs_total 0\n");
}

TEST(CounterFamilyTest, AccumulatesPerLabelSet) {
  CounterFamily counter("rpc_total", "RPCs.", {"method", "code"});
  counter.Increment({"Get", "OK"});
  counter.Increment({"Get", "OK"}, 2.5);
  counter.Increment({"Create", "NOT_FOUND"});
  EXPECT_EQ(Render(counter),
            "# HELP rpc_total RPCs.\n# TYPE rpc_total counter\n"
            "rpc_total{method=\"Create\",code=\"NOT_FOUND\"} 1\n"
            "rpc_total{method=\"Get\",code=\"OK\"} 3.5\n");
}

TEST(CounterFamilyTest, IgnoresNegativeDeltaAndWrongArity) {
  CounterFamily counter("c_total", "C.", {"a"});
  counter.Increment({"x"}, 2);
  counter.Increment({"x"}, -1);
  counter.Increment({"x", "extra"});
  counter.Increment({});
  EXPECT_EQ(Render(counter),
            "# HELP c_total C.\n# TYPE c_total counter\nc_total{a=\"x\"} 2\n");
}

TEST(CounterFamilyTest, LabelValuesThatConcatenateAlikeStayDistinct) {
  CounterFamily counter("c_total", "C.", {"a", "b"});
  counter.Increment({"ab", "c"});
  counter.Increment({"a", "bc"}, 5);
  std::string text = Render(counter);
  EXPECT_THAT(text, HasSubstr("c_total{a=\"ab\",b=\"c\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("c_total{a=\"a\",b=\"bc\"} 5\n"));
}

TEST(GaugeFamilyTest, SetAndAdd) {
  GaugeFamily gauge("queue_depth", "Queued builds.", {"pool"});
  gauge.Set({"build"}, 7);
  gauge.Add({"build"}, -2);
  gauge.Add({"install"}, 1);
  EXPECT_EQ(Render(gauge),
            "# HELP queue_depth Queued builds.\n# TYPE queue_depth gauge\n"
            "queue_depth{pool=\"build\"} 5\n"
            "queue_depth{pool=\"install\"} 1\n");
}

TEST(GaugeFamilyTest, EscapesLabelValues) {
  GaugeFamily gauge("g", "G.", {"path"});
  gauge.Set({"a\"b\\c\nd"}, 1);
  EXPECT_THAT(Render(gauge), HasSubstr("g{path=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(HistogramFamilyTest, BucketsAreCumulativeWithInfSumAndCount) {
  HistogramFamily histogram("latency_seconds", "Latency.", {"method"},
                            {0.1, 1, 0.5});
  histogram.Observe({"Get"}, 0.05);
  histogram.Observe({"Get"}, 0.1);  // le is inclusive
  histogram.Observe({"Get"}, 0.7);
  histogram.Observe({"Get"}, 3);
  EXPECT_EQ(Render(histogram),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"Get\"} 3.85\n"
            "latency_seconds_count{method=\"Get\"} 4\n");
}

TEST(HistogramFamilyTest, LabelFreeHistogramRendersEmptySeries) {
  HistogramFamily histogram("h", "H.", {}, {1, 1, INFINITY});
  EXPECT_EQ(Render(histogram),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
            "h_sum 0\nh_count 0\n");
}

TEST(HistogramFamilyTest, IgnoresNaN) {
  HistogramFamily histogram("h", "H.", {}, {1});
  histogram.Observe({}, std::nan(""));
  EXPECT_THAT(Render(histogram), Not(HasSubstr("NaN")));
  EXPECT_THAT(Render(histogram), HasSubstr("h_count 0\n"));
}

}  // namespace
}  // namespace sandboxd

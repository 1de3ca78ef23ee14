#include "lib/metrics/metrics_registry.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistryTest, RendersSmallRegistryExactly) {
  MetricsRegistry registry;
  auto* rpcs = registry.AddCounter("sandboxd_rpcs_total", "RPCs by method.",
                                   {"method", "code"});
  auto* sandboxes = registry.AddGauge("sandboxd_sandboxes",
                                      "Sandboxes by status.", {"status"});
  auto* latency = registry.AddHistogram("sandboxd_rpc_latency_seconds",
                                        "RPC latency.", {"method"}, {0.01, 1});
  rpcs->Increment({"Get", "OK"});
  sandboxes->Set({"READY"}, 2);
  latency->Observe({"Get"}, 0.5);
  EXPECT_EQ(
      registry.RenderText(),
      "# HELP sandboxd_rpcs_total RPCs by method.\n"
      "# TYPE sandboxd_rpcs_total counter\n"
      "sandboxd_rpcs_total{method=\"Get\",code=\"OK\"} 1\n"
      "# HELP sandboxd_sandboxes Sandboxes by status.\n"
      "# TYPE sandboxd_sandboxes gauge\n"
      "sandboxd_sandboxes{status=\"READY\"} 2\n"
      "# HELP sandboxd_rpc_latency_seconds RPC latency.\n"
      "# TYPE sandboxd_rpc_latency_seconds histogram\n"
      "sandboxd_rpc_latency_seconds_bucket{method=\"Get\",le=\"0.01\"} 0\n"
      "sandboxd_rpc_latency_seconds_bucket{method=\"Get\",le=\"1\"} 1\n"
      "sandboxd_rpc_latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 1\n"
      "sandboxd_rpc_latency_seconds_sum{method=\"Get\"} 0.5\n"
      "sandboxd_rpc_latency_seconds_count{method=\"Get\"} 1\n");
}

TEST(MetricsRegistryTest, LabelledFamilyWithoutSeriesRendersHeaderOnly) {
  MetricsRegistry registry;
  registry.AddCounter("c_total", "Help with \\ and\nnewline.", {"a"});
  EXPECT_EQ(registry.RenderText(),
            "# HELP c_total Help with \\\\ and\\nnewline.\n"
            "# TYPE c_total counter\n");
}

TEST(MetricsRegistryTest, SameRegistrationReturnsSameFamily) {
  MetricsRegistry registry;
  auto* first = registry.AddCounter("c_total", "C.", {"a"});
  auto* second = registry.AddCounter("c_total", "C.", {"a"});
  EXPECT_EQ(first, second);
  auto* h1 = registry.AddHistogram("h", "H.", {}, {1, 2});
  auto* h2 = registry.AddHistogram("h", "H.", {}, {2, 1});
  EXPECT_EQ(h1, h2);
}

TEST(MetricsRegistryDeathTest, ConflictingRegistrationAborts) {
  MetricsRegistry registry;
  registry.AddCounter("m", "M.", {"a"});
  EXPECT_DEATH(registry.AddGauge("m", "M.", {"a"}), "another shape");
  EXPECT_DEATH(registry.AddCounter("m", "M.", {"b"}), "another shape");
}

TEST(MetricsRegistryDeathTest, InvalidNamesAbort) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddCounter("bad-name", "B.", {}),
               "invalid metric name");
  EXPECT_DEATH(registry.AddHistogram("h", "H.", {"le"}, {1}),
               "invalid label name");
}

TEST(MetricsRegistryTest, ScrapeHooksRunBeforeEachRender) {
  MetricsRegistry registry;
  auto* depth = registry.AddGauge("queue_depth", "Queue depth.", {});
  int calls = 0;
  registry.AddScrapeHook([&] { depth->Set({}, ++calls * 10); });
  EXPECT_THAT(registry.RenderText(), HasSubstr("queue_depth 10\n"));
  EXPECT_THAT(registry.RenderText(), HasSubstr("queue_depth 20\n"));
  EXPECT_EQ(calls, 2);
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  auto* counter = registry.AddCounter("c_total", "C.", {"thread"});
  auto* shared = registry.AddCounter("shared_total", "S.", {});
  auto* histogram = registry.AddHistogram("h", "H.", {"k"}, {1, 2});
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string label = "t" + std::to_string(t % 4);
      for (int i = 0; i < kIterations; ++i) {
        counter->Increment({label});
        shared->Increment({});
        histogram->Observe({"x"}, i % 3);
      }
    });
  }
  // Scrapes racing the updates must stay well-formed.
  for (int i = 0; i < 20; ++i) {
    std::string text = registry.RenderText();
    ASSERT_THAT(text, HasSubstr("# TYPE h histogram\n"));
  }
  for (auto& thread : threads) thread.join();
  std::string text = registry.RenderText();
  EXPECT_THAT(text, HasSubstr("shared_total 160000\n"));
  for (int t = 0; t < 4; ++t) {
    EXPECT_THAT(text, HasSubstr("c_total{thread=\"t" + std::to_string(t) +
                                "\"} 40000\n"));
  }
  EXPECT_THAT(text, HasSubstr("h_count{k=\"x\"} 160000\n"));
  EXPECT_THAT(text, HasSubstr("h_bucket{k=\"x\",le=\"+Inf\"} 160000\n"));
}

TEST(ExponentialBucketsTest, MultipliesByFactor) {
  EXPECT_EQ(ExponentialBuckets(0.001, 10, 4),
            (std::vector<double>{0.001, 0.01, 0.1, 1}));
}

}  // namespace
}  // namespace sandboxd

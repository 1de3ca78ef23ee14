// The process's Prometheus registry: families are registered at start-up by
// lib/core, server/ and lib/http, updated on hot paths, and rendered for
// `GET /metrics` (lib/http/ops_routes.h).
#ifndef SANDBOXD_LIB_METRICS_METRICS_REGISTRY_H_
#define SANDBOXD_LIB_METRICS_METRICS_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "lib/metrics/metric_family.h"

namespace sandboxd {

// Thread-safe: every method may be called from any thread. Family updates
// never take the registry's lock (each family has its own), so registration
// and rendering do not slow the hot path.
//
// Registering a name twice returns the existing family when the kind, labels
// (and buckets) match. A conflicting registration or an invalid metric or
// label name is a programming error caught at start-up: it aborts with a
// message.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Families live as long as the registry; the returned pointers are stable.
  CounterFamily* AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names);
  GaugeFamily* AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names);
  HistogramFamily* AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> buckets);

  // Runs before each render, e.g. to refresh gauges computed from state
  // (queue depth, sandboxes by status). Hooks run on the rendering thread, in
  // registration order, never concurrently with each other; they must not call
  // RenderText.
  void AddScrapeHook(std::function<void()> hook);

  // Text exposition format 0.0.4: HELP, TYPE, escaped label values,
  // _bucket{le=...}/_sum/_count with +Inf. Families in registration order,
  // series sorted by label values.
  std::string RenderText();

 private:
  template <typename Family, typename... Extra>
  Family* Add(std::string name, std::string help,
              std::vector<std::string> label_names, Extra&&... extra);

  absl::Mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, MetricFamily*> by_name_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> hooks_ ABSL_GUARDED_BY(mu_);
  // Serializes renders, so hooks never run concurrently.
  absl::Mutex render_mu_ ABSL_ACQUIRED_BEFORE(mu_);
};

// `count` bounds start, start*factor, start*factor^2, ... (for latencies).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_METRICS_METRICS_REGISTRY_H_

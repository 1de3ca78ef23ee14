#include "lib/metrics/metrics_registry.h"

#include <cstdio>
#include <cstdlib>

#include "lib/metrics/text_format.h"

namespace sandboxd {
namespace {

[[noreturn]] void DieWithRegistrationError(const std::string& name,
                                           const char* what) {
  std::fprintf(stderr, "MetricsRegistry: metric \"%s\": %s\n", name.c_str(),
               what);
  std::abort();
}

void CheckNames(const std::string& name,
                const std::vector<std::string>& label_names,
                bool is_histogram) {
  if (!metrics_internal::IsValidMetricName(name)) {
    DieWithRegistrationError(name, "invalid metric name");
  }
  for (const auto& label : label_names) {
    if (!metrics_internal::IsValidLabelName(label) ||
        (is_histogram && label == "le")) {
      DieWithRegistrationError(name, "invalid label name");
    }
  }
}

bool SameShape(const MetricFamily& existing, const CounterFamily*) {
  return dynamic_cast<const CounterFamily*>(&existing) != nullptr;
}
bool SameShape(const MetricFamily& existing, const GaugeFamily*) {
  return dynamic_cast<const GaugeFamily*>(&existing) != nullptr;
}
bool SameShape(const MetricFamily& existing, const HistogramFamily*,
               const std::vector<double>& buckets) {
  const auto* histogram = dynamic_cast<const HistogramFamily*>(&existing);
  if (histogram == nullptr) return false;
  HistogramFamily probe("probe", "", {}, buckets);
  return probe.buckets() == histogram->buckets();
}

}  // namespace

template <typename Family, typename... Extra>
Family* MetricsRegistry::Add(std::string name, std::string help,
                             std::vector<std::string> label_names,
                             Extra&&... extra) {
  CheckNames(name, label_names, std::is_same_v<Family, HistogramFamily>);
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  if (it != by_name_.end()) {
    const MetricFamily& existing = *it->second;
    if (!SameShape(existing, static_cast<const Family*>(nullptr), extra...) ||
        existing.label_names() != label_names) {
      DieWithRegistrationError(name, "registered twice with another shape");
    }
    return static_cast<Family*>(it->second);
  }
  auto family =
      std::make_unique<Family>(name, std::move(help), std::move(label_names),
                               std::forward<Extra>(extra)...);
  Family* raw = family.get();
  by_name_.emplace(std::move(name), raw);
  families_.push_back(std::move(family));
  return raw;
}

CounterFamily* MetricsRegistry::AddCounter(
    std::string name, std::string help, std::vector<std::string> label_names) {
  return Add<CounterFamily>(std::move(name), std::move(help),
                            std::move(label_names));
}

GaugeFamily* MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
  return Add<GaugeFamily>(std::move(name), std::move(help),
                          std::move(label_names));
}

HistogramFamily* MetricsRegistry::AddHistogram(
    std::string name, std::string help, std::vector<std::string> label_names,
    std::vector<double> buckets) {
  return Add<HistogramFamily>(std::move(name), std::move(help),
                              std::move(label_names), std::move(buckets));
}

void MetricsRegistry::AddScrapeHook(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  hooks_.push_back(std::move(hook));
}

std::string MetricsRegistry::RenderText() {
  absl::MutexLock render_lock(&render_mu_);
  std::vector<std::function<void()>> hooks;
  std::vector<const MetricFamily*> families;
  {
    absl::MutexLock lock(&mu_);
    hooks = hooks_;
  }
  // Hooks run without mu_ so they may update (or even register) families.
  for (auto& hook : hooks) hook();
  {
    absl::MutexLock lock(&mu_);
    for (const auto& family : families_) families.push_back(family.get());
  }
  std::string out;
  for (const MetricFamily* family : families) family->Render(out);
  return out;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> buckets;
  double bound = start;
  for (int i = 0; i < count; ++i) {
    buckets.push_back(bound);
    bound *= factor;
  }
  return buckets;
}

}  // namespace sandboxd

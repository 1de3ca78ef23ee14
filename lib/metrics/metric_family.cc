#include "lib/metrics/metric_family.h"

#include <cmath>
#include <cstring>

#include "lib/metrics/text_format.h"

namespace sandboxd {
namespace metrics_internal {

std::string_view SeriesKey(std::initializer_list<std::string_view> values) {
  // Capacity survives between calls: after warm-up no lookup allocates.
  thread_local std::string key;
  key.clear();
  for (std::string_view v : values) {
    uint32_t size = static_cast<uint32_t>(v.size());
    char prefix[sizeof(size)];
    std::memcpy(prefix, &size, sizeof(size));
    key.append(prefix, sizeof(prefix));
    key.append(v.data(), v.size());
  }
  return key;
}

}  // namespace metrics_internal

namespace {

using metrics_internal::AppendSampleValue;

void AppendUnsigned(std::string& out, uint64_t value) {
  out += std::to_string(value);
}

}  // namespace

MetricFamily::MetricFamily(std::string name, std::string help,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void MetricFamily::Render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  metrics_internal::AppendEscapedHelp(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type();
  out += '\n';
  RenderSamples(out);
}

void MetricFamily::AppendLabels(std::string& out,
                                const std::vector<std::string>& values,
                                const std::string* le) const {
  if (values.empty() && le == nullptr) return;
  out += '{';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[i];
    out += "=\"";
    metrics_internal::AppendEscapedLabelValue(out, values[i]);
    out += '"';
  }
  if (le != nullptr) {
    if (!values.empty()) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)) {
  // A family without labels has exactly one series; expose it from the start.
  if (this->label_names().empty()) series_.Get({});
}

void CounterFamily::Increment(
    std::initializer_list<std::string_view> label_values, double delta) {
  if (!ArityMatches(label_values) || !(delta >= 0)) return;
  series_.Get(label_values).value.fetch_add(delta, std::memory_order_relaxed);
}

void CounterFamily::RenderSamples(std::string& out) const {
  for (const auto* entry : series_.SortedEntries()) {
    out += name();
    AppendLabels(out, entry->label_values);
    out += ' ';
    AppendSampleValue(out, entry->series.value.load(std::memory_order_relaxed));
    out += '\n';
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help,
                         std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)) {
  if (this->label_names().empty()) series_.Get({});
}

void GaugeFamily::Set(std::initializer_list<std::string_view> label_values,
                      double value) {
  if (!ArityMatches(label_values)) return;
  series_.Get(label_values).value.store(value, std::memory_order_relaxed);
}

void GaugeFamily::Add(std::initializer_list<std::string_view> label_values,
                      double delta) {
  if (!ArityMatches(label_values)) return;
  series_.Get(label_values).value.fetch_add(delta, std::memory_order_relaxed);
}

void GaugeFamily::RenderSamples(std::string& out) const {
  for (const auto* entry : series_.SortedEntries()) {
    out += name();
    AppendLabels(out, entry->label_values);
    out += ' ';
    AppendSampleValue(out, entry->series.value.load(std::memory_order_relaxed));
    out += '\n';
  }
}

namespace {

std::vector<double> NormalizeBuckets(std::vector<double> buckets) {
  std::erase_if(buckets,
                [](double b) { return std::isnan(b) || b == INFINITY; });
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  return buckets;
}

}  // namespace

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)),
      buckets_(NormalizeBuckets(std::move(buckets))) {
  for (double bound : buckets_) {
    std::string label;
    AppendSampleValue(label, bound);
    bucket_labels_.push_back(std::move(label));
  }
  bucket_labels_.push_back("+Inf");
  if (this->label_names().empty()) series_.Get({}, buckets_.size());
}

void HistogramFamily::Observe(
    std::initializer_list<std::string_view> label_values, double value) {
  if (!ArityMatches(label_values) || std::isnan(value)) return;
  auto& series = series_.Get(label_values, buckets_.size());
  size_t index = std::lower_bound(buckets_.begin(), buckets_.end(), value) -
                 buckets_.begin();
  series.counts[index].fetch_add(1, std::memory_order_relaxed);
  series.sum.fetch_add(value, std::memory_order_relaxed);
}

void HistogramFamily::RenderSamples(std::string& out) const {
  for (const auto* entry : series_.SortedEntries()) {
    // Counts are stored per bucket and accumulated here, so _count always
    // equals the +Inf bucket even while observations race with the scrape.
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bucket_labels_.size(); ++i) {
      cumulative += entry->series.counts[i].load(std::memory_order_relaxed);
      out += name();
      out += "_bucket";
      AppendLabels(out, entry->label_values, &bucket_labels_[i]);
      out += ' ';
      AppendUnsigned(out, cumulative);
      out += '\n';
    }
    out += name();
    out += "_sum";
    AppendLabels(out, entry->label_values);
    out += ' ';
    AppendSampleValue(out, entry->series.sum.load(std::memory_order_relaxed));
    out += '\n';
    out += name();
    out += "_count";
    AppendLabels(out, entry->label_values);
    out += ' ';
    AppendUnsigned(out, cumulative);
    out += '\n';
  }
}

}  // namespace sandboxd

// The metric families of the Prometheus registry: counters, gauges and
// histograms, each a set of series keyed by label values. Created only by
// MetricsRegistry (lib/metrics/metrics_registry.h); updated by lib/core,
// server/ and lib/http on their hot paths.
#ifndef SANDBOXD_LIB_METRICS_METRIC_FAMILY_H_
#define SANDBOXD_LIB_METRICS_METRIC_FAMILY_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace sandboxd {
namespace metrics_internal {

// Encodes label values as one unambiguous key (length-prefixed) into a
// thread-local buffer, so looking up an existing series allocates nothing.
// The view is valid until the calling thread's next call.
std::string_view SeriesKey(std::initializer_list<std::string_view> values);

// The series of one family. Thread-safe: lookups of existing series take a
// shared lock; only the first update of a new label set takes it exclusively.
// Series are never removed, so returned pointers stay valid.
template <typename Series>
class SeriesMap {
 public:
  struct Entry {
    template <typename... Args>
    explicit Entry(std::vector<std::string> values, Args&&... args)
        : label_values(std::move(values)), series(args...) {}
    std::vector<std::string> label_values;
    Series series;
  };

  // Returns the series for `values`, creating it with `args` if needed.
  template <typename... Args>
  Series& Get(std::initializer_list<std::string_view> values,
              const Args&... args) {
    std::string_view key = SeriesKey(values);
    absl::string_view lookup(key.data(), key.size());
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = entries_.find(lookup);
      if (it != entries_.end()) return it->second->series;
    }
    absl::MutexLock lock(&mu_);
    auto& slot = entries_[lookup];
    if (slot == nullptr) {
      slot = std::make_unique<Entry>(
          std::vector<std::string>(values.begin(), values.end()), args...);
    }
    return slot->series;
  }

  // All entries, ordered by label values (so rendering is deterministic).
  std::vector<const Entry*> SortedEntries() const {
    std::vector<const Entry*> out;
    {
      absl::ReaderMutexLock lock(&mu_);
      out.reserve(entries_.size());
      for (const auto& [key, entry] : entries_) out.push_back(entry.get());
    }
    std::sort(out.begin(), out.end(), [](const Entry* a, const Entry* b) {
      return a->label_values < b->label_values;
    });
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_
      ABSL_GUARDED_BY(mu_);
};

struct ValueSeries {
  std::atomic<double> value{0};
};

struct HistogramSeries {
  // `buckets` finite upper bounds; one more slot counts values above them all.
  explicit HistogramSeries(size_t buckets)
      : counts(new std::atomic<uint64_t>[buckets + 1]()) {}
  std::unique_ptr<std::atomic<uint64_t>[]>
      counts;  // per bucket, not cumulative
  std::atomic<double> sum{0};
};

}  // namespace metrics_internal

// What every family shares: name, help, label names and the rendering of the
// HELP and TYPE lines. Immutable after construction; Render is thread-safe.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // "counter", "gauge" or "histogram".
  virtual std::string_view type() const = 0;
  // Appends the family in text exposition format 0.0.4.
  void Render(std::string& out) const;

 protected:
  MetricFamily(std::string name, std::string help,
               std::vector<std::string> label_names);
  virtual void RenderSamples(std::string& out) const = 0;
  // Appends `{a="x",b="y"}`; with `le` set, adds it as the last label. Appends
  // nothing when there are no labels at all.
  void AppendLabels(std::string& out, const std::vector<std::string>& values,
                    const std::string* le = nullptr) const;
  // An update whose label count differs from the family's is dropped: the
  // signature cannot report it, and a scrape must never fail because of it.
  bool ArityMatches(std::initializer_list<std::string_view> values) const {
    return values.size() == label_names_.size();
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

// A monotonically increasing count. Thread-safe.
class CounterFamily final : public MetricFamily {
 public:
  CounterFamily(std::string name, std::string help,
                std::vector<std::string> label_names);
  // Adds `delta` (negative or NaN deltas are ignored). Never blocks on I/O.
  void Increment(std::initializer_list<std::string_view> label_values,
                 double delta = 1);
  std::string_view type() const override { return "counter"; }

 private:
  void RenderSamples(std::string& out) const override;
  metrics_internal::SeriesMap<metrics_internal::ValueSeries> series_;
};

// A value that goes up and down. Thread-safe.
class GaugeFamily final : public MetricFamily {
 public:
  GaugeFamily(std::string name, std::string help,
              std::vector<std::string> label_names);
  void Set(std::initializer_list<std::string_view> label_values, double value);
  void Add(std::initializer_list<std::string_view> label_values, double delta);
  std::string_view type() const override { return "gauge"; }

 private:
  void RenderSamples(std::string& out) const override;
  metrics_internal::SeriesMap<metrics_internal::ValueSeries> series_;
};

// A distribution over fixed buckets (upper bounds, `le`). Thread-safe.
class HistogramFamily final : public MetricFamily {
 public:
  // `buckets` is sorted and deduplicated; +Inf and NaN bounds are dropped
  // (+Inf is always rendered).
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> buckets);
  // Counts `value` in the first bucket whose bound is >= value. NaN is ignored.
  void Observe(std::initializer_list<std::string_view> label_values,
               double value);
  std::string_view type() const override { return "histogram"; }
  const std::vector<double>& buckets() const { return buckets_; }

 private:
  void RenderSamples(std::string& out) const override;
  std::vector<double> buckets_;
  std::vector<std::string> bucket_labels_;  // `le` values, formatted once
  metrics_internal::SeriesMap<metrics_internal::HistogramSeries> series_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_METRICS_METRIC_FAMILY_H_

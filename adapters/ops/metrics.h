// Metrics: counters, gauges and histograms rendered in the Prometheus text exposition
// format, version 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Threads: everything here is thread-safe. The hot path (Counter::inc, Gauge::set/add,
// Histogram::observe) is lock-free, relaxed atomics only. Finding a series
// (Family::with) takes the family's mutex: look a series up once and keep the reference,
// which stays valid as long as the Registry lives (series are never removed).
//
// Errors: a bad metric or label name, a duplicate family, a wrong number of label values
// or bad histogram bounds is a programming error and throws std::invalid_argument at
// registration or lookup — never on the hot path, and never because of outside input.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stockroom::ops {

// A monotonically increasing count.
class Counter {
 public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets with fixed upper bounds (le = "less or equal"),
// plus their sum. A value above every bound (or NaN) counts only in the +Inf bucket.
class Histogram {
 public:
  // REQUIRES: `bounds` is strictly increasing, finite, and outlives the histogram
  // (the family owns it).
  explicit Histogram(std::span<const double> bounds);

  void observe(double value) noexcept;

  [[nodiscard]] std::span<const double> bounds() const noexcept { return bounds_; }
  // Per-bucket counts, not cumulative; the last one is the +Inf bucket.
  [[nodiscard]] std::vector<uint64_t> bucket_counts() const;
  [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// `count` bounds: start, start*factor, start*factor^2, ...
// REQUIRES: start > 0, factor > 1, count >= 1.
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor, int count);

namespace internal {

// What the Registry keeps of a family: its name, help and a way to render it.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  // Appends "# HELP", "# TYPE" and every series, series sorted by label values.
  virtual void render(std::string& out) const = 0;

  [[nodiscard]] const std::string& name() const { return name_; }

 protected:
  void render_header(std::string& out, std::string_view type) const;
  // `{a="x",b="y"}` (values escaped), plus `extra` (e.g. le="0.5") as the last label;
  // empty when there is nothing to put between the braces.
  [[nodiscard]] std::string label_text(const std::vector<std::string>& values,
                                       std::string_view extra = {}) const;
  // Throws std::invalid_argument unless there is one value per label name.
  void check_arity(size_t n) const;

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

}  // namespace internal

// All series of one metric name, one per combination of label values.
// Metric is Counter, Gauge or Histogram.
template <class Metric>
class Family final : public internal::FamilyBase {
 public:
  // The series for these label values (one per label name, in order), created on first
  // use. The reference stays valid for the Registry's lifetime.
  // Throws std::invalid_argument if the number of values differs from the label names.
  Metric& with(std::initializer_list<std::string_view> values = {});
  Metric& with(std::span<const std::string> values);

  void render(std::string& out) const override;

 private:
  friend class Registry;
  // `bounds` only matters for histograms.
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds);

  Metric& find_or_create(std::vector<std::string> values);

  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Metric> series_;  // sorted: stable render order
};

// Defined in metrics.cc for exactly these three metric types.
template <>
void Family<Counter>::render(std::string& out) const;
template <>
void Family<Gauge>::render(std::string& out) const;
template <>
void Family<Histogram>::render(std::string& out) const;
extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Owns every family. render() lists families in registration order.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not
  // start with "__"; a name can be registered once. Throws std::invalid_argument if not.
  CounterFamily& counter(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  // REQUIRES (throws otherwise): bounds strictly increasing and finite; no label "le".
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> label_names, std::vector<double> bounds);

  // A gauge whose value is `read()` at scrape time, on the scraping thread. `read` must
  // be thread-safe and must not call into this Registry.
  void gauge_fn(std::string name, std::string help, std::function<double()> read);
  // A counter whose value is `read()` at scrape time, for counts kept elsewhere (e.g.
  // by the engine or NATS.c); `read` must only ever go up. Same rules as gauge_fn.
  void counter_fn(std::string name, std::string help, std::function<uint64_t()> read);

  // The whole exposition, "\n"-terminated lines. Callbacks run without the registry lock.
  [[nodiscard]] std::string render() const;

 private:
  template <class F>
  F& add(std::unique_ptr<F> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<internal::FamilyBase>> families_;
};

// Sample values as Prometheus writes them: shortest round-trip decimal, "+Inf", "-Inf",
// "NaN".
[[nodiscard]] std::string format_sample_value(double v);

// Label value escaping: backslash, double quote and newline become \\, \" and \n.
[[nodiscard]] std::string escape_label_value(std::string_view v);

}  // namespace stockroom::ops

#include "adapters/ops/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace stockroom::ops {
namespace {

bool is_name_char(char c, bool first, bool allow_colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return allow_colon;
  return !first && c >= '0' && c <= '9';
}

bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0, allow_colon)) return false;
  }
  return true;
}

void check_metric_name(const std::string& name) {
  if (!is_valid_name(name, /*allow_colon=*/true)) {
    throw std::invalid_argument("invalid metric name: \"" + name + "\"");
  }
}

void check_label_names(const std::string& metric, const std::vector<std::string>& labels) {
  for (const auto& label : labels) {
    if (!is_valid_name(label, /*allow_colon=*/false) || label.starts_with("__")) {
      throw std::invalid_argument("metric " + metric + ": invalid label name \"" + label + "\"");
    }
  }
  auto sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    throw std::invalid_argument("metric " + metric + ": duplicate label name");
  }
}

void check_bounds(const std::string& metric, const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      throw std::invalid_argument("histogram " + metric +
                                  ": bounds must be finite and strictly increasing");
    }
  }
}

// HELP text escaping: only backslash and newline (the format's rule for docstrings).
std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A gauge read by a callback at scrape time; one series, no labels.
class GaugeFnFamily final : public internal::FamilyBase {
 public:
  GaugeFnFamily(std::string name, std::string help, std::function<double()> read)
      : FamilyBase(std::move(name), std::move(help), {}), read_(std::move(read)) {}

  void render(std::string& out) const override {
    render_header(out, "gauge");
    fmt::format_to(std::back_inserter(out), "{} {}\n", name_, format_sample_value(read_()));
  }

 private:
  std::function<double()> read_;
};

class CounterFnFamily final : public internal::FamilyBase {
 public:
  CounterFnFamily(std::string name, std::string help, std::function<uint64_t()> read)
      : FamilyBase(std::move(name), std::move(help), {}), read_(std::move(read)) {}

  void render(std::string& out) const override {
    render_header(out, "counter");
    fmt::format_to(std::back_inserter(out), "{} {}\n", name_, read_());
  }

 private:
  std::function<uint64_t()> read_;
};

}  // namespace

// ---- Histogram ----

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double value) noexcept {
  // First bound >= value; NaN compares false with everything and lands in +Inf, as in
  // the Go client.
  size_t i = std::isnan(value)
                 ? bounds_.size()
                 : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                       bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    throw std::invalid_argument("exponential_buckets: need start > 0, factor > 1, count >= 1");
  }
  std::vector<double> out;
  out.reserve(static_cast<size_t>(count));
  for (double b = start; count-- > 0; b *= factor) out.push_back(b);
  return out;
}

// ---- formatting ----

std::string format_sample_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---- FamilyBase ----

namespace internal {

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void FamilyBase::render_header(std::string& out, std::string_view type) const {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name_, escape_help(help_),
                 name_, type);
}

std::string FamilyBase::label_text(const std::vector<std::string>& values,
                                   std::string_view extra) const {
  if (values.empty() && extra.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{}=\"{}\"", label_names_[i],
                   escape_label_value(values[i]));
  }
  if (!extra.empty()) {
    if (!values.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

void FamilyBase::check_arity(size_t n) const {
  if (n != label_names_.size()) {
    throw std::invalid_argument(fmt::format("metric {}: {} label values for {} label names", name_,
                                            n, label_names_.size()));
  }
}

}  // namespace internal

// ---- Family ----

template <class Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {}

template <class Metric>
Metric& Family<Metric>::with(std::initializer_list<std::string_view> values) {
  check_arity(values.size());
  return find_or_create(std::vector<std::string>(values.begin(), values.end()));
}

template <class Metric>
Metric& Family<Metric>::with(std::span<const std::string> values) {
  check_arity(values.size());
  return find_or_create(std::vector<std::string>(values.begin(), values.end()));
}

template <class Metric>
Metric& Family<Metric>::find_or_create(std::vector<std::string> values) {
  std::lock_guard lock(mu_);
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return series_.try_emplace(std::move(values), std::span<const double>(bounds_)).first->second;
  } else {
    return series_.try_emplace(std::move(values)).first->second;
  }
}

template <>
void Family<Counter>::render(std::string& out) const {
  render_header(out, "counter");
  std::lock_guard lock(mu_);
  for (const auto& [values, counter] : series_) {
    fmt::format_to(std::back_inserter(out), "{}{} {}\n", name_, label_text(values),
                   counter.value());
  }
}

template <>
void Family<Gauge>::render(std::string& out) const {
  render_header(out, "gauge");
  std::lock_guard lock(mu_);
  for (const auto& [values, gauge] : series_) {
    fmt::format_to(std::back_inserter(out), "{}{} {}\n", name_, label_text(values),
                   format_sample_value(gauge.value()));
  }
}

template <>
void Family<Histogram>::render(std::string& out) const {
  render_header(out, "histogram");
  std::lock_guard lock(mu_);
  auto it = std::back_inserter(out);
  for (const auto& [values, histogram] : series_) {
    // _count is derived from the same bucket snapshot, so it always equals le="+Inf"
    // even while observe() runs concurrently.
    auto counts = histogram.bucket_counts();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      cumulative += counts[i];
      std::string le = i < bounds_.size() ? format_sample_value(bounds_[i]) : "+Inf";
      fmt::format_to(it, "{}_bucket{} {}\n", name_, label_text(values, "le=\"" + le + "\""),
                     cumulative);
    }
    std::string labels = label_text(values);
    fmt::format_to(it, "{}_sum{} {}\n", name_, labels, format_sample_value(histogram.sum()));
    fmt::format_to(it, "{}_count{} {}\n", name_, labels, cumulative);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Registry ----

template <class F>
F& Registry::add(std::unique_ptr<F> family) {
  std::lock_guard lock(mu_);
  for (const auto& existing : families_) {
    if (existing->name() == family->name()) {
      throw std::invalid_argument("metric " + family->name() + " registered twice");
    }
  }
  F& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  check_metric_name(name);
  check_label_names(name, label_names);
  return add(std::unique_ptr<CounterFamily>(
      new CounterFamily(std::move(name), std::move(help), std::move(label_names), {})));
}

GaugeFamily& Registry::gauge(std::string name, std::string help,
                             std::vector<std::string> label_names) {
  check_metric_name(name);
  check_label_names(name, label_names);
  return add(std::unique_ptr<GaugeFamily>(
      new GaugeFamily(std::move(name), std::move(help), std::move(label_names), {})));
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  check_metric_name(name);
  check_label_names(name, label_names);
  if (std::find(label_names.begin(), label_names.end(), "le") != label_names.end()) {
    throw std::invalid_argument("histogram " + name + ": label \"le\" is reserved");
  }
  check_bounds(name, bounds);
  return add(std::unique_ptr<HistogramFamily>(new HistogramFamily(
      std::move(name), std::move(help), std::move(label_names), std::move(bounds))));
}

void Registry::gauge_fn(std::string name, std::string help, std::function<double()> read) {
  check_metric_name(name);
  if (!read) throw std::invalid_argument("gauge_fn " + name + ": empty callback");
  add(std::make_unique<GaugeFnFamily>(std::move(name), std::move(help), std::move(read)));
}

void Registry::counter_fn(std::string name, std::string help, std::function<uint64_t()> read) {
  check_metric_name(name);
  if (!read) throw std::invalid_argument("counter_fn " + name + ": empty callback");
  add(std::make_unique<CounterFnFamily>(std::move(name), std::move(help), std::move(read)));
}

std::string Registry::render() const {
  // Families are never removed, so the pointers stay valid after the lock is released;
  // rendering outside it lets a gauge callback take its own locks freely.
  std::vector<const internal::FamilyBase*> families;
  {
    std::lock_guard lock(mu_);
    families.reserve(families_.size());
    for (const auto& f : families_) families.push_back(f.get());
  }
  std::string out;
  for (const auto* f : families) f->render(out);
  return out;
}

}  // namespace stockroom::ops

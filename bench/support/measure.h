// measure.h: what every benchmark of the suite records, and how it writes it down.
//
// A run is one workload against one system at one concurrency. It records how many
// operations completed in how long, the latency of each (from submit to durable
// reply), and the CPU it cost, and writes one JSON object per line to the file that
// scripts/bench collects (`--out FILE`). bench/report.cc reads those lines back.
//
// Latency is recorded per thread without locks and merged at the end; the percentiles
// are exact (a sort of every sample), not estimated.
#pragma once

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace stockroom::bench {

using BenchClock = std::chrono::steady_clock;

inline double micros_since(BenchClock::time_point t0) {
  return std::chrono::duration<double, std::micro>(BenchClock::now() - t0).count();
}

// Samples of latency in microseconds. One per thread; merge() them at the end.
class Latencies {
 public:
  void reserve(size_t n) { us_.reserve(n); }
  void add(double us) { us_.push_back(us); }
  void merge(const Latencies& other) { us_.insert(us_.end(), other.us_.begin(), other.us_.end()); }
  [[nodiscard]] size_t size() const { return us_.size(); }
  // q in [0, 1]; 0 when empty. Sorts on first use after a change.
  double quantile(double q) {
    if (us_.empty()) return 0;
    if (!sorted_) {
      std::sort(us_.begin(), us_.end());
      sorted_ = true;
    }
    const auto i = static_cast<size_t>(q * static_cast<double>(us_.size() - 1) + 0.5);
    return us_[std::min(i, us_.size() - 1)];
  }

 private:
  std::vector<double> us_;
  bool sorted_ = false;
};

// Thread-safe collector the per-thread Latencies are merged into.
class LatencyPool {
 public:
  void merge(const Latencies& mine) {
    std::lock_guard lock(mu_);
    all_.merge(mine);
  }
  Latencies& all() { return all_; }

 private:
  std::mutex mu_;
  Latencies all_;
};

// CPU seconds (user + system) of this process so far.
inline double cpu_seconds_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (user + system) of another process, from /proc/<pid>/stat; -1 if gone.
inline double cpu_seconds_of(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(f, line)) return -1;
  // The command name (field 2) may hold spaces: fields are counted after its ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Resident set (VmRSS) of a process in KiB, from /proc/<pid>/status; 0 if gone.
inline uint64_t rss_kib_of(pid_t pid, const char* field = "VmRSS:") {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::string(field).size()));
  }
  return 0;
}

// One measured run. `suite` groups runs in the report (engine, rocksdb_raw, postgres,
// nats, replay, memory); `workload` says what was done (receipts, store_mix,
// contention, ...); `system` what did it (engine, rocksdb_raw, postgres, serve, echo,
// ...).
struct RunRecord {
  std::string suite;
  std::string workload;
  std::string system;
  std::string durability;  // sync | batch | none | "" where it does not apply
  int concurrency = 1;
  uint64_t ops = 0;  // completed operations (commands, requests, events)
  std::string unit = "ops";
  double seconds = 0;  // wall time of the measured part
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double cpu_us_per_op = 0;             // CPU of the system under test (see `cpu_of`) per op
  std::string cpu_of;                   // whose CPU: "process", "serve", "postgres+client", ...
  std::map<std::string, double> extra;  // e.g. mean_group, refused, rss_kib
  std::string note;

  [[nodiscard]] double rate() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }

  void set_latencies(Latencies& l) {
    p50_us = l.quantile(0.50);
    p99_us = l.quantile(0.99);
    p999_us = l.quantile(0.999);
  }

  // A closed-loop run: one operation per latency sample, `cpu_seconds` spent on them.
  void set_closed_loop(Latencies& all, double elapsed, double cpu_seconds) {
    ops = all.size();
    seconds = elapsed;
    set_latencies(all);
    cpu_us_per_op = cpu_seconds * 1e6 / static_cast<double>(ops > 0 ? ops : 1);
  }
};

namespace detail {
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}
inline std::string json_number(double v) {
  if (!(v == v) || v > 1e300 || v < -1e300) return "null";  // NaN, inf
  return fmt::format("{:.6g}", v);
}
}  // namespace detail

inline std::string to_json(const RunRecord& r) {
  using detail::json_number;
  using detail::json_string;
  std::string extra = "{";
  for (const auto& [k, v] : r.extra) {
    if (extra.size() > 1) extra += ",";
    extra += json_string(k) + ":" + json_number(v);
  }
  extra += "}";
  return fmt::format(
      "{{\"suite\":{},\"workload\":{},\"system\":{},\"durability\":{},\"concurrency\":{},"
      "\"ops\":{},\"unit\":{},\"seconds\":{},\"ops_per_s\":{},\"p50_us\":{},\"p99_us\":{},"
      "\"p999_us\":{},\"cpu_us_per_op\":{},\"cpu_of\":{},\"extra\":{},\"note\":{}}}",
      json_string(r.suite), json_string(r.workload), json_string(r.system),
      json_string(r.durability), r.concurrency, r.ops, json_string(r.unit), json_number(r.seconds),
      json_number(r.rate()), json_number(r.p50_us), json_number(r.p99_us), json_number(r.p999_us),
      json_number(r.cpu_us_per_op), json_string(r.cpu_of), extra, json_string(r.note));
}

// Appends the record to `path` as one line (when path is not empty) and prints a short
// line on stderr so a long run shows progress.
inline void emit(const RunRecord& r, const std::string& path) {
  fmt::print(stderr,
             "  {:<12} {:<12} {:<14} {:<5} c={:<3} {:>12.0f} {}/s  p50 {:.0f} us  p99 {:.0f} us  "
             "cpu {:.1f} us/op\n",
             r.suite, r.workload, r.system, r.durability, r.concurrency, r.rate(), r.unit, r.p50_us,
             r.p99_us, r.cpu_us_per_op);
  if (path.empty()) return;
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    fmt::print(stderr, "cannot append to {}\n", path);
    return;
  }
  const std::string line = to_json(r) + "\n";
  std::fwrite(line.data(), 1, line.size(), f);
  std::fclose(f);
}

}  // namespace stockroom::bench

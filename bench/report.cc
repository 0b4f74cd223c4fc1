// report: turns the suite's JSON lines into bench-results.json, a markdown table and
// gnuplot inputs (scripts/bench runs it last).
//
// Every ratio is computed from runs of the same invocation; a ratio whose runs are
// missing is null with the reason in ratio_details. The targets are goals (issues 5 and 11),
// reported, never asserted; issue 12's cluster figures have none (meets_target null).
//
//   report --runs FILE.jsonl --json OUT.json [--plots DIR] [--mode quick|full]
//          [--commit SHA]
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Run {
  std::string suite, workload, system, durability, unit, cpu_of, note;
  int concurrency = 0;
  double ops = 0, seconds = 0, rate = 0, p50 = 0, p99 = 0, p999 = 0, cpu = 0;
  rapidjson::Value json;  // the line as read (owned by the report's document allocator)
  [[nodiscard]] double extra(const char* key) const {
    if (!json.HasMember("extra") || !json["extra"].HasMember(key)) return NAN;
    const auto& v = json["extra"][key];
    return v.IsNumber() ? v.GetDouble() : NAN;
  }
};

double number(const rapidjson::Value& o, const char* k) {
  if (!o.HasMember(k) || !o[k].IsNumber()) return 0;
  return o[k].GetDouble();
}
std::string text(const rapidjson::Value& o, const char* k) {
  if (!o.HasMember(k) || !o[k].IsString()) return "";
  return o[k].GetString();
}

struct Ratio {
  const char* name;
  const char* definition;
  const char* target;                 // e.g. ">= 0.5"
  std::function<bool(double)> meets;  // empty: no target, the figure is only reported
  std::optional<double> value;
  std::string from;  // which runs, or why missing
};

class Report {
 public:
  explicit Report(const std::string& runs_path) {
    doc_.SetObject();
    std::ifstream in(runs_path);
    if (!in) throw std::runtime_error("cannot read " + runs_path);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.empty()) continue;
      rapidjson::Document d(&doc_.GetAllocator());
      d.Parse(line.c_str());
      if (d.HasParseError() || !d.IsObject()) {
        throw std::runtime_error(fmt::format("{}:{}: not a JSON object", runs_path, line_no));
      }
      Run r;
      r.suite = text(d, "suite");
      r.workload = text(d, "workload");
      r.system = text(d, "system");
      r.durability = text(d, "durability");
      r.unit = text(d, "unit");
      r.cpu_of = text(d, "cpu_of");
      r.note = text(d, "note");
      r.concurrency = static_cast<int>(number(d, "concurrency"));
      r.ops = number(d, "ops");
      r.seconds = number(d, "seconds");
      r.rate = number(d, "ops_per_s");
      r.p50 = number(d, "p50_us");
      r.p99 = number(d, "p99_us");
      r.p999 = number(d, "p999_us");
      r.cpu = number(d, "cpu_us_per_op");
      r.json.CopyFrom(d, doc_.GetAllocator());
      runs_.push_back(std::move(r));
    }
  }

  const Run* find(const std::string& suite, const std::string& workload, const std::string& system,
                  const std::string& durability = "*", int concurrency = -1) const {
    const Run* best = nullptr;
    for (const Run& r : runs_) {
      if (r.suite != suite || r.workload != workload || r.system != system) continue;
      if (durability != "*" && r.durability != durability) continue;
      if (concurrency >= 0 && r.concurrency != concurrency) continue;
      // Without a concurrency asked for: the highest one run.
      if (best == nullptr || r.concurrency > best->concurrency) best = &r;
    }
    return best;
  }
  int max_concurrency(const std::string& suite) const {
    int c = -1;
    for (const Run& r : runs_) {
      if (r.suite == suite) c = std::max(c, r.concurrency);
    }
    return c;
  }

  std::vector<Ratio> ratios() const {
    std::vector<Ratio> out;
    auto desc = [](const Run* r) {
      return fmt::format("{}/{}/{}/{}/c={}", r->suite, r->workload, r->system, r->durability,
                         r->concurrency);
    };
    auto ratio = [&](Ratio base, const Run* a, const Run* b, double av, double bv) {
      if (a == nullptr || b == nullptr || bv <= 0) {
        base.from = "not measured in this run";
      } else {
        base.value = av / bv;
        base.from = desc(a) + " over " + desc(b);
      }
      out.push_back(std::move(base));
    };
    const int c = max_concurrency("engine");
    const Run* engine = find("engine", "receipts", "engine", "sync", c);
    const Run* raw = find("rocksdb_raw", "receipts", "rocksdb_raw", "sync", c);
    ratio({"engine_sync_vs_rocksdb_raw",
           "engine stock receipts, sync, most submitters: commands/s over raw RocksDB sync "
           "WriteBatches of the engine's mean group size, commands/s",
           ">= 0.8", [](double v) { return v >= 0.8; }},
          engine, raw, engine ? engine->rate : 0, raw ? raw->rate : 0);
    const Run* pg = find("postgres", "receipts", "postgres", "*", c);
    ratio({"engine_sync_vs_postgres",
           "engine stock receipts, sync, most submitters: commands/s over the PostgreSQL event "
           "store, same workload and concurrency, synchronous_commit=on",
           ">= 20", [](double v) { return v >= 20; }},
          engine, pg, engine ? engine->rate : 0, pg ? pg->rate : 0);
    const Run* serve = find("nats", "receipts", "serve");
    const Run* echo = find("nats", "receipts", "echo");
    ratio({"nats_vs_echo_rate",
           "stock receipts over NATS, pipelined clients: serve requests/s over a trivial NATS.c "
           "echo service's",
           ">= 0.5", [](double v) { return v >= 0.5; }},
          serve, echo, serve ? serve->rate : 0, echo ? echo->rate : 0);
    ratio({"nats_vs_echo_p99", "the same runs: serve p99 latency over the echo's p99", "<= 2",
           [](double v) { return v <= 2; }},
          serve, echo, serve ? serve->p99 : 0, echo ? echo->p99 : 0);
    {
      Ratio cost{"serve_cpu_us_per_command",
                 "the same serve run: serve's own CPU (user + system, from /proc) per command, "
                 "in microseconds (not a ratio: a cost)",
                 "<= 20", [](double v) { return v <= 20; }};
      if (serve == nullptr || serve->cpu <= 0) {
        cost.from = "not measured in this run";
      } else {
        cost.value = serve->cpu;
        cost.from = desc(serve) + " (" + serve->cpu_of + ")";
      }
      out.push_back(std::move(cost));
    }
    const Run* replay = find("replay", "store_mix_log", "replay");
    const Run* scan = find("replay", "store_mix_log", "rocksdb_scan");
    ratio({"replay_vs_scan",
           "replay of the log (Engine::events_from: read, decode, hash) events/s over a raw "
           "RocksDB forward scan of the same `log` family",
           ">= 0.8", [](double v) { return v >= 0.8; }},
          replay, scan, replay ? replay->rate : 0, scan ? scan->rate : 0);
    const Run* rebuild = find("replay", "store_mix_log", "rebuild_all");
    ratio({"rebuild_vs_scan",
           "a rebuild of all four views (one pass over the log, views written in chunks) in "
           "log events/s over the raw scan of the same `log` family",
           ">= 0.5", [](double v) { return v >= 0.5; }},
          rebuild, scan, rebuild ? rebuild->rate : 0, scan ? scan->rate : 0);
    const Run* nominal = find("overload", "receipts_nominal", "serve");
    const Run* over = find("overload", "receipts_overload", "serve");
    ratio({"overload_accepted_p99_vs_nominal",
           "stock receipts over NATS offered open-loop at twice the rate serve answers at "
           "nominal load (the compare load, closed loop): p99 of the accepted replies over the "
           "nominal run's p99, same serve process",
           "<= 3", [](double v) { return v <= 3; }},
          over, nominal, over ? over->p99 : 0, nominal ? nominal->p99 : 0);
    const Run* small = nullptr;
    const Run* large = nullptr;
    for (const Run& r : runs_) {
      if (r.suite != "memory") continue;
      if (small == nullptr || r.ops < small->ops) small = &r;
      if (large == nullptr || r.ops > large->ops) large = &r;
    }
    ratio({"rss_growth_1m_to_5m",
           "resident set of one serve process after the larger event count over after the "
           "smaller (1M and 5M in a full run)",
           "<= 1.1", [](double v) { return v <= 1.1; }},
          large, small == large ? nullptr : small, large ? large->extra("rss_kib") : 0,
          small ? small->extra("rss_kib") : 0);
    out.push_back(cold_load(desc));
    cluster(out);
    return out;
  }

  // Issue 12 (bench/cluster_bench.cc): what a cluster costs and what failover looks like
  // to a client. No targets.
  void cluster(std::vector<Ratio>& out) const {
    constexpr const char* kNone = "none (not asserted)";
    auto rate = [](const Run* r) {
      return fmt::format("{} {:.0f} requests/s (p99 {:.1f} ms)", r->system, r->rate, r->p99 / 1000);
    };
    auto per_cpu = [](const Run* r) {
      return fmt::format(
          "{} {:.0f} commands per serve CPU-second ({:.1f} µs/command, {} engine(s))", r->system,
          1e6 / r->cpu, r->cpu, r->extra("engines"));
    };
    const Run* single = find("cluster", "receipts", "single");
    const Run* p1 = find("cluster", "receipts", "cluster_p1");
    const Run* p4 = find("cluster", "receipts", "cluster_p4");
    Ratio q{"cluster_vs_single_rate",
            "stock receipts over NATS, the same closed-loop load on keyed subjects (10,000 "
            "products): requests/s of one `serve --cluster` owning the only partition of a "
            "3-node JetStream cluster (every group appended to the R3 stream before RocksDB) "
            "over one single-node `serve` on one nats-server. Below 1: what replication costs. "
            "Every process (three nats-servers, the engine, the load) shares this machine's "
            "cores",
            kNone,
            {}};
    if (single != nullptr && p1 != nullptr && single->rate > 0) {
      q.value = p1->rate / single->rate;
      q.from = rate(p1) + " over " + rate(single);
    } else {
      q.from = "not measured in this run";
    }
    out.push_back(std::move(q));
    Ratio e{"partition_scaling_efficiency",
            "the same load: commands per CPU-second of all serve processes (user + system from "
            "/proc, summed) with 4 partitions on 2 engines over 1 partition on 1 engine. 1: "
            "partitioning costs no CPU per command; below 1: the extra work (two engines, hot "
            "standbys following each other's partitions, more and smaller groups)",
            kNone,
            {}};
    if (p1 != nullptr && p4 != nullptr && p1->cpu > 0 && p4->cpu > 0) {
      e.value = p1->cpu / p4->cpu;
      e.from = per_cpu(p4) + " over " + per_cpu(p1);
    } else {
      e.from = "not measured in this run";
    }
    out.push_back(std::move(e));
    const Run* f = find("cluster", "failover", "cluster_p4");
    Ratio s{"failover_seconds",
            "kill -9 of the engine owning partition 0 (4 partitions, 2 engines) under clients "
            "that resend an unanswered command with the same id after 1 s: the longest gap, in "
            "seconds, between two successive answered commands of any client (not a ratio: a "
            "time). `from` also says when it began and the longest gap spanning the kill",
            kNone,
            {}};
    if (f != nullptr && !std::isnan(f->extra("longest_gap_s"))) {
      s.value = f->extra("longest_gap_s");
      s.from = f->note;
    } else {
      s.from = "not measured in this run";
    }
    out.push_back(std::move(s));
    checkout_ratios(out);
  }

  // Checkouts across partitions (issue 13): the saga's cost beside the one-append path.
  void checkout_ratios(std::vector<Ratio>& out) const {
    constexpr const char* kNone = "none (not asserted)";
    const Run* local = find("cluster", "checkouts", "cluster_p4_local");
    const Run* cross = find("cluster", "checkouts", "cluster_p4_cross");
    Ratio v{"cross_partition_checkout_vs_local",
            "checkouts/s of carts whose 3 lines live in 3 other partitions (a saga: 3 holds, "
            "order.place, 3 confirms, the cart's start and end) over checkouts/s of carts whose "
            "3 lines, order and cart live in one partition (one atomic append); the same "
            "4-partition cluster on 2 engines, the same clients, one checkout in flight each",
            kNone,
            {}};
    Ratio p{"cross_partition_checkout_p99_ms",
            "p99 latency in ms of those checkouts across partitions (not a ratio: a time)",
            kNone,
            {}};
    if (local != nullptr && cross != nullptr && local->rate > 0) {
      v.value = cross->rate / local->rate;
      v.from = fmt::format("{:.0f} checkouts/s over {:.0f} checkouts/s", cross->rate, local->rate);
      p.value = cross->p99 / 1000;
      p.from = fmt::format("cross p99 {:.1f} ms, local p99 {:.1f} ms", cross->p99 / 1000,
                           local->p99 / 1000);
    } else {
      v.from = p.from = "not measured in this run";
    }
    out.push_back(std::move(v));
    out.push_back(std::move(p));
  }

  // Not a ratio but a time: the first command on a product with a 1M-event stream (100k
  // in a quick run) whose state is not cached, with snapshots (bench/cold_load_bench.cc).
  template <class Describe>
  Ratio cold_load(const Describe& desc) const {
    Ratio q{"cold_load_1m_stream_ms",
            "the first command on a product whose stream holds 1M events (100k quick), state "
            "not cached: median ms, loaded from its snapshot and the snapshot_every - 1 events "
            "after it",
            "<= 5", [](double v) { return v <= 5; }};
    const Run* snapshots = find("cold_load", "product_stream", "engine_snapshots");
    const Run* whole = find("cold_load", "product_stream", "engine_full_fold");
    if (snapshots == nullptr) {
      q.from = "not measured in this run";
      return q;
    }
    q.value = snapshots->p50 / 1000;
    q.from = fmt::format("{} ({:.0f} events; the whole stream folded: {})", desc(snapshots),
                         snapshots->extra("stream_events"),
                         whole ? fmt::format("{:.1f} ms", whole->p50 / 1000) : "not measured");
    return q;
  }

  void write_json(const std::string& path, const std::string& mode, const std::string& commit) {
    auto& al = doc_.GetAllocator();
    rapidjson::Value root(rapidjson::kObjectType);
    auto str = [&](const std::string& s) { return rapidjson::Value(s.c_str(), al); };
    root.AddMember("mode", str(mode), al);
    root.AddMember("commit", str(commit), al);
    root.AddMember("generated", str(now()), al);
    rapidjson::Value machine(rapidjson::kObjectType);
    for (const auto& [k, v] : machine_info()) machine.AddMember(str(k), str(v), al);
    root.AddMember("machine", machine, al);
    rapidjson::Value runs(rapidjson::kArrayType);
    for (Run& r : runs_) runs.PushBack(rapidjson::Value(r.json, al), al);
    root.AddMember("runs", runs, al);
    rapidjson::Value ratios(rapidjson::kObjectType);
    rapidjson::Value details(rapidjson::kObjectType);
    for (const Ratio& q : this->ratios()) {
      rapidjson::Value v;
      if (q.value && std::isfinite(*q.value)) {
        v.SetDouble(std::round(*q.value * 10000) / 10000);
      }
      ratios.AddMember(str(q.name), v, al);
      rapidjson::Value d(rapidjson::kObjectType);
      d.AddMember("definition", str(q.definition), al);
      d.AddMember("target", str(q.target), al);
      d.AddMember("from", str(q.from), al);
      rapidjson::Value meets;
      if (q.value && q.meets) meets.SetBool(q.meets(*q.value));
      d.AddMember("meets_target", meets, al);
      details.AddMember(str(q.name), d, al);
    }
    root.AddMember("ratios", ratios, al);
    root.AddMember("ratio_details", details, al);
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetMaxDecimalPlaces(3);
    root.Accept(w);
    std::ofstream out(path);
    out << buf.GetString() << "\n";
    if (!out) throw std::runtime_error("cannot write " + path);
  }

  void print_markdown(const std::string& mode) const {
    fmt::print("## Stockroom benchmarks ({} run, {})\n\n", mode, now());
    for (const auto& [k, v] : machine_info()) fmt::print("- {}: {}\n", k, v);
    fmt::print(
        "\n| suite | workload | system | durability | conc. | ops/s | p50 µs | p99 µs | p99.9 µs "
        "| CPU µs/op | notes |\n");
    fmt::print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (const Run& r : runs_) {
      std::string notes;
      if (!std::isnan(r.extra("mean_group"))) {
        notes += fmt::format("mean group {:.1f}; ", r.extra("mean_group"));
      }
      if (!std::isnan(r.extra("group"))) notes += fmt::format("batch {:.0f}; ", r.extra("group"));
      if (!std::isnan(r.extra("rss_kib"))) {
        notes += fmt::format("RSS {:.1f} MiB; ", r.extra("rss_kib") / 1024);
      }
      if (r.suite == "memory") notes += fmt::format("after {:.0f} events; ", r.ops);
      notes += r.note;
      fmt::print("| {} | {} | {} | {} | {} | {:.0f} {}/s | {} | {} | {} | {:.1f} {} | {} |\n",
                 r.suite, r.workload, r.system, r.durability.empty() ? "-" : r.durability,
                 r.concurrency, r.rate, r.unit, latency(r.p50), latency(r.p99), latency(r.p999),
                 r.cpu, r.cpu_of.empty() ? "" : "(" + r.cpu_of + ")", notes);
    }
    fmt::print("\n| ratio | value | target | meets | from |\n|---|---:|---|---|---|\n");
    for (const Ratio& q : ratios()) {
      fmt::print("| `{}` | {} | {} | {} | {} |\n", q.name,
                 q.value ? fmt::format("{:.3f}", *q.value) : "n/a", q.target,
                 q.value && q.meets ? (q.meets(*q.value) ? "yes" : "**no**") : "-", q.from);
    }
  }

  // Data files and a gnuplot script; scripts/bench runs `gnuplot plots.gp` in DIR.
  void write_plots(const std::string& dir) const {
    std::filesystem::create_directories(dir);
    // Throughput vs concurrency, sync: one column per system.
    std::vector<int> conc;
    for (const Run& r : runs_) {
      if (r.suite == "engine" && std::find(conc.begin(), conc.end(), r.concurrency) == conc.end())
        conc.push_back(r.concurrency);
    }
    std::sort(conc.begin(), conc.end());
    auto rate_or_nan = [&](const Run* r) { return r ? fmt::format("{:.1f}", r->rate) : "NaN"; };
    {
      std::ofstream f(dir + "/throughput.dat");
      f << "# concurrency engine_receipts rocksdb_raw postgres_receipts engine_store_mix "
           "postgres_store_mix engine_contention\n";
      for (int c : conc) {
        f << c << " " << rate_or_nan(find("engine", "receipts", "engine", "sync", c)) << " "
          << rate_or_nan(find("rocksdb_raw", "receipts", "rocksdb_raw", "sync", c)) << " "
          << rate_or_nan(find("postgres", "receipts", "postgres", "*", c)) << " "
          << rate_or_nan(find("engine", "store_mix", "engine", "sync", c)) << " "
          << rate_or_nan(find("postgres", "store_mix", "postgres", "*", c)) << " "
          << rate_or_nan(find("engine", "contention", "engine", "sync", c)) << "\n";
      }
    }
    {
      std::ofstream f(dir + "/nats_latency.dat");
      f << "# percentile serve_us echo_us\n";
      const Run* serve = find("nats", "receipts", "serve");
      const Run* echo = find("nats", "receipts", "echo");
      auto v = [](const Run* r, double Run::*m) {
        return r ? fmt::format("{:.0f}", r->*m) : "NaN";
      };
      f << "p50 " << v(serve, &Run::p50) << " " << v(echo, &Run::p50) << "\n";
      f << "p99 " << v(serve, &Run::p99) << " " << v(echo, &Run::p99) << "\n";
      f << "p99.9 " << v(serve, &Run::p999) << " " << v(echo, &Run::p999) << "\n";
    }
    std::ofstream gp(dir + "/plots.gp");
    gp << R"GP(set terminal svg size 800,560 font "sans,12" background rgb "white"
set output "throughput.svg"
set title "Commands/s vs concurrent submitters (durability sync)"
set xlabel "concurrent submitters"
set ylabel "commands/s"
set logscale x 2
set logscale y 10
set key below
set grid
plot "throughput.dat" using 1:2 with linespoints lw 2 title "engine: stock receipts", \
     "" using 1:3 with linespoints lw 2 dt 2 title "raw RocksDB WriteBatch (engine's group size)", \
     "" using 1:4 with linespoints lw 2 title "PostgreSQL event store: stock receipts", \
     "" using 1:5 with linespoints lw 2 title "engine: store mix", \
     "" using 1:6 with linespoints lw 2 title "PostgreSQL event store: store mix", \
     "" using 1:7 with linespoints lw 2 dt 3 title "engine: contention (10 products)"
set output "nats_latency.svg"
unset logscale x
set title "Latency over NATS: serve vs a trivial echo service (same clients)"
set xlabel "percentile"
set ylabel "microseconds"
set logscale y 10
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
plot "nats_latency.dat" using 2:xtic(1) title "stockroom serve (sync)", \
     "" using 3 title "echo"
)GP";
  }

 private:
  static std::string latency(double us) {
    if (us <= 0) return "-";
    if (us >= 10'000) return fmt::format("{:.1f} ms", us / 1000);
    return fmt::format("{:.0f}", us);
  }
  static std::string now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
  }
  static std::vector<std::pair<std::string, std::string>> machine_info() {
    std::vector<std::pair<std::string, std::string>> m;
    std::string model, mem;
    std::ifstream cpu("/proc/cpuinfo");
    for (std::string line; std::getline(cpu, line);) {
      if (line.rfind("model name", 0) == 0) {
        model = line.substr(line.find(':') + 2);
        break;
      }
    }
    std::ifstream meminfo("/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);) {
      if (line.rfind("MemTotal:", 0) == 0) {
        std::istringstream in(line.substr(9));
        double kib = 0;
        in >> kib;
        mem = fmt::format("{:.1f} GiB", kib / 1024 / 1024);
      }
    }
    utsname u{};
    uname(&u);
    m.emplace_back("cpu", model.empty() ? "unknown" : model);
    m.emplace_back("cores", std::to_string(std::thread::hardware_concurrency()));
    m.emplace_back("memory", mem);
    m.emplace_back("kernel", std::string(u.sysname) + " " + u.release);
    return m;
  }

  rapidjson::Document doc_;
  std::vector<Run> runs_;
};

}  // namespace

int main(int argc, char** argv) try {
  std::string runs, json, plots, mode = "full", commit;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--runs")
      runs = v;
    else if (k == "--json")
      json = v;
    else if (k == "--plots")
      plots = v;
    else if (k == "--mode")
      mode = v;
    else if (k == "--commit")
      commit = v;
    else
      throw std::runtime_error("unknown option " + k);
  }
  if (runs.empty() || json.empty()) throw std::runtime_error("usage: report --runs F --json F");
  Report r(runs);
  r.write_json(json, mode, commit);
  if (!plots.empty()) r.write_plots(plots);
  r.print_markdown(mode);
  return 0;
} catch (const std::exception& ex) {
  fmt::print(stderr, "report: {}\n", ex.what());
  return 1;
}

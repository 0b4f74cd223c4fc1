// cold_load_bench: the first command on a product whose stream is very long, with its
// state not in the cache — with snapshots and without, in the same run
// (`cold_load_1m_stream_ms`, docs/benchmarks.md).
//
// Fills a data directory (durability none, no read models: only the stream matters)
// with one product whose stream holds --events + snapshot_every - 1 events: its last
// snapshot is then snapshot_every - 1 events behind, the most a load ever folds after
// one. Then, --rounds times for each way, it opens the engine (state cache cold, block
// cache cold, the files in the OS page cache), times one command that must load the
// product's state — a DefineProduct of the product, refused (ALREADY_EXISTS) after
// reading the state, so it writes nothing and every round sees the same stream — then
// times the same command again with the state cached, and closes:
//   engine_snapshots   snapshot_every N: the snapshot and the events after it;
//   engine_full_fold   snapshot_every 0: every event of the stream.
// The figure is the median cold command, in microseconds (p50_us), also in ms in
// extra.cold_ms; extra.warm_us is the same command with the state cached, so the
// difference is the load. `ops` is the events the load reads.
//
//   build/bench/cold_load_bench [--events N] [--every N] [--rounds R] [--data DIR]
//                               [--out FILE]
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/support/args.h"
#include "bench/support/measure.h"
#include "engine/engine.h"

namespace {

using namespace stockroom;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsage =
    "usage: cold_load_bench [--events N] [--every N] [--rounds R] [--data DIR] [--out FILE]\n"
    "  --events N  the product's stream: N + every - 1 events (default 1000000)\n"
    "  --every N   snapshot_every of the run with snapshots (default: the engine's)\n"
    "  --rounds R  cold loads per way, the median is reported (default 5)\n"
    "  --data DIR  use and keep this data directory; one already filled is reused\n"
    "  --out FILE  append one JSON line per way to FILE (for scripts/bench)\n";

const Sku kSku("BESTSELLER");

struct Args {
  uint64_t events = 1'000'000;
  uint64_t every = engine::EngineOptions{}.snapshot_every;
  int rounds = 5;
  std::string data;
  std::string out;
};

const bench::Usage kArgs{"cold_load_bench", kUsage};

[[noreturn]] void usage_error(const std::string& message) { bench::usage_error(kArgs, message); }

uint64_t parse_count(std::string_view option, std::string_view text) {
  return bench::parse_count(kArgs, option, text);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view k = argv[i];
    if (k == "--help" || k == "-h") {
      std::fputs(std::string(kUsage).c_str(), stdout);
      std::exit(0);
    }
    if (k != "--events" && k != "--every" && k != "--rounds" && k != "--data" && k != "--out") {
      usage_error(fmt::format("unknown option '{}'", k));
    }
    if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", k));
    const std::string_view v = argv[++i];
    if (k == "--events") a.events = parse_count(k, v);
    if (k == "--every") a.every = parse_count(k, v);
    if (k == "--rounds") a.rounds = static_cast<int>(parse_count(k, v));
    if (k == "--data") a.data = std::string(v);
    if (k == "--out") a.out = std::string(v);
  }
  return a;
}

engine::EngineOptions options(const std::string& dir, uint64_t every) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  o.projections = {};  // the state is measured, not the read models
  o.snapshot_every = every;
  o.expiry_interval = Duration{3600LL * 1'000'000};
  return o;
}

std::unique_ptr<engine::Engine> open_engine(const std::string& dir, uint64_t every) {
  auto e = engine::Engine::open(options(dir, every));
  if (!e) throw std::runtime_error("opening the engine: " + e.error().message);
  return std::move(*e);
}

CommandEnvelope staff_command(std::string id, Command command) {
  return CommandEnvelope{CommandId(std::move(id)), Actor{ActorId("bench"), Role::kStaff},
                         std::nullopt, std::move(command)};
}

// Appends stock receipts until the product's stream holds `length` events, a window of
// submissions at a time so that the writer's groups stay full.
void fill(const std::string& dir, uint64_t every, uint64_t length) {
  auto e = open_engine(dir, every);
  auto history = e->history("product-" + kSku.str(), StreamVersion{length}, 1);
  if (history && !history->empty()) {
    fmt::print(stderr, "fill: {} already holds the stream\n", dir);
    return;
  }
  const auto start = Clock::now();
  auto defined = e->execute(
      staff_command("define", DefineProduct{kSku, "Best seller", Money{1000, Currency("EUR")}}));
  if (!defined) throw std::runtime_error("define: " + defined.error().message);
  constexpr uint64_t kWindow = 8192;
  for (uint64_t next = 2; next <= length;) {
    std::vector<std::future<Result<engine::CommandResult>>> waiting;
    for (; next <= length && waiting.size() < kWindow; ++next) {
      waiting.push_back(e->submit(
          staff_command(fmt::format("receive-{}", next), ReceiveStock{kSku, Quantity{1}, ""})));
    }
    for (auto& f : waiting) {
      auto r = f.get();
      if (!r) throw std::runtime_error("receive: " + r.error().message);
    }
  }
  fmt::print(stderr, "fill: {} events in {:.1f} s\n", length,
             std::chrono::duration<double>(Clock::now() - start).count());
}

// One command that loads the product's state and is refused: it writes nothing.
double refused_command_us(engine::Engine& e, int round, int attempt) {
  const auto start = bench::BenchClock::now();
  auto r = e.execute(staff_command(fmt::format("probe-{}-{}", round, attempt),
                                   DefineProduct{kSku, "Again", Money{1, Currency("EUR")}}));
  const double us = bench::micros_since(start);
  if (r || r.error().code != ErrorCode::kAlreadyExists) {
    throw std::runtime_error("the probe was not refused with ALREADY_EXISTS");
  }
  return us;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bench::RunRecord measure(const Args& a, const std::string& dir, uint64_t every, uint64_t length) {
  std::vector<double> cold;
  std::vector<double> warm;
  uint64_t loads = 0;
  for (int round = 0; round < a.rounds; ++round) {
    auto e = open_engine(dir, every);
    cold.push_back(refused_command_us(*e, round, 0));
    for (int i = 1; i <= 20; ++i) warm.push_back(refused_command_us(*e, round, i));
    loads += e->stats().snapshot_loads;
  }
  if ((every > 0) != (loads == static_cast<uint64_t>(a.rounds))) {
    throw std::runtime_error(fmt::format("{} snapshot loads in {} rounds", loads, a.rounds));
  }
  bench::RunRecord r;
  r.suite = "cold_load";
  r.workload = "product_stream";
  r.system = every > 0 ? "engine_snapshots" : "engine_full_fold";
  r.durability = "none";
  r.unit = "events";
  r.ops = every > 0 ? length % every + 1 : length;  // read by the load: the tail and its anchor
  r.p50_us = median(cold);
  r.p99_us = *std::max_element(cold.begin(), cold.end());
  r.p999_us = r.p99_us;
  r.seconds = r.p50_us / 1e6;
  r.extra["cold_ms"] = r.p50_us / 1000;
  r.extra["warm_us"] = median(warm);
  r.extra["stream_events"] = static_cast<double>(length);
  r.extra["snapshot_every"] = static_cast<double>(every);
  r.extra["rounds"] = a.rounds;
  r.note = every > 0 ? fmt::format("snapshot + {} events after it", length % every)
                     : "the whole stream folded";
  return r;
}

int run(const Args& a) {
  std::string dir = a.data;
  const bool temporary = dir.empty();
  if (temporary) {
    dir = (std::filesystem::temp_directory_path() / "stockroom-bench-cold-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  }
  const uint64_t length = a.events + a.every - 1;
  fill(dir, a.every, length);
  for (const uint64_t every : {a.every, uint64_t{0}})
    bench::emit(measure(a, dir, every, length), a.out);
  if (temporary) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    return run(a);
  } catch (const std::exception& ex) {
    fmt::print(stderr, "cold_load_bench: {}\n", ex.what());
    return 1;
  }
}

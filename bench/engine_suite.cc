// engine_suite: the engine in-process, beside raw RocksDB, for scripts/bench.
//
// For every workload x durability x concurrency asked for, opens a fresh engine in a
// temporary directory, sets the workload up (untimed), and lets `concurrency`
// submitter threads each run it in a closed loop (one command in flight per thread,
// Engine::execute: from submit to the durable result) for `--seconds`:
//   receipts    ReceiveStock of 1 unit, spread over 10,000 products;
//   store_mix   bench/support/store_workload.h over 1,000 products: carts, 1-5 items,
//               checkout, authorize, capture, ship, deliver, ratings, returns ... one
//               StoreWorkload per thread (own customers and ids, shared catalogue);
//   contention  the same mix over 10 products: every checkout hits the same 10.
// After each `receipts` run in durability sync it writes, in the same invocation, raw
// RocksDB WriteBatches of the engine's observed mean group size with sync=true: the
// physical limit of the same disk for that group size (see raw_rocksdb below).
//
// Prints one line per run on stderr; appends JSON lines (bench/support/measure.h) to
// --out.
//
//   engine_suite [--seconds S] [--concurrency 1,8,64] [--durability sync,batch,none]
//                [--workloads receipts,store_mix,contention] [--out FILE]
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/measure.h"
#include "bench/support/store_workload.h"
#include "engine/engine.h"

namespace {

using namespace stockroom;
using bench::BenchClock;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct Args {
  double seconds = 5;
  std::vector<int> concurrency{1, 8, 64};
  std::vector<std::string> durability{"sync", "batch", "none"};
  std::vector<std::string> workloads{"receipts", "store_mix", "contention"};
  std::string out;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--seconds") {
      a.seconds = std::stod(v);
    } else if (k == "--concurrency") {
      a.concurrency.clear();
      for (const auto& c : split(v)) a.concurrency.push_back(std::stoi(c));
    } else if (k == "--durability") {
      a.durability = split(v);
    } else if (k == "--workloads") {
      a.workloads = split(v);
    } else if (k == "--out") {
      a.out = v;
    } else {
      throw std::runtime_error("unknown option " + k);
    }
  }
  return a;
}

events::Durability durability_of(const std::string& name) {
  if (name == "sync") return events::Durability::kSync;
  if (name == "batch") return events::Durability::kBatch;
  if (name == "none") return events::Durability::kNone;
  throw std::runtime_error("unknown durability " + name);
}

// A fresh directory under the temp dir, removed when this goes out of scope.
class TempDir {
 public:
  explicit TempDir(const char* tag)
      : path_(std::filesystem::temp_directory_path() /
              fmt::format("stockroom-suite-{}-{}-{}", tag, getpid(),
                          BenchClock::now().time_since_epoch().count())) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

Actor staff() { return Actor{ActorId("bench"), Role::kStaff}; }

// Runs `body(thread_index, stop, latencies)` on `threads` threads for `seconds`; the
// measured window ends when every thread has seen the stop flag and returned.
template <class Body>
double run_threads(int threads, double seconds, bench::LatencyPool& pool, Body body) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool_threads;
  const auto start = BenchClock::now();
  for (int t = 0; t < threads; ++t) {
    pool_threads.emplace_back([&, t] {
      bench::Latencies mine;
      mine.reserve(1 << 16);
      body(t, stop, mine);
      pool.merge(mine);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool_threads) t.join();
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

// Accepted commands per group commit: the commands whose writes share one batch (a
// refused command writes nothing). The raw RocksDB run writes batches of this size.
double mean_group(const engine::EngineStats& before, const engine::EngineStats& after) {
  return static_cast<double>(after.commands_accepted - before.commands_accepted) /
         static_cast<double>(std::max<uint64_t>(1, after.groups - before.groups));
}

struct EngineFigures {
  bench::RunRecord record;
  double mean_group = 0;
};

// The receipts workload's setup: 10,000 products defined (pipelined).
void define_products(engine::Engine& e) {
  std::vector<std::future<Result<engine::CommandResult>>> defs;
  defs.reserve(10'000);
  for (int i = 0; i < 10'000; ++i) {
    defs.push_back(e.submit(CommandEnvelope{
        CommandId(fmt::format("def-{}", i)), staff(), std::nullopt,
        DefineProduct{Sku(fmt::format("sku-{}", i)), "P", Money{100, Currency("EUR")}}}));
  }
  for (auto& d : defs) {
    if (auto r = d.get(); !r) throw std::runtime_error("define failed: " + r.error().message);
  }
}

// Stock receipts over the 10,000 products.
EngineFigures run_receipts(engine::Engine& e, int concurrency, double seconds) {
  std::atomic<uint64_t> refused{0};
  bench::LatencyPool pool;
  const auto before = e.stats();
  const double cpu0 = bench::cpu_seconds_self();
  const double elapsed = run_threads(concurrency, seconds, pool, [&](int s, auto& stop, auto& lat) {
    for (int64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
      const auto t0 = BenchClock::now();
      auto r = e.execute(CommandEnvelope{
          CommandId(fmt::format("r{}-{}", s, n)), staff(), std::nullopt,
          ReceiveStock{Sku(fmt::format("sku-{}", (n * 7919 + s) % 10000)), Quantity{1}, ""}});
      lat.add(bench::micros_since(t0));
      if (!r) refused.fetch_add(1);
    }
  });
  const double cpu = bench::cpu_seconds_self() - cpu0;
  const auto after = e.stats();
  EngineFigures f;
  f.record.set_closed_loop(pool.all(), elapsed, cpu);
  f.mean_group = mean_group(before, after);
  f.record.extra["refused"] = static_cast<double>(refused.load());
  f.record.extra["syncs"] = static_cast<double>(after.syncs - before.syncs);
  return f;
}

bench::StoreMixOptions mix_options(int thread, int concurrency, int products) {
  bench::StoreMixOptions o;
  o.seed = 42 + static_cast<uint64_t>(thread);
  o.products = products;
  o.prefix = fmt::format("s{}", thread);
  o.read_totals = concurrency > 1;  // the others reprice the shared catalogue
  return o;
}

// The mixes' setup: the catalogue and its first stock. The returned workload is only
// good for share_catalogue() once `e` is closed.
std::unique_ptr<bench::StoreWorkload> set_up_mix(engine::Engine& e, int products) {
  bench::StoreMixOptions o = mix_options(0, 1, products);
  o.prefix = "setup";  // its ids must not repeat the shoppers' (s0, s1, ...)
  auto catalogue = std::make_unique<bench::StoreWorkload>(e, o);
  if (auto s = catalogue->setup(); !s) {
    throw std::runtime_error("store mix setup failed: " + s.error().message);
  }
  return catalogue;
}

// The store mix (products=1000) or the contention mix (products=10), one
// StoreWorkload per thread over the catalogue set up before.
EngineFigures run_mix(engine::Engine& e, int concurrency, double seconds, int products,
                      const bench::StoreWorkload& catalogue) {
  std::vector<std::unique_ptr<bench::StoreWorkload>> shops;
  for (int t = 0; t < concurrency; ++t) {
    shops.push_back(
        std::make_unique<bench::StoreWorkload>(e, mix_options(t, concurrency, products)));
    shops.back()->share_catalogue(catalogue);
  }
  bench::LatencyPool pool;
  const auto before = e.stats();
  std::vector<uint64_t> refused_before;
  for (const auto& s : shops) refused_before.push_back(s->stats().refused);
  const double cpu0 = bench::cpu_seconds_self();
  const double elapsed = run_threads(concurrency, seconds, pool, [&](int t, auto& stop, auto& lat) {
    auto& shop = *shops[static_cast<size_t>(t)];
    shop.record_latencies(&lat);
    while (!stop.load(std::memory_order_relaxed)) shop.step();
    shop.record_latencies(nullptr);
  });
  const double cpu = bench::cpu_seconds_self() - cpu0;
  const auto after = e.stats();
  EngineFigures f;
  f.record.set_closed_loop(pool.all(), elapsed, cpu);
  f.mean_group = mean_group(before, after);
  uint64_t unexpected = 0, expected = 0, orders = 0;
  std::string last_refusal;
  for (size_t t = 0; t < shops.size(); ++t) {
    unexpected += shops[t]->stats().refused - refused_before[t];
    expected += shops[t]->stats().expected_refusals;
    orders += shops[t]->stats().orders_placed;
    if (!shops[t]->stats().last_refusal.empty()) last_refusal = shops[t]->stats().last_refusal;
  }
  f.record.extra["refused_by_rules"] =
      static_cast<double>(after.commands_refused - before.commands_refused);
  f.record.extra["refused_unexpected"] = static_cast<double>(unexpected);
  f.record.extra["orders_placed"] = static_cast<double>(orders);
  f.record.extra["events"] = static_cast<double>(after.events - before.events);
  f.record.extra["syncs"] = static_cast<double>(after.syncs - before.syncs);
  if (unexpected > 0) {
    f.record.note = "refusals the mix does not provoke, e.g. " + last_refusal;
  }
  return f;
}

// What the engine writes per accepted receipt, as raw puts: the event record, its
// chain hash, the stream index, the time index, the command (idempotency) record and
// the stock view (docs/storage.md) — 6 keys, about 450 bytes of values. The per-group
// head and projection checkpoints are left out (they favour the raw run).
constexpr size_t kValueSizes[] = {130, 32, 8, 0, 100, 180};

// Raw RocksDB, one thread, batches of `group` commands' worth of puts, sync=true, for
// `seconds`. ops = commands' worth; latency per batch write.
bench::RunRecord raw_rocksdb(int group, double seconds) {
  TempDir dir("raw");
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (auto s = rocksdb::DB::Open(o, dir.str(), &raw); !s.ok()) {
    throw std::runtime_error("raw open: " + s.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions w;
  w.sync = true;
  const std::string value(256, 'v');
  uint64_t key_n = 0, commands = 0;
  bench::Latencies lat;
  const double cpu0 = bench::cpu_seconds_self();
  const auto start = BenchClock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  rocksdb::WriteBatch b;
  while (BenchClock::now() < end) {
    b.Clear();
    for (int i = 0; i < group; ++i) {
      for (const size_t size : kValueSizes) {
        char key[8];
        std::memcpy(key, &key_n, 8);
        ++key_n;
        (void)b.Put(rocksdb::Slice(key, 8), rocksdb::Slice(value.data(), size));
      }
    }
    const auto t0 = BenchClock::now();
    if (auto s = db->Write(w, &b); !s.ok()) throw std::runtime_error("raw write: " + s.ToString());
    lat.add(bench::micros_since(t0));
    commands += static_cast<uint64_t>(group);
  }
  bench::RunRecord r;
  r.seconds = std::chrono::duration<double>(BenchClock::now() - start).count();
  r.ops = commands;
  r.set_latencies(lat);
  r.cpu_us_per_op = (bench::cpu_seconds_self() - cpu0) * 1e6 / static_cast<double>(commands);
  return r;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  for (const std::string& workload : a.workloads) {
    for (const std::string& durability : a.durability) {
      for (const int c : a.concurrency) {
        if (workload != "receipts" && workload != "store_mix" && workload != "contention") {
          throw std::runtime_error("unknown workload " + workload);
        }
        const int products = workload == "store_mix" ? 1000 : 10;
        TempDir dir("engine");
        engine::EngineOptions o;
        o.data_dir = dir.str();
        // The setup (untimed) runs unsynced, then the engine reopens in the mode measured.
        o.durability = events::Durability::kNone;
        std::unique_ptr<bench::StoreWorkload> catalogue;
        {
          auto setup = engine::Engine::open(o);
          if (!setup) throw std::runtime_error("engine open: " + setup.error().message);
          if (workload == "receipts") {
            define_products(**setup);
          } else {
            catalogue = set_up_mix(**setup, products);
          }
        }
        o.durability = durability_of(durability);
        auto opened = engine::Engine::open(o);
        if (!opened) throw std::runtime_error("engine open: " + opened.error().message);
        engine::Engine& e = **opened;
        EngineFigures f = workload == "receipts" ? run_receipts(e, c, a.seconds)
                                                 : run_mix(e, c, a.seconds, products, *catalogue);
        opened->reset();  // close before the raw run shares the disk
        f.record.suite = "engine";
        f.record.workload = workload;
        f.record.system = "engine";
        f.record.durability = durability;
        f.record.concurrency = c;
        f.record.unit = "commands";
        f.record.cpu_of = "process";
        f.record.extra["mean_group"] = f.mean_group;
        bench::emit(f.record, a.out);
        if (workload == "receipts" && durability == "sync") {
          const int group = std::max(1, static_cast<int>(f.mean_group + 0.5));
          bench::RunRecord raw = raw_rocksdb(group, std::max(1.0, a.seconds / 2));
          raw.suite = "rocksdb_raw";
          raw.workload = "receipts";
          raw.system = "rocksdb_raw";
          raw.durability = "sync";
          raw.concurrency = c;  // the engine run whose group size it mirrors
          raw.unit = "commands";
          raw.cpu_of = "process";
          raw.extra["group"] = group;
          raw.note =
              fmt::format("one writer, WriteBatch of {} commands x 6 puts, sync=true", group);
          bench::emit(raw, a.out);
        }
      }
    }
  }
  return 0;
} catch (const std::exception& ex) {
  fmt::print(stderr, "engine_suite: {}\n", ex.what());
  return 1;
}

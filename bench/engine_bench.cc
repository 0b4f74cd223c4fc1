// engine_bench: the in-process durable command rate, beside the physical limit.
//
// Runs stock receipts spread over 10,000 products through the engine with N
// concurrent submitters (each keeps `depth` commands in flight), in the durability
// mode given, then in the same run writes RocksDB WriteBatches of the engine's
// observed mean group size with sync=true (the raw limit of the same disk).
//
//   build/bench/engine_bench [--seconds S] [--submitters N] [--depth D] [--durability
//   sync|batch|none]
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace {

using namespace stockroom;
using Clock = std::chrono::steady_clock;

struct Args {
  double seconds = 5;
  int submitters = 8;
  int depth = 8;
  events::Durability durability = events::Durability::kSync;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--seconds") a.seconds = std::stod(v);
    if (k == "--submitters") a.submitters = std::stoi(v);
    if (k == "--depth") a.depth = std::stoi(v);
    if (k == "--durability") {
      a.durability = v == "none"    ? events::Durability::kNone
                     : v == "batch" ? events::Durability::kBatch
                                    : events::Durability::kSync;
    }
  }
  return a;
}

std::string temp_dir(const char* tag) {
  auto p = std::filesystem::temp_directory_path() /
           fmt::format("stockroom-bench-{}-{}", tag, Clock::now().time_since_epoch().count());
  std::filesystem::create_directories(p);
  return p.string();
}

CommandEnvelope receipt(int submitter, int64_t n) {
  return CommandEnvelope{
      CommandId(fmt::format("b{}-{}", submitter, n)), Actor{ActorId("bench"), Role::kStaff},
      std::nullopt,
      ReceiveStock{Sku(fmt::format("sku-{}", (n * 7919 + submitter) % 10000)), Quantity{1}, ""}};
}

struct EngineRun {
  double rate = 0, mean_group = 0, p50_us = 0, p99_us = 0;
  uint64_t commands = 0;
};

EngineRun run_engine(const Args& a) {
  const std::string dir = temp_dir("engine");
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = a.durability;
  auto e = engine::Engine::open(o);
  if (!e) throw std::runtime_error(e.error().message);
  std::vector<std::future<Result<engine::CommandResult>>> defs;
  for (int i = 0; i < 10000; ++i) {
    defs.push_back((*e)->submit(CommandEnvelope{
        CommandId(fmt::format("def-{}", i)), Actor{ActorId("bench"), Role::kStaff}, std::nullopt,
        DefineProduct{Sku(fmt::format("sku-{}", i)), "P", Money{100, Currency("EUR")}}}));
  }
  for (auto& d : defs) (void)d.get();
  const auto before = (*e)->stats();
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int s = 0; s < a.submitters; ++s) {
    threads.emplace_back([&, s] {
      std::vector<double> mine;
      int64_t n = 0;
      while (!stop.load()) {
        std::vector<std::pair<Clock::time_point, std::future<Result<engine::CommandResult>>>>
            inflight;
        for (int d = 0; d < a.depth; ++d)
          inflight.emplace_back(Clock::now(), (*e)->submit(receipt(s, n++)));
        for (auto& [t0, f] : inflight) {
          (void)f.get();
          mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const auto after = (*e)->stats();
  e->reset();
  std::filesystem::remove_all(dir);
  std::sort(latencies.begin(), latencies.end());
  EngineRun r;
  r.commands = after.commands_accepted - before.commands_accepted;
  r.rate = static_cast<double>(r.commands) / elapsed;
  r.mean_group = static_cast<double>(r.commands) /
                 static_cast<double>(std::max<uint64_t>(1, after.groups - before.groups));
  r.p50_us = latencies[latencies.size() / 2];
  r.p99_us = latencies[latencies.size() * 99 / 100];
  return r;
}

// Raw RocksDB: batches of `group` puts of `value_size` bytes each, sync=true.
double run_raw(double seconds, int group, size_t value_size) {
  const std::string dir = temp_dir("raw");
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(o, dir, &raw).ok()) throw std::runtime_error("raw open failed");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions w;
  w.sync = true;
  const std::string value(value_size, 'v');
  uint64_t n = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    rocksdb::WriteBatch b;
    for (int i = 0; i < group; ++i, ++n) {
      char key[8];
      std::memcpy(key, &n, 8);
      (void)b.Put(rocksdb::Slice(key, 8), value);
    }
    if (!db->Write(w, &b).ok()) throw std::runtime_error("raw write failed");
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  db.reset();
  std::filesystem::remove_all(dir);
  return static_cast<double>(n) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const EngineRun e = run_engine(a);
  const int group = std::max(1, static_cast<int>(e.mean_group + 0.5));
  // ~5 keys and ~250 bytes per recorded receipt: event, chain, stream and time index, command
  // record.
  const double raw = run_raw(a.seconds, group * 5, 50);
  fmt::print(
      "| run | durability | submitters x depth | commands/s | mean group | p50 us | p99 us |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  fmt::print(
      "| engine: stock receipts, 10k products | {} | {} x {} | {:.0f} | {:.1f} | {:.0f} | {:.0f} "
      "|\n",
      events::durability_name(a.durability), a.submitters, a.depth, e.rate, e.mean_group, e.p50_us,
      e.p99_us);
  fmt::print(
      "| raw RocksDB WriteBatch of {} x 50 B puts, sync | sync | 1 | {:.0f} (batches of {} "
      "commands' keys) | {} | | |\n",
      group * 5, raw / 5, group, group);
  fmt::print("engine/raw ratio: {:.2f}\n", e.rate / (raw / 5));
  return 0;
}

// rebuild_bench: replaying and rebuilding the event log, beside a raw RocksDB scan of
// the same data in the same run.
//
// Fills a data directory with a store mix (bench/support/store_workload.h) until the
// log holds N events (durability none), closes the engine, and then, on that
// directory:
//   raw scan          rocksdb::DB::OpenForReadOnly with every column family, one
//                     iterator over the `log` family from first to last key, summing
//                     key and value sizes (the physical limit of reading the log);
//   replay            Engine::events_from(position, chunk) until the head: reading
//                     `log` and `chain` and decoding every record into a RecordedEvent;
//   rebuild all       Engine::rebuild(""): every view replays the whole log;
//   rebuild <view>    Engine::rebuild(name) for each standard view;
//   stockroom replay  with --stockroom PATH: the analysts' command itself, `PATH replay
//                     --data DIR` writing JSON lines (and then CSV) to /dev/null, timed
//                     from outside with its CPU time and peak resident set (wait4).
// Every measured opening of the engine uses durability none (a rebuild's batches are
// not fsynced), so the figures are read, decode and apply costs. Before measuring,
// the engine is opened and closed once more: its recovery moves what the fill left in
// the WAL into table files, so every run reads the same files. The files are in the
// OS page cache (just written or read), and the raw scan and the replay each follow
// one untimed pass of their own (the raw scan gets the engine's 32 MiB block cache
// setup): these are warm figures; a log larger than the block cache is read from the
// page cache and decompressed again on every pass.
//
// With --out FILE it also appends one JSON line per run (bench/support/measure.h) for
// scripts/bench: latencies there are per 1,000 events read (a chunk), CPU per event.
//
//   build/bench/rebuild_bench [--events N] [--data DIR] [--keep] [--chunk N] [--out FILE]
//                             [--stockroom PATH]
#include <fcntl.h>
#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "bench/support/args.h"
#include "bench/support/measure.h"
#include "bench/support/store_workload.h"
#include "engine/engine.h"

namespace {

using namespace stockroom;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsage =
    "usage: rebuild_bench [--events N] [--data DIR] [--keep] [--chunk N]\n"
    "  --events N  log events to fill up to (default 200000)\n"
    "  --data DIR  use this data directory and keep it; a log already holding N events\n"
    "              is not filled again\n"
    "  --keep      keep the temporary data directory\n"
    "  --chunk N   events per events_from call in the replay (default 1000)\n"
    "  --out FILE  append one JSON line per run to FILE (for scripts/bench)\n"
    "  --fill-threads N  store mixes filling at once (default 8)\n"
    "  --all-only  rebuild all views in one pass only, not each view alone too\n"
    "  --stockroom PATH  also time `PATH replay` (JSON lines, then CSV) to /dev/null\n";

struct Args {
  uint64_t events = 200'000;
  std::string data;  // empty: a temporary directory
  bool keep = false;
  size_t chunk = 1000;
  std::string out;
  int fill_threads = 8;
  bool single = true;     // also rebuild each view alone
  std::string stockroom;  // the binary whose `replay` is timed; empty: not timed
};

const bench::Usage kArgs{"rebuild_bench", kUsage};

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
    if (k == "--keep") {
      a.keep = true;
      continue;
    }
    if (k == "--all-only") {
      a.single = false;
      continue;
    }
    if (k != "--events" && k != "--data" && k != "--chunk" && k != "--out" &&
        k != "--fill-threads" && k != "--stockroom") {
      usage_error(fmt::format("unknown option '{}'", k));
    }
    if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", k));
    const std::string_view v = argv[++i];
    if (k == "--events") a.events = parse_count(k, v);
    if (k == "--chunk") a.chunk = static_cast<size_t>(parse_count(k, v));
    if (k == "--out") a.out = std::string(v);
    if (k == "--stockroom") a.stockroom = std::string(v);
    if (k == "--fill-threads") a.fill_threads = static_cast<int>(parse_count(k, v));
    if (k == "--data") {
      if (v.empty()) usage_error("--data needs a directory");
      a.data = std::string(v);
    }
  }
  return a;
}

std::string make_temp_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "stockroom-bench-rebuild-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

engine::EngineOptions engine_options(const std::string& dir) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  // Nothing may expire while the directory is measured, however old it is: orders left
  // awaiting payment (a declined card) would otherwise be expired on a later opening,
  // appending events between the runs.
  o.reservation_ttl = Duration{10LL * 365 * 24 * 3600 * 1'000'000};
  o.expiry_interval = Duration{3600LL * 1'000'000};
  return o;
}

std::unique_ptr<engine::Engine> open_engine(const std::string& dir) {
  auto e = engine::Engine::open(engine_options(dir));
  if (!e) throw std::runtime_error("opening the engine: " + e.error().message);
  return std::move(*e);
}

// --- fill ---------------------------------------------------------------------------

// Fills with `threads` store mixes at once (own customers and ids, a shared
// catalogue), as concurrent shoppers would: one mix alone leaves the writer waiting.
void fill(const std::string& dir, uint64_t target, int threads) {
  auto e = open_engine(dir);
  const uint64_t before = e->head().position.value;
  if (before >= target) {
    fmt::print("fill: skipped, {} already holds {} events\n", dir, before);
    return;
  }
  std::vector<std::unique_ptr<bench::StoreWorkload>> shops;
  for (int t = 0; t < threads; ++t) {
    bench::StoreMixOptions mix;
    mix.seed = 42 + static_cast<uint64_t>(t);
    // Continuing a log filled before: fresh ids, or every command would be a duplicate.
    mix.prefix = before > 0 ? fmt::format("r{}t{}", before, t) : fmt::format("m{}", t);
    mix.read_totals = threads > 1;  // the others reprice the shared catalogue
    shops.push_back(std::make_unique<bench::StoreWorkload>(*e, mix));
  }
  const auto start = Clock::now();
  if (auto s = shops.front()->setup(); !s) throw std::runtime_error("setup: " + s.error().message);
  for (size_t t = 1; t < shops.size(); ++t) shops[t]->share_catalogue(*shops.front());
  std::atomic<bool> stalled{false};
  std::vector<std::thread> workers;
  for (auto& shop : shops) {
    workers.emplace_back([&e, &stalled, target, shop = shop.get()] {
      for (int idle = 0; !stalled && e->head().position.value < target;) {
        const uint64_t head = e->head().position.value;
        shop->step();
        idle = e->head().position.value == head ? idle + 1 : 0;
        if (idle == 1000) stalled = true;
      }
    });
  }
  for (auto& w : workers) w.join();
  if (stalled) {
    throw std::runtime_error("the fill stopped growing the log; last refusal: " +
                             shops.front()->stats().last_refusal);
  }
  const double seconds = seconds_since(start);
  const uint64_t added = e->head().position.value - before;
  bench::StoreMixStats st;
  for (const auto& shop : shops) {
    const bench::StoreMixStats& s = shop->stats();
    st.rounds += s.rounds;
    st.commands += s.commands;
    st.expected_refusals += s.expected_refusals;
    st.refused += s.refused;
    st.orders_placed += s.orders_placed;
    st.orders_delivered += s.orders_delivered;
    st.cancelled += s.cancelled;
    st.ratings += s.ratings;
    st.returns += s.returns;
    st.reprices += s.reprices;
    st.restocks += s.restocks;
    if (!s.last_refusal.empty()) st.last_refusal = s.last_refusal;
  }
  fmt::print(
      "fill: {} events in {:.2f} s ({:.0f} events/s, durability none, {} mixes at once): {} "
      "rounds, {} commands ({} refused as expected, {} otherwise), {} orders placed, {} "
      "delivered, {} cancelled, {} ratings, {} returns, {} reprices, {} restocks\n",
      added, seconds, static_cast<double>(added) / seconds, threads, st.rounds, st.commands,
      st.expected_refusals, st.refused, st.orders_placed, st.orders_delivered, st.cancelled,
      st.ratings, st.returns, st.reprices, st.restocks);
  if (st.refused > 0) fmt::print("fill: last refusal: {}\n", st.last_refusal);
}

// --- raw scan -----------------------------------------------------------------------

struct RawScan {
  uint64_t events = 0;
  uint64_t bytes = 0;  // keys and values
  uint64_t head = 0;   // as the `head` key in `default` has it
  double seconds = 0;
  double cpu_seconds = 0;
  bench::Latencies per_chunk;  // microseconds per 1,000 keys
};

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(fmt::format("raw RocksDB, {}: {}", what, s.ToString()));
}

// One pass of an iterator over `log`, from the first key to the last.
void scan_log(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* log, RawScan& r) {
  r.events = 0;
  r.bytes = 0;
  r.per_chunk = bench::Latencies();
  const double cpu0 = bench::cpu_seconds_self();
  const auto start = Clock::now();
  auto chunk_start = start;
  // As the engine's range reads: a scan does not fill the block cache (inserting and
  // evicting every block costs more than it saves on a single pass).
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options, log));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++r.events;
    r.bytes += it->key().size() + it->value().size();
    if (r.events % 1000 == 0) {
      r.per_chunk.add(bench::micros_since(chunk_start));
      chunk_start = Clock::now();
    }
  }
  check(it->status(), "scanning log");
  r.seconds = seconds_since(start);
  r.cpu_seconds = bench::cpu_seconds_self() - cpu0;
}

RawScan raw_scan(const std::string& dir) {
  rocksdb::DBOptions db_options;
  db_options.max_open_files = -1;  // as the log's read-only opening
  std::vector<std::string> names;
  check(rocksdb::DB::ListColumnFamilies(db_options, dir, &names), "listing column families");
  // The block cache the engine gives its store (docs/storage.md, "Tuning"), so that both
  // read through the same amount of cache.
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(size_t{32} << 20);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::ColumnFamilyOptions family_options;
  family_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, family_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  check(rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &raw), "opening");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* log = nullptr;
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    if (h->GetName() == "log") log = h;
  }
  RawScan r;
  std::string head;
  check(db->Get(rocksdb::ReadOptions(), db->DefaultColumnFamily(), "head", &head), "reading head");
  for (size_t i = 0; i < 8 && i < head.size(); ++i) {
    r.head = (r.head << 8) | static_cast<uint8_t>(head[i]);
  }
  if (log == nullptr) throw std::runtime_error("no `log` column family in " + dir);

  scan_log(*db, log, r);  // warm-up, as the replay has one
  scan_log(*db, log, r);
  for (rocksdb::ColumnFamilyHandle* h : handles) check(db->DestroyColumnFamilyHandle(h), "closing");
  check(db->Close(), "closing");
  return r;
}

// --- replay and rebuild --------------------------------------------------------------

struct Replay {
  uint64_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  bench::Latencies per_chunk;  // microseconds per events_from call
};

Replay replay(const engine::Engine& e, size_t chunk) {
  const uint64_t head = e.head().position.value;
  Replay r;
  uint64_t checksum = 0;  // uses what was decoded
  const double cpu0 = bench::cpu_seconds_self();
  const auto start = Clock::now();
  for (Position next{1}; next.value <= head;) {
    const auto t0 = Clock::now();
    auto batch = e.events_from(next, chunk);
    r.per_chunk.add(bench::micros_since(t0));
    if (!batch) throw std::runtime_error("events_from: " + batch.error().message);
    if (batch->empty()) break;
    for (const engine::LoggedEvent& le : *batch) {
      checksum += le.event.stream.size() + le.event.data.index() + le.hash[0];
    }
    r.events += batch->size();
    next = Position{batch->back().event.position.value + 1};
  }
  r.seconds = seconds_since(start);
  r.cpu_seconds = bench::cpu_seconds_self() - cpu0;
  if (checksum == 0) fmt::print("(empty replay)\n");
  return r;
}

struct Rebuild {
  std::string name;  // empty: all views
  uint64_t applications = 0;
  double seconds = 0;
  double cpu_seconds = 0;
};

Rebuild rebuild(engine::Engine& e, const std::string& name) {
  const double cpu0 = bench::cpu_seconds_self();
  const auto start = Clock::now();
  auto report = e.rebuild(name);
  const double seconds = seconds_since(start);
  const double cpu = bench::cpu_seconds_self() - cpu0;
  if (!report) {
    throw std::runtime_error(fmt::format("rebuild '{}': {}", name, report.error().message));
  }
  return Rebuild{name, report->events, seconds, cpu};
}

// --- the stockroom replay command ----------------------------------------------------

struct Command {
  std::string name;
  double seconds = 0;
  double cpu_seconds = 0;  // user + system of the child
  long max_rss_kib = 0;
};

// The peak resident set of a running process (VmHWM), 0 once it is gone. Read from
// outside because a child's ru_maxrss also counts the parent's pages it was forked with.
long peak_rss_kib(pid_t pid) {
  std::FILE* f = std::fopen(fmt::format("/proc/{}/status", pid).c_str(), "r");
  if (f == nullptr) return 0;
  long kib = 0;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

// Runs `argv` with stdout on /dev/null and waits for it, sampling its peak resident set
// every 10 ms (the high-water mark only grows); throws unless it exits 0.
Command time_command(const std::string& name, std::vector<std::string> argv) {
  std::vector<char*> args;
  for (std::string& s : argv) args.push_back(s.data());
  args.push_back(nullptr);
  const std::filesystem::path program = std::filesystem::canonical(argv[0]);
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null < 0 || ::dup2(null, STDOUT_FILENO) < 0) ::_exit(127);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  Command c{name, 0, 0, 0};
  int status = 0;
  rusage usage{};
  for (;;) {
    const pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (done < 0) throw std::runtime_error("wait4 failed");
    // Only after exec: before it the child's pages are the forked parent's.
    std::error_code ec;
    if (std::filesystem::read_symlink(fmt::format("/proc/{}/exe", pid), ec) == program) {
      c.max_rss_kib = std::max(c.max_rss_kib, peak_rss_kib(pid));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  c.seconds = seconds_since(start);
  c.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(fmt::format("{} failed (status {})", argv[0], status));
  }
  return c;
}

// `stockroom replay` in both formats, each after an untimed pass of its own.
std::vector<Command> replay_commands(const std::string& stockroom, const std::string& dir) {
  std::vector<Command> out;
  for (const char* format : {"json", "csv"}) {
    const std::vector<std::string> argv = {stockroom, "replay", "--data", dir, "--format", format};
    (void)time_command(format, argv);
    out.push_back(time_command(format, argv));
  }
  return out;
}

// --- output --------------------------------------------------------------------------

double per_second(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

// Removes a temporary data directory on every way out, unless asked to keep it.
struct DirGuard {
  std::string dir;
  bool remove = false;
  ~DirGuard() {
    std::error_code ignored;
    if (remove) std::filesystem::remove_all(dir, ignored);
  }
};

int run(const Args& a) {
  const bool temporary = a.data.empty();
  const std::string dir = temporary ? make_temp_dir() : a.data;
  if (!temporary) std::filesystem::create_directories(dir);
  const DirGuard guard{dir, temporary && !a.keep};
  fmt::print("data: {}{}\n", dir, temporary && !a.keep ? " (removed at the end)" : "");

  fill(dir, a.events, a.fill_threads);
  // Settle: an opening recovers the WAL into table files; then every run reads them.
  open_engine(dir).reset();

  RawScan raw = raw_scan(dir);

  auto e = open_engine(dir);
  const uint64_t head = e->head().position.value;
  (void)replay(*e, a.chunk);  // warm-up, as the raw scan has one
  Replay rep = replay(*e, a.chunk);
  std::vector<Rebuild> rebuilds;
  rebuilds.push_back(rebuild(*e, ""));
  if (a.single) {
    for (const auto& p : e->options().projections)
      rebuilds.push_back(rebuild(*e, std::string(p->name())));
  }
  const bool moved = e->head().position.value != head;
  e.reset();
  const std::vector<Command> commands =
      a.stockroom.empty() ? std::vector<Command>{} : replay_commands(a.stockroom, dir);

  int status = 0;
  if (raw.events != head || raw.head != head || rep.events != head || moved) {
    fmt::print(stderr,
               "rebuild_bench: counts disagree: raw scan {} keys, stored head {}, engine head {}, "
               "replay {} events{}\n",
               raw.events, raw.head, head, rep.events, moved ? ", the head moved" : "");
    status = 1;
  }

  const double raw_rate = per_second(raw.events, raw.seconds);
  auto row = [&](const std::string& run_name, uint64_t events, double seconds) {
    const double rate = per_second(events, seconds);
    fmt::print("| {} | {} | {:.3f} | {:.0f} | {:.3f} |\n", run_name, events, seconds, rate,
               raw_rate > 0 ? rate / raw_rate : 0);
  };
  fmt::print("\n| run | events | seconds | events/s | vs raw scan |\n");
  fmt::print("|---|---|---|---|---|\n");
  row("raw scan (RocksDB iterator over `log`)", raw.events, raw.seconds);
  row(fmt::format("replay (events_from, chunk {})", a.chunk), rep.events, rep.seconds);
  for (const Rebuild& r : rebuilds) {
    row(r.name.empty() ? std::string("rebuild all views") : "rebuild " + r.name, head, r.seconds);
  }
  for (const Command& c : commands) {
    row(fmt::format("`stockroom replay --format {}` > /dev/null", c.name), head, c.seconds);
  }
  for (const Command& c : commands) {
    fmt::print("stockroom replay --format {}: {:.2f} µs CPU per event, peak RSS {:.1f} MiB\n",
               c.name, c.cpu_seconds * 1e6 / static_cast<double>(std::max<uint64_t>(head, 1)),
               static_cast<double>(c.max_rss_kib) / 1024);
  }
  fmt::print("\nraw scan: {:.1f} MB of keys and values, {:.1f} MB/s\n",
             static_cast<double>(raw.bytes) / 1e6, per_second(raw.bytes, raw.seconds) / 1e6);
  fmt::print(
      "rebuild all views: {} view applications ({} views x {} events), {:.0f} applications/s\n",
      rebuilds.front().applications, rebuilds.front().applications / std::max<uint64_t>(head, 1),
      head, per_second(rebuilds.front().applications, rebuilds.front().seconds));
  fmt::print("replay_vs_scan: {:.3f}\n",
             raw_rate > 0 ? per_second(rep.events, rep.seconds) / raw_rate : 0);
  fmt::print("rebuild_vs_scan: {:.3f}\n",
             raw_rate > 0 ? per_second(head, rebuilds.front().seconds) / raw_rate : 0);
  if (!a.out.empty() && status == 0) {
    auto record = [&](const std::string& system, uint64_t events, double seconds, double cpu,
                      bench::Latencies* chunks, const std::string& note) {
      bench::RunRecord r;
      r.suite = "replay";
      r.workload = "store_mix_log";
      r.system = system;
      r.ops = events;
      r.unit = "events";
      r.seconds = seconds;
      if (chunks != nullptr) r.set_latencies(*chunks);
      r.cpu_us_per_op = events > 0 ? cpu * 1e6 / static_cast<double>(events) : 0;
      r.cpu_of = "process";
      r.extra["log_events"] = static_cast<double>(head);
      r.note = note;
      bench::emit(r, a.out);
    };
    record("rocksdb_scan", raw.events, raw.seconds, raw.cpu_seconds, &raw.per_chunk,
           "latency per 1,000 keys");
    record("replay", rep.events, rep.seconds, rep.cpu_seconds, &rep.per_chunk,
           fmt::format("Engine::events_from, {} events per call; latency per call", a.chunk));
    for (const Rebuild& r : rebuilds) {
      record(r.name.empty() ? std::string("rebuild_all") : "rebuild_" + r.name, head, r.seconds,
             r.cpu_seconds, nullptr, "one timed rebuild; no per-event latency");
    }
    for (const Command& c : commands) {
      record("stockroom_replay_" + c.name, head, c.seconds, c.cpu_seconds, nullptr,
             fmt::format("the stockroom replay command to /dev/null; peak RSS {:.1f} MiB",
                         static_cast<double>(c.max_rss_kib) / 1024));
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    return run(a);
  } catch (const std::exception& ex) {
    fmt::print(stderr, "rebuild_bench: {}\n", ex.what());
    return 1;
  }
}

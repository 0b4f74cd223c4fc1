// nats_bench: `stockroom serve` over NATS beside a trivial NATS.c echo service, and
// serve's resident set as its log grows.
//
//   nats_bench echo --url URL [--prefix P]
//       The transport's own limit: serve's NATS.c settings, a queue subscription to
//       <P>.cmd.>, and to each request a fixed reply shaped like serve's reply to a
//       stock receipt. Runs until SIGTERM/SIGINT.
//   nats_bench compare --url URL --stockroom PATH [--clients 64] [--window 16]
//                      [--seconds 5] [--durability sync] [--out FILE]
//       Spawns serve on a fresh data dir, defines 10,000 products, then runs stock
//       receipts from `clients` connections with `window` requests each in flight for
//       `seconds` after a 1 s warm-up; then the same against `nats_bench echo`. One
//       record per target (suite "nats", workload "receipts").
//   nats_bench overload --url URL --stockroom PATH [--clients 64] [--window 16]
//                       [--seconds 5] [--durability sync] [--factor 2] [--senders 8]
//                       [--out FILE]
//       Spawns serve (its default queue bounds), defines 10,000 products, runs the
//       compare load against it (closed loop: its nominal rate R and p99), then offers
//       factor x R stock receipts/s in an open loop (open_load.h: published on a
//       schedule from `senders` connections, never waiting for replies) for `seconds`,
//       and waits up to 10 s for the replies still due. Two records, suite "overload":
//       workload "receipts_nominal" and "receipts_overload", the latter with the
//       latencies of the accepted (ok) replies only and, in extra, what was offered,
//       refused UNAVAILABLE and left unanswered, and serve's VmRSS and VmHWM after.
//   nats_bench memory --url URL --stockroom PATH [--events 1000000,5000000]
//                     [--clients 64] [--window 16] [--durability none] [--out FILE]
//       Spawns serve, defines 10,000 products, then drives rounds of cart.open (a new
//       cart), two cart.add_item to it (every fourth round one to an older cart of the
//       same client), inventory.receive; at each mark of the log's head it lets the window
//       drain and records serve's VmRSS and VmHWM (suite "memory", workload
//       "cart_mix").
//
// Spawned processes are stopped by pid (SIGTERM, then SIGKILL after a deadline), their
// output goes to a log in a temporary directory that is removed at the end.
#include <fcntl.h>
#include <fmt/format.h>
#include <nats/nats.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/support/measure.h"
#include "bench/support/nats_load.h"
#include "bench/support/open_load.h"
#include "bench/support/process.h"

extern char** environ;

namespace {

using namespace stockroom::bench;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kProducts = 10'000;

// Set by SIGINT/SIGTERM in compare and memory: every wait gives up, the children are
// stopped and the temporary directory removed.
volatile std::sig_atomic_t interrupted = 0;

void on_stop_signal(int) { interrupted = 1; }

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// serve's reply to a stock receipt, copied from a real run (same size and shape).
constexpr std::string_view kEchoReply =
    R"({"ok":true,"command_id":"r5c41f2a9-c17-183442","duplicate":false,"position":1183520,)"
    R"("events":[{"type":"StockReceived","stream":"product-sku-6417","version":119,)"
    R"("position":1183520}]})";

// ---------------------------------------------------------------------------------
// Arguments

struct Args {
  std::string mode;
  std::map<std::string, std::string> values;

  [[nodiscard]] std::string get(const std::string& key, const std::string& fallback = "") const {
    const auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  [[nodiscard]] int get_int(const std::string& key, int fallback) const {
    const auto it = values.find(key);
    return it == values.end() ? fallback : std::stoi(it->second);
  }
  [[nodiscard]] double get_double(const std::string& key, double fallback) const {
    const auto it = values.find(key);
    return it == values.end() ? fallback : std::stod(it->second);
  }
};

constexpr std::string_view kUsage =
    "usage: nats_bench echo --url URL [--prefix P]\n"
    "       nats_bench compare --url URL --stockroom PATH [--clients 64] [--window 16]\n"
    "                          [--seconds 5] [--durability sync] [--out FILE]\n"
    "       nats_bench overload --url URL --stockroom PATH [--clients 64] [--window 16]\n"
    "                           [--seconds 5] [--durability sync] [--factor 2] [--senders 8]\n"
    "                           [--out FILE]\n"
    "       nats_bench memory --url URL --stockroom PATH [--events 1000000,5000000]\n"
    "                         [--clients 64] [--window 16] [--durability none] [--out FILE]\n";

std::optional<Args> parse(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  Args a;
  a.mode = argv[1];
  const std::map<std::string, std::vector<std::string>> allowed = {
      {"echo", {"--url", "--prefix"}},
      {"compare",
       {"--url", "--stockroom", "--clients", "--window", "--seconds", "--durability", "--out"}},
      {"overload",
       {"--url", "--stockroom", "--clients", "--window", "--seconds", "--durability", "--factor",
        "--senders", "--out"}},
      {"memory",
       {"--url", "--stockroom", "--events", "--clients", "--window", "--durability", "--out"}}};
  const auto mode = allowed.find(a.mode);
  if (mode == allowed.end()) return std::nullopt;
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    std::string value;
    if (const auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fmt::print(stderr, "{} needs a value\n", key);
      return std::nullopt;
    }
    if (std::find(mode->second.begin(), mode->second.end(), key) == mode->second.end()) {
      fmt::print(stderr, "unknown option for {}: {}\n", a.mode, key);
      return std::nullopt;
    }
    a.values[key] = value;
  }
  if (a.get("--url").empty() || (a.mode != "echo" && a.get("--stockroom").empty())) {
    fmt::print(stderr, "--url{} required\n", a.mode == "echo" ? " is" : " and --stockroom are");
    return std::nullopt;
  }
  return a;
}

// ---------------------------------------------------------------------------------
// Processes and files

// TempDir and Child: bench/support/process.h.

std::string self_path() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/proc/self/exe") : p.string();
}

// Waits until something answers a request on `<prefix>.cmd.bench.probe` (serve: an
// UNKNOWN_COMMAND refusal; echo: its fixed reply). False if the child exits or the
// deadline passes first.
bool wait_answering(const std::string& url, const std::string& prefix, Child& child,
                    std::chrono::seconds deadline) {
  const auto until = BenchClock::now() + deadline;
  natsConnection* nc = nullptr;
  const std::string subject = prefix + ".cmd.bench.probe";
  bool ok = false;
  while (!ok && BenchClock::now() < until && child.running() && interrupted == 0) {
    if (nc == nullptr) {
      natsOptions* o = serve_like_options(url, "nats_bench-probe");
      if (o == nullptr) break;
      natsOptions_SetMaxReconnect(o, 0);
      if (natsConnection_Connect(&nc, o) != NATS_OK) nc = nullptr;
      natsOptions_Destroy(o);
    }
    if (nc != nullptr) {
      natsMsg* reply = nullptr;
      if (natsConnection_RequestString(&reply, nc, subject.c_str(), "{}", 1000) == NATS_OK) {
        ok = true;
        natsMsg_Destroy(reply);
      }
    }
    if (!ok) std::this_thread::sleep_for(100ms);
  }
  if (nc != nullptr) {
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
  }
  return ok;
}

std::string run_id() {
  const auto t = std::chrono::system_clock::now().time_since_epoch().count();
  return fmt::format("r{:x}",
                     (static_cast<uint64_t>(t) / 1000 ^ (static_cast<uint64_t>(getpid()) << 40)) &
                         0xffffffffffULL);
}

bool is_ok(std::string_view reply) { return reply.starts_with(R"({"ok":true)"); }

// The top-level "position" of an accepted command's reply (the last event's), 0 if none.
uint64_t position_of(std::string_view reply) {
  const auto at = reply.find(R"("position":)");
  if (at == std::string_view::npos) return 0;
  uint64_t v = 0;
  for (size_t i = at + 11; i < reply.size() && reply[i] >= '0' && reply[i] <= '9'; ++i) {
    v = v * 10 + static_cast<uint64_t>(reply[i] - '0');
  }
  return v;
}

std::string actor() { return R"("actor":{"id":"bench","role":"staff"})"; }

// Defines sku-0 .. sku-9999 through the load's connections (pipelined, untimed).
bool define_products(NatsLoad& load, const std::string& prefix, const std::string& run) {
  auto next_index = std::make_shared<std::atomic<int>>(0);
  const std::string subject = prefix + ".cmd.product.define";
  const uint64_t errors_before = load.errors();
  load.set_work(
      [=](int, uint64_t, std::string& subj, std::string& body) {
        const int i = next_index->fetch_add(1);
        if (i >= kProducts) return false;
        subj = fmt::format("{}.sku-{}", subject, i);  // the keyed subject (nats-api.md)
        body = fmt::format(
            R"({{"command_id":"{}-def-{}",{},"sku":"sku-{}","name":"P","price":{{"amount":100,"currency":"EUR"}}}})",
            run, i, actor(), i);
        return true;
      },
      is_ok);
  load.run();
  const auto deadline = BenchClock::now() + 120s;
  while (!(load.exhausted() && load.inflight() == 0)) {
    if (BenchClock::now() >= deadline || interrupted != 0) {
      fmt::print(stderr, "defining {} products did not finish\n", kProducts);
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  load.pause();
  if (load.errors() != errors_before) {
    fmt::print(stderr, "defining products: {} refused, e.g. {}\n", load.errors() - errors_before,
               load.first_error());
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------
// echo

std::atomic<uint64_t> echo_failures{0};

void echo_on_msg(natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
  const char* reply = natsMsg_GetReply(msg);
  if (reply != nullptr && *reply != '\0') {
    if (natsConnection_Publish(nc, reply, kEchoReply.data(), static_cast<int>(kEchoReply.size())) !=
        NATS_OK) {
      echo_failures.fetch_add(1);
    }
  }
  natsMsg_Destroy(msg);
}

int run_echo(const Args& a) {
  // Blocked before NATS.c starts its threads, so only sigwait() below sees them (as serve).
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  const std::string prefix = a.get("--prefix", "stockroom");
  natsOptions* o = serve_like_options(a.get("--url"), "nats_bench-echo");
  if (o == nullptr) {
    fmt::print(stderr, "echo: bad NATS options\n");
    return 1;
  }
  natsConnection* nc = nullptr;
  natsStatus s = natsConnection_Connect(&nc, o);
  natsOptions_Destroy(o);
  if (s != NATS_OK) {
    fmt::print(stderr, "echo: connect to {}: {}\n", a.get("--url"), natsStatus_GetText(s));
    return 1;
  }
  natsSubscription* sub = nullptr;
  s = natsConnection_QueueSubscribe(&sub, nc, (prefix + ".cmd.>").c_str(), "stockroom", echo_on_msg,
                                    nullptr);
  if (s == NATS_OK) s = natsSubscription_SetPendingLimits(sub, 1'000'000, 512 * 1024 * 1024);
  if (s == NATS_OK) s = natsConnection_FlushTimeout(nc, 5000);
  if (s != NATS_OK) {
    fmt::print(stderr, "echo: subscribe: {}\n", natsStatus_GetText(s));
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    return 1;
  }
  fmt::print(stderr, "echo: answering {}.cmd.> (queue group stockroom) on {}\n", prefix,
             a.get("--url"));
  int signal = 0;
  sigwait(&stop, &signal);
  natsSubscription_Unsubscribe(sub);
  natsConnection_FlushTimeout(nc, 2000);
  natsSubscription_Destroy(sub);
  natsConnection_Close(nc);
  natsConnection_Destroy(nc);
  fmt::print(stderr, "echo: stopped ({}), {} publish failures\n",
             signal == SIGTERM ? "SIGTERM" : "SIGINT", echo_failures.load());
  return 0;
}

// ---------------------------------------------------------------------------------
// compare

struct Target {
  std::string system;      // serve | echo
  std::string durability;  // "" for echo
  std::vector<std::string> argv;
  std::string prefix;
};

// The receipts load on `load` (already connected, products defined): 1 s warm-up,
// then `--seconds` measured. The record (suite "nats", workload "receipts"), or
// nullopt after `fail` said why. Leaves the load paused and idle, the child running.
std::optional<RunRecord> receipts_closed_loop(
    const Args& a, const Target& t, NatsLoad& load, Child& child, const std::string& run,
    const std::function<std::optional<RunRecord>(const std::string&)>& fail) {
  const int window = a.get_int("--window", 16);
  const double seconds = a.get_double("--seconds", 5);
  const std::string subject = t.prefix + ".cmd.inventory.receive";
  const std::string tag = run + (t.system == "serve" ? "s" : "e");
  load.set_work(
      [=](int client, uint64_t n, std::string& subj, std::string& body) {
        const uint64_t sku = (n * 7919 + static_cast<uint64_t>(client)) % kProducts;
        subj = fmt::format("{}.sku-{}", subject, sku);
        body = fmt::format(R"({{"command_id":"{}-c{}-{}",{},"sku":"sku-{}","quantity":1}})", tag,
                           client, n, actor(), sku);
        return true;
      },
      is_ok);
  load.run();
  // Warm-up, not counted.
  std::this_thread::sleep_for(1s);
  if (interrupted != 0) return fail("interrupted");
  if (!child.running()) return fail("exited during the warm-up");

  const uint64_t replies0 = load.replies(), errors0 = load.errors();
  const double cpu0 = cpu_seconds_of(child.pid()), self0 = cpu_seconds_self();
  const auto t0 = BenchClock::now();
  load.record(true);
  const auto end =
      t0 + std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(seconds));
  uint64_t last_replies = replies0;
  auto last_progress = t0;
  while (BenchClock::now() < end) {
    std::this_thread::sleep_for(std::min<BenchClock::duration>(50ms, end - BenchClock::now()));
    if (interrupted != 0) return fail("interrupted");
    if (!child.running()) return fail("exited during the load");
    if (load.replies() != last_replies) {
      last_replies = load.replies();
      last_progress = BenchClock::now();
    } else if (BenchClock::now() - last_progress > 10s) {
      return fail("no reply for 10 s");
    }
  }
  load.record(false);
  const double elapsed = std::chrono::duration<double>(BenchClock::now() - t0).count();
  const uint64_t replies1 = load.replies(), errors1 = load.errors();
  const double cpu1 = cpu_seconds_of(child.pid()), self1 = cpu_seconds_self();
  load.pause();
  const bool drained = load.wait_idle(15s);
  const uint64_t rss = rss_kib_of(child.pid());
  LatencyPool pool;
  load.take_latencies(pool);
  const uint64_t lost = static_cast<uint64_t>(std::max<int64_t>(0, load.inflight()));
  const uint64_t nats_errors = load.async_errors() + load.send_failures();

  RunRecord r;
  r.suite = "nats";
  r.workload = "receipts";
  r.system = t.system;
  r.durability = t.durability;
  r.concurrency = a.get_int("--clients", 64);
  r.ops = replies1 - replies0;
  r.unit = "requests";
  r.seconds = elapsed;
  r.set_latencies(pool.all());
  const double ops = static_cast<double>(std::max<uint64_t>(1, r.ops));
  r.cpu_us_per_op = (cpu1 - cpu0) * 1e6 / ops;
  r.cpu_of = t.system;
  r.extra["window"] = window;
  r.extra["client_cpu_us_per_op"] = (self1 - self0) * 1e6 / ops;
  r.extra["rss_kib"] = static_cast<double>(rss);
  r.extra["errors"] = static_cast<double>(errors1 - errors0);
  std::vector<std::string> notes;
  if (errors1 != errors0) {
    notes.push_back(
        fmt::format("{} error replies, e.g. {}", errors1 - errors0, load.first_error()));
  }
  if (!drained) notes.push_back(fmt::format("{} requests unanswered 15 s after the load", lost));
  if (nats_errors > 0) notes.push_back(fmt::format("{} NATS.c client errors", nats_errors));
  for (const auto& n : notes) r.note += (r.note.empty() ? "" : "; ") + n;
  return r;
}

// Spawns `t`, waits until it answers, (serve) defines the products, runs the receipts
// load and stops it. The record, or nullopt after printing why not.
std::optional<RunRecord> measure_target(const Args& a, const Target& t, const std::string& dir,
                                        const std::string& run) {
  const std::string url = a.get("--url");
  const std::string log = dir + "/" + t.system + ".log";
  Child child(t.argv, log);
  if (!child.error().empty()) {
    fmt::print(stderr, "{}\n", child.error());
    return std::nullopt;
  }
  auto fail = [&](const std::string& why) -> std::optional<RunRecord> {
    fmt::print(stderr, "{}: {}\n{} log ({}):\n{}", t.system, why, t.system, log, child.log_tail());
    return std::nullopt;
  };
  if (!wait_answering(url, t.prefix, child, 20s)) {
    return fail("did not answer within 20 s (or exited)");
  }
  NatsLoad load(url, a.get_int("--clients", 64), a.get_int("--window", 16));
  if (auto e = load.connect(); !e.empty()) return fail(e);
  if (t.system == "serve") {
    if (!define_products(load, t.prefix, run)) return fail("product definitions failed");
  }
  auto r = receipts_closed_loop(a, t, load, child, run, fail);
  if (!r) return r;
  load.close();
  const int code = child.stop(45s);
  if (code != 0)
    r->note += fmt::format("{}{} exited with {}", r->note.empty() ? "" : "; ", t.system, code);
  return r;
}

int run_compare(const Args& a) {
  TempDir dir("stockroom-nats-bench");
  if (dir.path().empty()) {
    fmt::print(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  const std::string run = run_id();
  const std::string url = a.get("--url");
  const std::string durability = a.get("--durability", "sync");
  const std::string out = a.get("--out");

  Target serve{"serve", durability, {}, run + "s"};
  serve.argv = {a.get("--stockroom"), "serve",      "--data",
                dir.path() + "/data", "--nats",     url,
                "--prefix",           serve.prefix, "--durability",
                durability,           "--http",     "127.0.0.1:0"};
  Target echo{"echo", "", {}, run + "e"};
  echo.argv = {self_path(), "echo", "--url", url, "--prefix", echo.prefix};

  std::vector<RunRecord> records;
  for (const Target* t : {&serve, &echo}) {
    fmt::print(stderr, "compare: {} ({} clients x {} in flight)\n", t->system,
               a.get_int("--clients", 64), a.get_int("--window", 16));
    auto r = measure_target(a, *t, dir.path(), run);
    if (!r) return 1;
    records.push_back(std::move(*r));
  }
  for (const auto& r : records) emit(r, out);
  return 0;
}

// ---------------------------------------------------------------------------------
// overload

// The open-loop phase against a running serve: `rate` receipts/s for `seconds`.
RunRecord offer_overload(const Args& a, const Target& t, Child& child, const std::string& run,
                         double rate, OpenLoad& open) {
  const double seconds = a.get_double("--seconds", 5);
  const std::string subject = t.prefix + ".cmd.inventory.receive";
  const double cpu0 = cpu_seconds_of(child.pid());
  const double offered = open.run(
      rate, seconds,
      [&](int sender, uint64_t n, std::string& subj, std::string& body) {
        const uint64_t sku = (n * 7919 + static_cast<uint64_t>(sender)) % kProducts;
        subj = fmt::format("{}.sku-{}", subject, sku);
        body = fmt::format(R"({{"command_id":"{}-o{}-{}",{},"sku":"sku-{}","quantity":1}})", run,
                           sender, n, actor(), sku);
      },
      10s);
  const double cpu1 = cpu_seconds_of(child.pid());
  LatencyPool pool;
  open.take_accepted(pool);

  RunRecord r;
  r.suite = "overload";
  r.workload = "receipts_overload";
  r.system = t.system;
  r.durability = t.durability;
  r.concurrency = a.get_int("--senders", 8);
  r.ops = open.ok();
  r.unit = "accepted";
  r.seconds = offered;
  r.set_latencies(pool.all());
  const uint64_t sent = open.sent();
  const uint64_t unanswered = sent - std::min(sent, open.answered());
  r.cpu_us_per_op = (cpu1 - cpu0) * 1e6 / static_cast<double>(std::max<uint64_t>(1, sent));
  r.cpu_of = t.system + " per request offered";
  r.extra["offered_per_s"] = static_cast<double>(sent) / offered;
  r.extra["unavailable"] = static_cast<double>(open.unavailable());
  r.extra["other_errors"] = static_cast<double>(open.other_errors());
  r.extra["unanswered"] = static_cast<double>(unanswered);
  r.extra["rss_kib"] = static_cast<double>(rss_kib_of(child.pid()));
  r.extra["hwm_kib"] = static_cast<double>(rss_kib_of(child.pid(), "VmHWM:"));
  r.note =
      fmt::format("{} offered, {} accepted, {} UNAVAILABLE", sent, open.ok(), open.unavailable());
  if (unanswered > 0) r.note += fmt::format("; {} unanswered 10 s after", unanswered);
  if (open.other_errors() > 0) r.note += fmt::format("; {} other errors", open.other_errors());
  if (open.send_failures() > 0) r.note += fmt::format("; {} not sent", open.send_failures());
  return r;
}

int run_overload(const Args& a) {
  TempDir dir("stockroom-nats-bench");
  if (dir.path().empty()) {
    fmt::print(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  const std::string run = run_id();
  const std::string url = a.get("--url");
  const std::string durability = a.get("--durability", "sync");
  const double factor = a.get_double("--factor", 2);
  Target serve{"serve", durability, {}, run + "o"};
  serve.argv = {a.get("--stockroom"), "serve",      "--data",
                dir.path() + "/data", "--nats",     url,
                "--prefix",           serve.prefix, "--durability",
                durability,           "--http",     "127.0.0.1:0"};
  const std::string log = dir.path() + "/serve.log";
  Child child(serve.argv, log);
  if (!child.error().empty()) {
    fmt::print(stderr, "{}\n", child.error());
    return 1;
  }
  auto fail = [&](const std::string& why) -> std::optional<RunRecord> {
    fmt::print(stderr, "serve: {}\nserve log ({}):\n{}", why, log, child.log_tail());
    return std::nullopt;
  };
  if (!wait_answering(url, serve.prefix, child, 20s)) {
    fail("did not answer within 20 s (or exited)");
    return 1;
  }
  NatsLoad load(url, a.get_int("--clients", 64), a.get_int("--window", 16));
  if (auto e = load.connect(); !e.empty()) {
    fail(e);
    return 1;
  }
  if (!define_products(load, serve.prefix, run)) {
    fail("product definitions failed");
    return 1;
  }
  fmt::print(stderr, "overload: nominal ({} clients x {} in flight)\n", a.get_int("--clients", 64),
             a.get_int("--window", 16));
  auto nominal = receipts_closed_loop(a, serve, load, child, run, fail);
  if (!nominal) return 1;
  load.close();
  nominal->suite = "overload";
  nominal->workload = "receipts_nominal";

  OpenLoad open(url, a.get_int("--senders", 8));
  if (auto e = open.connect(); !e.empty()) {
    fail(e);
    return 1;
  }
  const double rate = nominal->rate() * factor;
  fmt::print(stderr, "overload: serve answered {:.0f}/s; offering {:.0f}/s for {} s\n",
             nominal->rate(), rate, a.get_double("--seconds", 5));
  RunRecord over = offer_overload(a, serve, child, run, rate, open);
  over.extra["factor"] = factor;
  over.extra["nominal_per_s"] = nominal->rate();
  open.close();
  const int code = child.stop(45s);
  if (code != 0) over.note += fmt::format("; serve exited with {}", code);
  emit(*nominal, a.get("--out"));
  emit(over, a.get("--out"));
  return 0;
}

// ---------------------------------------------------------------------------------
// memory

std::vector<uint64_t> parse_marks(const std::string& text) {
  std::vector<uint64_t> marks;
  size_t at = 0;
  while (at < text.size()) {
    auto comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    marks.push_back(std::stoull(text.substr(at, comma - at)));
    at = comma + 1;
  }
  std::sort(marks.begin(), marks.end());
  return marks;
}

int run_memory(const Args& a) {
  const int clients = a.get_int("--clients", 64);
  const int window = a.get_int("--window", 16);
  const std::string url = a.get("--url");
  const std::string durability = a.get("--durability", "none");
  const std::string out = a.get("--out");
  const std::vector<uint64_t> marks = parse_marks(a.get("--events", "1000000,5000000"));
  if (marks.empty()) {
    fmt::print(stderr, "--events: no marks\n");
    return 1;
  }
  TempDir dir("stockroom-nats-bench");
  if (dir.path().empty()) {
    fmt::print(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  const std::string run = run_id();
  const std::string prefix = run + "m";
  const std::string log = dir.path() + "/serve.log";
  Child serve({a.get("--stockroom"), "serve", "--data", dir.path() + "/data", "--nats", url,
               "--prefix", prefix, "--durability", durability, "--http", "127.0.0.1:0"},
              log);
  if (!serve.error().empty()) {
    fmt::print(stderr, "{}\n", serve.error());
    return 1;
  }
  auto fail = [&](const std::string& why) {
    fmt::print(stderr, "serve: {}\nserve log ({}):\n{}", why, log, serve.log_tail());
    return 1;
  };
  if (!wait_answering(url, prefix, serve, 20s)) return fail("did not answer within 20 s");
  fmt::print(stderr, "memory: serve pid {} answering; rss {} KiB at start\n", serve.pid(),
             rss_kib_of(serve.pid()));
  NatsLoad load(url, clients, window);
  if (auto e = load.connect(); !e.empty()) return fail(e);
  const auto start = BenchClock::now();
  if (!define_products(load, prefix, run)) return fail("product definitions failed");

  // Per round of a client: cart.open (a new cart), two add_item to it (every fourth
  // round the second goes to a random older cart of the client: old streams are
  // loaded back from the log), inventory.receive. Older carts on every round made the
  // fill a benchmark of folding old streams (serve fell to ~5k events/s past 2M) and a
  // full run over 20 minutes; one in sixteen commands still reaches back.
  auto head = std::make_shared<std::atomic<uint64_t>>(kProducts);
  auto rng = std::make_shared<std::vector<uint64_t>>(static_cast<size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    (*rng)[static_cast<size_t>(c)] = 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(c + 1);
  }
  const std::string p = prefix + ".cmd.";
  load.set_work(
      [=](int client, uint64_t n, std::string& subj, std::string& body) {
        uint64_t& x = (*rng)[static_cast<size_t>(client)];  // under the client's mutex
        auto random = [&x](uint64_t bound) {
          x ^= x << 13;
          x ^= x >> 7;
          x ^= x << 17;
          return x % bound;
        };
        const uint64_t round = n / 4;
        switch (n % 4) {
          case 0:
            subj = fmt::format("{}cart.open.{}-k{}-{}", p, run, client, round);
            body = fmt::format(
                R"({{"command_id":"{}-m{}-{}",{},"cart_id":"{}-k{}-{}","customer_id":"cust{}","currency":"EUR"}})",
                run, client, n, actor(), run, client, round, client);
            break;
          case 1:
          case 2: {
            const uint64_t cart = n % 4 == 2 && round % 4 == 3 ? random(round + 1) : round;
            subj = fmt::format("{}cart.add_item.{}-k{}-{}", p, run, client, cart);
            body = fmt::format(
                R"({{"command_id":"{}-m{}-{}",{},"cart_id":"{}-k{}-{}","sku":"sku-{}","quantity":1}})",
                run, client, n, actor(), run, client, cart, random(kProducts));
            break;
          }
          default: {
            const uint64_t sku = random(kProducts);
            subj = fmt::format("{}inventory.receive.sku-{}", p, sku);
            body = fmt::format(R"({{"command_id":"{}-m{}-{}",{},"sku":"sku-{}","quantity":1}})",
                               run, client, n, actor(), sku);
          }
        }
        return true;
      },
      [head](std::string_view reply) {
        if (!is_ok(reply)) return false;
        const uint64_t pos = position_of(reply);
        uint64_t seen = head->load(std::memory_order_relaxed);
        while (pos > seen && !head->compare_exchange_weak(seen, pos)) {
        }
        return true;
      });

  load.run();
  auto last_print = BenchClock::now();
  uint64_t last_events = head->load();
  uint64_t last_replies = load.replies();
  auto last_progress = last_print;
  for (size_t m = 0; m < marks.size();) {
    std::this_thread::sleep_for(20ms);
    if (interrupted != 0) return fail("interrupted");
    if (!serve.running()) return fail("exited during the load");
    const auto now = BenchClock::now();
    if (load.replies() != last_replies) {
      last_replies = load.replies();
      last_progress = now;
    } else if (now - last_progress > 20s) {
      return fail("no reply for 20 s");
    }
    const uint64_t events = head->load();
    if (now - last_print >= 10s) {
      const double dt = std::chrono::duration<double>(now - last_print).count();
      fmt::print(stderr,
                 "memory: {:.0f} s: {} events, {:.0f} events/s (last {:.0f} s), rss {} KiB, {} "
                 "errors\n",
                 std::chrono::duration<double>(now - start).count(), events,
                 static_cast<double>(events - last_events) / dt, dt, rss_kib_of(serve.pid()),
                 load.errors());
      last_print = now;
      last_events = events;
    }
    if (events < marks[m]) continue;
    load.pause();
    if (!load.wait_idle(30s)) return fail("replies still missing 30 s after pausing the load");
    const double elapsed = std::chrono::duration<double>(BenchClock::now() - start).count();
    RunRecord r;
    r.suite = "memory";
    r.workload = "cart_mix";
    r.system = "serve";
    r.durability = durability;
    r.concurrency = clients;
    r.ops = head->load();
    r.unit = "events";
    r.seconds = elapsed;
    r.cpu_us_per_op = cpu_seconds_of(serve.pid()) * 1e6 / static_cast<double>(r.ops);
    r.cpu_of = "serve";
    r.extra["rss_kib"] = static_cast<double>(rss_kib_of(serve.pid()));
    r.extra["hwm_kib"] = static_cast<double>(rss_kib_of(serve.pid(), "VmHWM:"));
    r.extra["events"] = static_cast<double>(r.ops);
    r.extra["window"] = window;
    r.extra["errors"] = static_cast<double>(load.errors());
    if (load.errors() > 0) {
      r.note = fmt::format("{} error replies, e.g. {}", load.errors(), load.first_error());
    }
    fmt::print(stderr,
               "memory: mark {}: {} events in {:.1f} s ({:.0f} events/s), rss {} KiB, "
               "hwm {} KiB\n",
               marks[m], r.ops, elapsed, r.rate(), r.extra["rss_kib"], r.extra["hwm_kib"]);
    emit(r, out);
    if (++m < marks.size()) load.run();
  }
  load.close();
  const int code = serve.stop(45s);
  if (code != 0) fmt::print(stderr, "serve exited with {}\n", code);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse(argc, argv);
  if (!args) {
    fmt::print(stderr, "{}", kUsage);
    return 2;
  }
  int rc = 1;
  try {
    if (args->mode != "echo") catch_stop_signals();
    if (args->mode == "echo") rc = run_echo(*args);
    if (args->mode == "compare") rc = run_compare(*args);
    if (args->mode == "overload") rc = run_overload(*args);
    if (args->mode == "memory") rc = run_memory(*args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nats_bench: {}\n", e.what());
    rc = 1;
  }
  nats_Close();
  return rc;
}

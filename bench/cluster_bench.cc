// cluster_bench: `stockroom serve --cluster` beside single-node `serve`, in one run
// (issue 12's figures, reported by bench/report, never asserted).
//
//   cluster_bench --stockroom PATH [--url URL] [--clients 64] [--window 16] [--seconds 5]
//                 [--failover-clients 16] [--before-kill 3] [--after-kill 10]
//                 [--lease-ttl 10] [--phases single,p1,p4,checkouts,failover] [--out FILE]
//
// Every phase runs the closed-loop stock-receipt load of nats_bench compare (NatsLoad:
// `clients` connections with `window` requests each in flight, inventory.receive of 1
// unit on the keyed subject stockroom.cmd.inventory.receive.<sku> over 10,000 products
// defined first, 1 s warm-up, then `seconds` measured), durability sync, against:
//
//   single    one `serve` on one nats-server (--url, else one started here);
//   p1        three nats-servers with JetStream and one `serve --cluster` process,
//             --partitions 1 (each group appended to the partition's R3 stream first);
//   p4        a fresh such cluster with --partitions 4 and two engines (after each
//             holds its even share of the leases);
//   failover  on the p4 cluster: `failover-clients` clients that send one receipt at a
//             time and resend an unanswered one with the same command id (1 s request
//             timeout; bench/support/resend_load.h) for `before-kill` s, then kill -9
//             of the owner of partition 0 (KV STOCKROOM_leases, key partition.0), then
//             until every client is answered again and `after-kill` s have passed
//             (30 s more at most). Records the longest gap between successive answers
//             of any client.
//
// Records (suite "cluster"): workload "receipts", systems single / cluster_p1 /
// cluster_p4, CPU = user + system of all serve processes from /proc (the nats-servers'
// in extra.nats_cpu_us_per_op); workload "failover", system cluster_p4. Everything runs
// on free loopback ports in a temporary directory and is stopped by pid, also on a
// failure or SIGINT/SIGTERM.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nats/nats.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/local_cluster.h"
#include "bench/support/measure.h"
#include "bench/support/nats_load.h"
#include "bench/support/process.h"
#include "bench/support/reply.h"
#include "bench/support/resend_load.h"
#include "engine/model/routing.h"

namespace {

using namespace stockroom::bench;
using namespace std::chrono_literals;

constexpr int kProducts = 10'000;

volatile std::sig_atomic_t interrupted = 0;

void on_stop_signal(int) { interrupted = 1; }

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return interrupted != 0; }

// ---------------------------------------------------------------------------------
// Arguments

constexpr std::string_view kUsage =
    "usage: cluster_bench --stockroom PATH [--url URL] [--clients 64] [--window 16]\n"
    "                     [--seconds 5] [--failover-clients 16] [--before-kill 3]\n"
    "                     [--after-kill 10] [--lease-ttl 10]\n"
    "                     [--phases single,p1,p4,checkouts,failover] [--out FILE]\n";

struct Options {
  std::string stockroom, url, out;
  int clients = 64, window = 16, failover_clients = 16, lease_ttl = 10;
  double seconds = 5, before_kill = 3, after_kill = 10;
  std::vector<std::string> phases = {"single", "p1", "p4", "checkouts", "failover"};

  [[nodiscard]] bool runs(const std::string& phase) const {
    return std::find(phases.begin(), phases.end(), phase) != phases.end();
  }
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    if (comma > at) out.push_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  std::map<std::string, std::function<void(const std::string&)>> set = {
      {"--stockroom", [&](const std::string& v) { o.stockroom = v; }},
      {"--url", [&](const std::string& v) { o.url = v; }},
      {"--out", [&](const std::string& v) { o.out = v; }},
      {"--clients", [&](const std::string& v) { o.clients = std::stoi(v); }},
      {"--window", [&](const std::string& v) { o.window = std::stoi(v); }},
      {"--failover-clients", [&](const std::string& v) { o.failover_clients = std::stoi(v); }},
      {"--lease-ttl", [&](const std::string& v) { o.lease_ttl = std::stoi(v); }},
      {"--seconds", [&](const std::string& v) { o.seconds = std::stod(v); }},
      {"--before-kill", [&](const std::string& v) { o.before_kill = std::stod(v); }},
      {"--after-kill", [&](const std::string& v) { o.after_kill = std::stod(v); }},
      {"--phases", [&](const std::string& v) { o.phases = split(v); }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string key = argv[i], value;
    if (const auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fmt::print(stderr, "{} needs a value\n", key);
      return std::nullopt;
    }
    const auto it = set.find(key);
    if (it == set.end()) {
      fmt::print(stderr, "unknown option {}\n", key);
      return std::nullopt;
    }
    it->second(value);
  }
  for (const auto& p : o.phases) {
    if (p != "single" && p != "p1" && p != "p4" && p != "checkouts" && p != "failover") {
      fmt::print(stderr, "unknown phase {}\n", p);
      return std::nullopt;
    }
  }
  if (o.stockroom.empty() || o.clients < 1 || o.window < 1 || o.failover_clients < 1 ||
      o.seconds <= 0) {
    fmt::print(stderr, "--stockroom is required; counts and seconds must be positive\n");
    return std::nullopt;
  }
  return o;
}

// ---------------------------------------------------------------------------------
// Commands

std::string run_id() {
  const auto t = std::chrono::system_clock::now().time_since_epoch().count();
  return fmt::format("r{:x}",
                     (static_cast<uint64_t>(t) / 1000 ^ (static_cast<uint64_t>(getpid()) << 40)) &
                         0xffffffffffULL);
}

bool is_ok(std::string_view reply) { return reply_ok(reply); }

std::string actor() { return R"("actor":{"id":"bench","role":"staff"})"; }

std::string receipt(const std::string& id, uint64_t sku) {
  return fmt::format(R"({{"command_id":"{}",{},"sku":"sku-{}","quantity":1}})", id, actor(), sku);
}

// Defines sku-0 .. sku-9999 on their keyed subjects through the load's connections.
std::string define_products(NatsLoad& load, const std::string& prefix, const std::string& run) {
  auto next_index = std::make_shared<std::atomic<int>>(0);
  const std::string subject = prefix + ".cmd.product.define";
  load.set_work(
      [=](int, uint64_t, std::string& subj, std::string& body) {
        const int i = next_index->fetch_add(1);
        if (i >= kProducts) return false;
        subj = fmt::format("{}.sku-{}", subject, i);
        body = fmt::format(
            R"({{"command_id":"{}-def-{}",{},"sku":"sku-{}","name":"P","price":{{"amount":100,"currency":"EUR"}}}})",
            run, i, actor(), i);
        return true;
      },
      is_ok);
  load.run();
  const auto deadline = BenchClock::now() + 120s;
  while (!(load.exhausted() && load.inflight() == 0)) {
    if (BenchClock::now() >= deadline) return "defining the products took over 120 s";
    if (stop_requested()) return "interrupted";
    std::this_thread::sleep_for(5ms);
  }
  load.pause();
  if (load.errors() > 0) {
    return fmt::format("{} product definitions refused, e.g. {}", load.errors(),
                       load.first_error());
  }
  return "";
}

// ---------------------------------------------------------------------------------
// The closed-loop receipts load

// Whose CPU a run counts, and whether the processes under test still run.
struct Probes {
  std::function<double()> serve_cpu;  // seconds, summed over every serve process
  std::function<double()> nats_cpu;   // seconds, summed over the nats-servers (-1: not ours)
  std::function<bool()> alive;
};

// Runs the receipts on `load` (connected, products defined): 1 s warm-up, then
// `o.seconds` measured. The record, or the reason in `why`. Leaves the load paused.
std::optional<RunRecord> receipts(const Options& o, NatsLoad& load, const std::string& prefix,
                                  const std::string& tag, const Probes& probes, std::string& why) {
  const std::string subject = prefix + ".cmd.inventory.receive";
  load.set_work(
      [=](int client, uint64_t n, std::string& subj, std::string& body) {
        const uint64_t sku = (n * 7919 + static_cast<uint64_t>(client)) % kProducts;
        subj = fmt::format("{}.sku-{}", subject, sku);
        body = receipt(fmt::format("{}-c{}-{}", tag, client, n), sku);
        return true;
      },
      is_ok);
  load.run();
  std::this_thread::sleep_for(1s);
  const uint64_t replies0 = load.replies(), errors0 = load.errors();
  const double cpu0 = probes.serve_cpu(), nats0 = probes.nats_cpu();
  const auto t0 = BenchClock::now();
  load.record(true);
  const auto end = t0 + std::chrono::duration_cast<BenchClock::duration>(
                            std::chrono::duration<double>(o.seconds));
  uint64_t last_replies = replies0;
  auto last_progress = t0;
  while (BenchClock::now() < end) {
    std::this_thread::sleep_for(std::min<BenchClock::duration>(50ms, end - BenchClock::now()));
    why = stop_requested() ? "interrupted" : !probes.alive() ? "a process exited under load" : "";
    if (load.replies() != last_replies) {
      last_replies = load.replies();
      last_progress = BenchClock::now();
    } else if (BenchClock::now() - last_progress > 10s) {
      why = "no reply for 10 s";
    }
    if (!why.empty()) return std::nullopt;
  }
  load.record(false);
  const double elapsed = std::chrono::duration<double>(BenchClock::now() - t0).count();
  const uint64_t replies1 = load.replies(), errors1 = load.errors();
  const double cpu1 = probes.serve_cpu(), nats1 = probes.nats_cpu();
  load.pause();
  const bool drained = load.wait_idle(15s);
  LatencyPool pool;
  load.take_latencies(pool);

  RunRecord r;
  r.suite = "cluster";
  r.workload = "receipts";
  r.durability = "sync";
  r.concurrency = o.clients;
  r.ops = replies1 - replies0;
  r.unit = "requests";
  r.seconds = elapsed;
  r.set_latencies(pool.all());
  const double ops = static_cast<double>(std::max<uint64_t>(1, r.ops));
  r.cpu_us_per_op = (cpu1 - cpu0) * 1e6 / ops;
  r.extra["window"] = o.window;
  r.extra["serve_cpu_s"] = cpu1 - cpu0;
  r.extra["commands_per_serve_cpu_s"] = cpu1 > cpu0 ? ops / (cpu1 - cpu0) : 0;
  if (nats0 >= 0) r.extra["nats_cpu_us_per_op"] = (nats1 - nats0) * 1e6 / ops;
  r.extra["errors"] = static_cast<double>(errors1 - errors0);
  if (errors1 != errors0) {
    r.note = fmt::format("{} error replies, e.g. {}", errors1 - errors0, load.first_error());
  }
  if (!drained) {
    r.note += fmt::format("{}{} requests unanswered 15 s after the load",
                          r.note.empty() ? "" : "; ", load.inflight());
  }
  return r;
}

// ---------------------------------------------------------------------------------
// Phases

// single: one serve on one nats-server. False after printing why not.
bool phase_single(const Options& o, const std::string& dir, const std::string& run,
                  const std::string& out) {
  std::unique_ptr<Child> server;
  std::string url = o.url;
  if (url.empty()) {
    const int port = free_ports(1).front();
    server = std::make_unique<Child>(
        std::vector<std::string>{"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port)},
        dir + "/single-nats.log");
    url = fmt::format("nats://127.0.0.1:{}", port);
  }
  const std::string prefix = run + "s";
  Child serve({o.stockroom, "serve", "--data", dir + "/single", "--nats", url, "--prefix", prefix,
               "--durability", "sync", "--http", "127.0.0.1:0"},
              dir + "/single-serve.log");
  auto fail = [&](const std::string& why) {
    fmt::print(stderr, "cluster_bench single: {}\nserve log:\n{}", why, serve.log_tail());
    return false;
  };
  if (!serve.error().empty()) return fail(serve.error());
  NatsLoad load(url, o.clients, o.window);
  // serve answers an unknown command once it listens.
  const auto until = BenchClock::now() + 20s;
  for (;; std::this_thread::sleep_for(200ms)) {
    if (BenchClock::now() >= until || stop_requested() || !serve.running()) {
      return fail("did not answer within 20 s (or exited)");
    }
    natsConnection* nc = nullptr;
    if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK) continue;
    natsMsg* reply = nullptr;
    const bool ok = natsConnection_RequestString(&reply, nc, (prefix + ".cmd.bench.probe").c_str(),
                                                 "{}", 1000) == NATS_OK;
    natsMsg_Destroy(reply);
    natsConnection_Destroy(nc);
    if (ok) break;
  }
  if (auto e = load.connect(); !e.empty()) return fail(e);
  if (auto e = define_products(load, prefix, run); !e.empty()) return fail(e);
  fmt::print(stderr, "cluster_bench: single serve ({} clients x {} in flight)\n", o.clients,
             o.window);
  Probes probes{[&] { return cpu_seconds_of(serve.pid()); },
                [&] { return server ? cpu_seconds_of(server->pid()) : -1.0; },
                [&] { return serve.running(); }};
  std::string why;
  auto r = receipts(o, load, prefix, run + "s", probes, why);
  if (!r) return fail(why);
  load.close();
  r->system = "single";
  r->cpu_of = "serve";
  r->extra["partitions"] = 0;
  r->extra["engines"] = 1;
  if (const int code = serve.stop(45s); code != 0)
    r->note += fmt::format("; serve exited {}", code);
  if (server) server->stop(10s);
  emit(*r, out);
  return true;
}

// Starts a cluster and waits until it is served (and balanced). Empty on success.
std::string start_cluster(LocalCluster& cluster) {
  const auto t0 = BenchClock::now();
  if (auto e = cluster.start(); !e.empty()) return e;
  if (!cluster.wait_balanced(60s)) return "the engines did not share the partitions within 60 s";
  if (!cluster.wait_served(60s)) return "not every partition answered within 60 s";
  fmt::print(stderr, "cluster_bench: {} partition(s) on {} engine(s) served after {:.1f} s\n",
             cluster.spec().partitions, cluster.spec().engines,
             std::chrono::duration<double>(BenchClock::now() - t0).count());
  return "";
}

Probes cluster_probes(LocalCluster& cluster) {
  return {[&cluster] { return cluster.engines_cpu_seconds(); },
          [&cluster] { return cluster.servers_cpu_seconds(); },
          [&cluster] {
            for (auto& e : cluster.engines()) {
              if (!e->running()) return false;
            }
            return true;
          }};
}

// The closed-loop receipts on a prepared cluster.
std::optional<RunRecord> cluster_receipts(LocalCluster& cluster, const Options& o, NatsLoad& load,
                                          const std::string& tag) {
  const int p = cluster.spec().partitions, e = cluster.spec().engines;
  fmt::print(stderr, "cluster_bench: cluster, {} partition(s) on {} engine(s) ({} x {})\n", p, e,
             o.clients, o.window);
  std::string why;
  auto r = receipts(o, load, "stockroom", tag, cluster_probes(cluster), why);
  if (!r) {
    fmt::print(stderr, "cluster_bench: {}\n", why);
    return r;
  }
  r->system = fmt::format("cluster_p{}", p);
  r->cpu_of = fmt::format("{} serve --cluster process(es)", e);
  r->extra["partitions"] = p;
  r->extra["engines"] = e;
  r->extra["lease_ttl_s"] = o.lease_ttl;
  return r;
}

// failover on a prepared cluster: kill -9 the owner of partition 0 under the resend load.
std::optional<RunRecord> failover(LocalCluster& cluster, const Options& o, const std::string& tag) {
  auto fail = [](const std::string& why) -> std::optional<RunRecord> {
    fmt::print(stderr, "cluster_bench failover: {}\n", why);
    return std::nullopt;
  };
  std::vector<std::string> urls;
  for (int i = 0; i < LocalCluster::kServers; ++i) urls.push_back(cluster.url(i));
  ResendLoad load(urls, o.failover_clients, 1000ms);
  if (auto e = load.connect(); !e.empty()) return fail(e);
  load.start([&tag](int client, uint64_t n, std::string& subject, std::string& body) {
    const uint64_t sku = (n * 7919 + static_cast<uint64_t>(client) * 613) % kProducts;
    subject = fmt::format("stockroom.cmd.inventory.receive.sku-{}", sku);
    body = receipt(fmt::format("{}-f{}-{}", tag, client, n), sku);
  });
  auto sleep_for = [](double seconds) {
    const auto until = BenchClock::now() + std::chrono::duration_cast<BenchClock::duration>(
                                               std::chrono::duration<double>(seconds));
    while (BenchClock::now() < until && !stop_requested()) std::this_thread::sleep_for(20ms);
  };
  sleep_for(o.before_kill);
  const auto owner = cluster.owner_of(0);
  Child* victim = owner ? cluster.engine(*owner) : nullptr;
  if (victim == nullptr) {
    return fail(fmt::format("no engine of ours owns partition 0 ({})", owner.value_or("nobody")));
  }
  const auto killed_at = BenchClock::now();
  load.mark(killed_at);
  victim->kill_now();
  fmt::print(stderr,
             "cluster_bench: kill -9 {} (owner of partition 0) at {:%H:%M:%S}, {} answers so far\n",
             *owner, std::chrono::system_clock::now(), load.answered());
  const double kill_s = std::chrono::duration<double>(killed_at - load.started()).count();
  bool recovered = false;
  for (;;) {
    const double since = std::chrono::duration<double>(BenchClock::now() - killed_at).count();
    recovered = load.all_answered_since(killed_at);
    if ((recovered && since >= o.after_kill) || since >= o.after_kill + 30 || stop_requested())
      break;
    std::this_thread::sleep_for(20ms);
  }
  load.stop();
  if (stop_requested()) return fail("interrupted");
  const auto gap = load.longest_gap();
  const auto new_owner = cluster.owner_of(0);

  RunRecord r;
  r.suite = "cluster";
  r.workload = "failover";
  r.system = fmt::format("cluster_p{}", cluster.spec().partitions);
  r.durability = "sync";
  r.concurrency = o.failover_clients;
  r.ops = load.ok();
  r.unit = "commands";
  r.seconds = std::chrono::duration<double>(BenchClock::now() - load.started()).count();
  LatencyPool pool;
  load.take_latencies(pool);
  r.set_latencies(pool.all());  // from a command's first send to its answer
  r.extra["longest_gap_s"] = gap.seconds;
  r.extra["gap_began_s_after_kill"] = gap.began_at - kill_s;
  r.extra["gap_across_kill_s"] = load.gap_across_mark();
  r.extra["recovered"] = recovered ? 1 : 0;
  r.extra["timeouts"] = static_cast<double>(load.timeouts());
  r.extra["no_responders"] = static_cast<double>(load.no_responders());
  r.extra["unavailable"] = static_cast<double>(load.unavailable());
  r.extra["duplicates"] = static_cast<double>(load.duplicates());
  r.extra["errors"] = static_cast<double>(load.errors());
  r.extra["partitions"] = cluster.spec().partitions;
  r.extra["engines"] = cluster.spec().engines;
  r.extra["lease_ttl_s"] = o.lease_ttl;
  r.note = fmt::format(
      "kill -9 of {} (owner of partition 0) {:.1f} s into the load; partition 0 then held by "
      "{}; longest gap {:.2f} s, began {:+.2f} s from the kill; longest gap spanning the kill "
      "{:.2f} s; {} resends after a 1 s timeout, {} duplicates answered",
      *owner, kill_s, new_owner.value_or("nobody"), gap.seconds, gap.began_at - kill_s,
      load.gap_across_mark(), load.timeouts(), load.duplicates());
  if (!recovered) r.note += "; NOT every client was answered again before the phase ended";
  if (load.errors() > 0) {
    r.note += fmt::format("; {} error replies, e.g. {}", load.errors(), load.first_error());
  }
  fmt::print(stderr,
             "cluster_bench: failover: longest client-visible gap {:.2f} s ({:.2f} s spanning the "
             "kill)\n",
             gap.seconds, load.gap_across_mark());
  return r;
}

// A cluster of `partitions` partitions on `engines` engines: the receipts load, then
// (with_failover) the failover. False after printing why not.
// ---------------------------------------------------------------------------------
// Checkouts: across partitions vs within one (issue 13)

// "<stem>-<k>" for the first k that lives in `partition` of `partitions`.
std::string id_in(const std::string& stem, uint32_t partition, uint32_t partitions) {
  for (int k = 0;; ++k) {
    std::string id = fmt::format("{}-{}", stem, k);
    if (stockroom::partition_of(id, partitions) == partition) return id;
  }
}

// Sends every request of `requests` once on `load` (in order, `load`'s window at a
// time); "" or why not.
std::string send_all(NatsLoad& load, std::vector<std::pair<std::string, std::string>> requests,
                     const char* what) {
  auto all =
      std::make_shared<std::vector<std::pair<std::string, std::string>>>(std::move(requests));
  auto next = std::make_shared<std::atomic<size_t>>(0);
  const uint64_t errors0 = load.errors();
  load.set_work(
      [=](int, uint64_t, std::string& subj, std::string& body) {
        const size_t i = next->fetch_add(1);
        if (i >= all->size()) return false;
        subj = (*all)[i].first;
        body = (*all)[i].second;
        return true;
      },
      is_ok);
  load.run();
  const auto deadline = BenchClock::now() + 300s;
  while (!(load.exhausted() && load.inflight() == 0)) {
    if (BenchClock::now() >= deadline) return fmt::format("{} took over 300 s", what);
    if (stop_requested()) return "interrupted";
    std::this_thread::sleep_for(5ms);
  }
  load.pause();
  if (load.errors() > errors0) {
    return fmt::format("{}: {} refused, e.g. {}", what, load.errors() - errors0,
                       load.first_error());
  }
  return "";
}

// Carts of partition 0, each with one unit of each of `skus`, checked out into orders of
// partition 0 by `o.clients` clients one at a time each, for `o.seconds` after 0.5 s of
// warm-up (or until the carts run out). `cross`: the skus live in partitions 1, 2, 3, so
// every checkout is a saga (3 holds, order.place, 3 confirms); else in partition 0: one
// atomic append. The record, or nullopt after printing why.
std::optional<RunRecord> checkout_run(LocalCluster& cluster, const Options& o,
                                      const std::string& tag, bool cross,
                                      const std::vector<std::string>& skus) {
  const uint32_t parts = static_cast<uint32_t>(cluster.spec().partitions);
  const size_t carts = static_cast<size_t>(o.seconds * 2000) + 2000;
  const std::string kind = cross ? "cross" : "local";
  NatsLoad load(cluster.url(0), o.clients, 1);
  auto fail = [&](const std::string& why) -> std::optional<RunRecord> {
    fmt::print(stderr, "cluster_bench checkouts ({}): {}\n", kind, why);
    return std::nullopt;
  };
  if (auto e = load.connect(); !e.empty()) return fail(e);
  std::vector<std::string> cart_ids, order_ids;
  std::vector<std::pair<std::string, std::string>> opens, adds;
  for (size_t i = 0; i < carts; ++i) {
    cart_ids.push_back(id_in(fmt::format("{}{}c{}", tag, kind, i), 0, parts));
    order_ids.push_back(id_in(fmt::format("{}{}o{}", tag, kind, i), 0, parts));
    opens.emplace_back(
        "stockroom.cmd.cart.open." + cart_ids.back(),
        fmt::format(
            R"({{"command_id":"{}-open",{},"cart_id":"{}","customer_id":"bench","currency":"EUR"}})",
            cart_ids.back(), actor(), cart_ids.back()));
    for (const std::string& sku : skus) {
      adds.emplace_back(
          "stockroom.cmd.cart.add_item." + cart_ids.back(),
          fmt::format(R"({{"command_id":"{}-add-{}",{},"cart_id":"{}","sku":"{}","quantity":1}})",
                      cart_ids.back(), sku, actor(), cart_ids.back(), sku));
    }
  }
  fmt::print(stderr, "cluster_bench: checkouts ({}): preparing {} carts of {} lines\n", kind, carts,
             skus.size());
  if (auto e = send_all(load, std::move(opens), "opening the carts"); !e.empty()) return fail(e);
  if (auto e = send_all(load, std::move(adds), "filling the carts"); !e.empty()) return fail(e);
  auto next = std::make_shared<std::atomic<size_t>>(0);
  auto ids = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  for (size_t i = 0; i < carts; ++i) ids->emplace_back(cart_ids[i], order_ids[i]);
  load.set_work(
      [=](int, uint64_t, std::string& subj, std::string& body) {
        const size_t i = next->fetch_add(1);
        if (i >= ids->size()) return false;
        const auto& [cart, order] = (*ids)[i];
        subj = "stockroom.cmd.cart.checkout." + cart;
        body = fmt::format(R"({{"command_id":"{}-co",{},"cart_id":"{}","order_id":"{}"}})", cart,
                           actor(), cart, order);
        return true;
      },
      is_ok);
  const Probes probes = cluster_probes(cluster);
  load.run();
  std::this_thread::sleep_for(500ms);
  const uint64_t replies0 = load.replies(), errors0 = load.errors();
  const double cpu0 = probes.serve_cpu();
  const auto t0 = BenchClock::now();
  load.record(true);
  const auto end = t0 + std::chrono::duration_cast<BenchClock::duration>(
                            std::chrono::duration<double>(o.seconds));
  while (BenchClock::now() < end && !load.exhausted()) {
    if (stop_requested()) return fail("interrupted");
    if (!probes.alive()) return fail("a process exited under load");
    std::this_thread::sleep_for(20ms);
  }
  load.record(false);
  const double elapsed = std::chrono::duration<double>(BenchClock::now() - t0).count();
  const uint64_t replies1 = load.replies(), errors1 = load.errors();
  const double cpu1 = probes.serve_cpu();
  load.pause();
  (void)load.wait_idle(30s);
  LatencyPool pool;
  load.take_latencies(pool);
  RunRecord r;
  r.suite = "cluster";
  r.workload = "checkouts";
  r.system = "cluster_p4_" + kind;
  r.durability = "sync";
  r.concurrency = o.clients;
  r.ops = replies1 - replies0;
  r.unit = "checkouts";
  r.seconds = elapsed;
  r.set_latencies(pool.all());
  r.cpu_us_per_op = (cpu1 - cpu0) * 1e6 / static_cast<double>(std::max<uint64_t>(1, r.ops));
  r.cpu_of = "2 serve --cluster processes";
  r.extra["lines"] = static_cast<double>(skus.size());
  r.extra["errors"] = static_cast<double>(errors1 - errors0);
  if (errors1 != errors0) {
    r.note = fmt::format("{} error replies, e.g. {}", errors1 - errors0, load.first_error());
  }
  fmt::print(stderr, "cluster_bench: checkouts ({}): {:.0f}/s, p99 {:.1f} ms\n", kind, r.rate(),
             r.p99_us / 1000);
  load.close();
  return r;
}

// Both checkout runs on the prepared 4-partition cluster (products sku-<i> defined).
bool checkouts(LocalCluster& cluster, const Options& o, const std::string& tag,
               const std::string& out) {
  const uint32_t parts = static_cast<uint32_t>(cluster.spec().partitions);
  // Three products of partition 0 and one of each of partitions 1, 2, 3, among sku-<i>.
  std::vector<std::string> local, cross;
  for (int i = 0; i < kProducts && (local.size() < 3 || cross.size() < 3); ++i) {
    const std::string sku = fmt::format("sku-{}", i);
    const uint32_t p = stockroom::partition_of(sku, parts);
    if (p == 0 && local.size() < 3) local.push_back(sku);
    if (p == cross.size() + 1 && cross.size() < 3) cross.push_back(sku);
  }
  NatsLoad load(cluster.url(0), 6, 1);
  if (auto e = load.connect(); !e.empty()) return false;
  std::vector<std::pair<std::string, std::string>> receipts;
  for (const auto* list : {&local, &cross}) {
    for (const std::string& sku : *list) {
      receipts.emplace_back(
          "stockroom.cmd.inventory.receive." + sku,
          fmt::format(R"({{"command_id":"{}-stock-{}",{},"sku":"{}","quantity":1000000}})", tag,
                      sku, actor(), sku));
    }
  }
  if (auto e = send_all(load, std::move(receipts), "stocking"); !e.empty()) {
    fmt::print(stderr, "cluster_bench checkouts: {}\n", e);
    return false;
  }
  load.close();
  bool ok = true;
  for (bool cross_run : {false, true}) {
    auto r = checkout_run(cluster, o, tag, cross_run, cross_run ? cross : local);
    if (r) emit(*r, out);
    ok = ok && r.has_value();
  }
  return ok;
}

bool phase_cluster(const Options& o, const std::string& dir, const std::string& run, int partitions,
                   int engines, bool with_receipts, bool with_failover, const std::string& out) {
  const std::string here = fmt::format("{}/p{}", dir, partitions);
  std::filesystem::create_directories(here);
  LocalCluster cluster(here, {o.stockroom, partitions, engines, o.lease_ttl, "sync"},
                       stop_requested);
  auto fail = [&](const std::string& why) {
    fmt::print(stderr, "cluster_bench (p{}): {}\n", partitions, why);
    for (auto& e : cluster.engines()) fmt::print(stderr, "{}:\n{}", e->log_path(), e->log_tail(15));
    return false;
  };
  if (auto e = start_cluster(cluster); !e.empty()) return fail(e);
  const std::string tag = fmt::format("{}p{}", run, partitions);
  {
    // Every load connection on n0: the mapping sends each command on to its partition.
    NatsLoad load(cluster.url(0), o.clients, o.window);
    if (auto e = load.connect(); !e.empty()) return fail(e);
    if (auto e = define_products(load, "stockroom", tag); !e.empty()) return fail(e);
    if (with_receipts) {
      auto r = cluster_receipts(cluster, o, load, tag + "c");
      if (!r) return fail("the receipts load failed");
      emit(*r, out);
    }
    load.close();
  }
  if (partitions == 4 && o.runs("checkouts") && !stop_requested() &&
      !checkouts(cluster, o, tag + "k", out)) {
    return fail("the checkouts load failed");
  }
  if (with_failover) {
    auto r = failover(cluster, o, tag);
    if (!r) return fail("the failover phase failed");
    // To read beside the figure: who took what when (JSON lines with wall-clock times).
    fmt::print(stderr, "what the engines logged about partitions:\n{}",
               cluster.partition_log_lines());
    emit(*r, out);
  }
  if (auto bad = cluster.stop(); !bad.empty()) fmt::print(stderr, "cluster_bench: {}\n", bad);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  if (!o) {
    fmt::print(stderr, "{}", kUsage);
    return 2;
  }
  catch_stop_signals();
  int rc = 0;
  try {
    TempDir dir("stockroom-cluster-bench");
    if (dir.path().empty()) throw std::runtime_error("cannot create a temporary directory");
    const std::string run = run_id();
    const auto t0 = BenchClock::now();
    if (o->runs("single") && !phase_single(*o, dir.path(), run, o->out)) rc = 1;
    if (o->runs("p1") && !stop_requested() &&
        !phase_cluster(*o, dir.path(), run, 1, 1, true, false, o->out)) {
      rc = 1;
    }
    if ((o->runs("p4") || o->runs("failover") || o->runs("checkouts")) && !stop_requested() &&
        !phase_cluster(*o, dir.path(), run, 4, 2, o->runs("p4"), o->runs("failover"), o->out)) {
      rc = 1;
    }
    fmt::print(stderr, "cluster_bench: done in {:.0f} s{}\n",
               std::chrono::duration<double>(BenchClock::now() - t0).count(),
               stop_requested() ? " (interrupted)" : "");
  } catch (const std::exception& e) {
    fmt::print(stderr, "cluster_bench: {}\n", e.what());
    rc = 1;
  }
  nats_Close();
  return stop_requested() ? 130 : rc;
}

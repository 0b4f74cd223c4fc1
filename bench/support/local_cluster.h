// local_cluster.h: a Stockroom cluster on loopback for bench/cluster_bench.cc, built
// like scripts/cluster: three nats-servers with JetStream, cluster routes and the key
// mappings for `partitions` partitions on free ports, then `engines` processes of
// `stockroom serve --cluster` (R3, one standby per partition). Everything lives in
// `dir` and is stopped by pid: stop() sends SIGTERM to the engines (they hand their
// partitions back), then to the servers; the destructor SIGKILLs whatever is left.
//
// Threads: one caller; owner_of() and the waits make their own NATS requests.
#pragma once

#include <fmt/format.h>
#include <nats/nats.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/measure.h"
#include "bench/support/process.h"
#include "bench/support/reply.h"

namespace stockroom::bench {

struct ClusterSpec {
  std::string stockroom;  // the binary
  int partitions = 1;
  int engines = 1;
  int lease_ttl_s = 10;
  std::string durability = "sync";
};

class LocalCluster {
 public:
  static constexpr int kServers = 3;

  // `stop_requested` is polled by every wait (Ctrl-C).
  LocalCluster(std::string dir, ClusterSpec spec, std::function<bool()> stop_requested)
      : dir_(std::move(dir)), spec_(std::move(spec)), stop_requested_(std::move(stop_requested)) {}
  ~LocalCluster() {
    close_admin();
    engines_.clear();  // SIGKILL before the servers
    servers_.clear();
  }
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Starts the servers (other ports when a bind loses a race), waits for JetStream,
  // then starts the engines. Empty on success, else why not.
  std::string start() {
    std::string why;
    for (int attempt = 0; attempt < 5; ++attempt) {
      why = start_servers();
      if (why.empty()) break;
      servers_.clear();
      if (why != kPortTaken) return why;
    }
    if (!why.empty()) return "no free loopback ports for three nats-servers";
    if (auto e = connect_admin(); !e.empty()) return e;
    if (auto e = wait_jetstream(); !e.empty()) return e;
    for (int k = 0; k < spec_.engines; ++k) {
      const std::string id = "engine" + std::to_string(k);
      engines_.push_back(
          std::make_unique<Child>(std::vector<std::string>{spec_.stockroom,
                                                           "serve",
                                                           "--cluster",
                                                           "--nats",
                                                           urls(),
                                                           "--node-id",
                                                           id,
                                                           "--partitions",
                                                           std::to_string(spec_.partitions),
                                                           "--replicas",
                                                           "3",
                                                           "--standbys",
                                                           "1",
                                                           "--lease-ttl",
                                                           std::to_string(spec_.lease_ttl_s),
                                                           "--data",
                                                           dir_ + "/" + id,
                                                           "--signing-key",
                                                           dir_ + "/" + id + ".pem",
                                                           "--durability",
                                                           spec_.durability,
                                                           "--http",
                                                           "127.0.0.1:0"},
                                  dir_ + "/" + id + ".log"));
      if (!engines_.back()->error().empty()) return engines_.back()->error();
    }
    return "";
  }

  [[nodiscard]] std::string url(int i) const {
    return fmt::format("nats://127.0.0.1:{}", client_ports_.at(static_cast<size_t>(i)));
  }
  [[nodiscard]] std::string urls() const {
    std::string all;
    for (int i = 0; i < kServers; ++i) all += (i ? "," : "") + url(i);
    return all;
  }
  [[nodiscard]] const ClusterSpec& spec() const { return spec_; }
  [[nodiscard]] std::vector<std::unique_ptr<Child>>& engines() { return engines_; }
  [[nodiscard]] std::vector<std::unique_ptr<Child>>& servers() { return servers_; }

  // The engine named `node_id` ("engine<k>"), nullptr if none.
  Child* engine(const std::string& node_id) {
    for (size_t k = 0; k < engines_.size(); ++k) {
      if (node_id == "engine" + std::to_string(k)) return engines_[k].get();
    }
    return nullptr;
  }

  // CPU seconds (user + system) of the running engines, and of the servers.
  double engines_cpu_seconds() { return cpu_of(engines_); }
  double servers_cpu_seconds() { return cpu_of(servers_); }

  // The node holding partition p's lease: the value of KV key partition.<p> in bucket
  // STOCKROOM_leases up to its last '@'. nullopt when nobody holds it (or no answer).
  std::optional<std::string> owner_of(uint32_t p) {
    if (kv_ == nullptr && js_KeyValue(&kv_, js_, "STOCKROOM_leases") != NATS_OK) {
      kv_ = nullptr;
      return std::nullopt;
    }
    kvEntry* e = nullptr;
    if (kvStore_Get(&e, kv_, fmt::format("partition.{}", p).c_str()) != NATS_OK) {
      return std::nullopt;
    }
    const std::string value = kvEntry_ValueString(e);
    kvEntry_Destroy(e);
    const auto at = value.rfind('@');
    if (value.empty() || at == std::string::npos) return std::nullopt;
    return value.substr(0, at);
  }

  // True once every partition answers stockroom.p.<i>.query.verify with ok.
  bool wait_served(std::chrono::seconds timeout) {
    const auto until = BenchClock::now() + timeout;
    while (BenchClock::now() < until && !stop_requested_()) {
      bool all = true;
      for (int p = 0; p < spec_.partitions && all; ++p) all = partition_answers(p);
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  // True once every partition is held and every engine holds its even share (P/E
  // rounded down or up): a first engine takes them all and hands some back only as the
  // others register, which must not happen under a measured load.
  bool wait_balanced(std::chrono::seconds timeout) {
    const auto until = BenchClock::now() + timeout;
    const int low = spec_.partitions / spec_.engines;
    const int high = low + (spec_.partitions % spec_.engines == 0 ? 0 : 1);
    while (BenchClock::now() < until && !stop_requested_()) {
      std::map<std::string, int> held;
      bool all = true;
      for (int p = 0; p < spec_.partitions && all; ++p) {
        const auto o = owner_of(static_cast<uint32_t>(p));
        all = o.has_value();
        if (o) ++held[*o];
      }
      for (int k = 0; k < spec_.engines && all; ++k) {
        const int n = held["engine" + std::to_string(k)];
        all = n >= low && n <= high;
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  // Engines first (SIGTERM: they hand their partitions back and drain), then servers.
  // The engines' exit codes that were not 0, as text ("" when all were).
  std::string stop() {
    close_admin();
    std::string bad;
    for (size_t k = 0; k < engines_.size(); ++k) {
      if (!engines_[k]->running()) continue;
      const int code = engines_[k]->stop(std::chrono::seconds(30));
      if (code != 0)
        bad += fmt::format("{}engine{} exited with {}", bad.empty() ? "" : "; ", k, code);
    }
    for (auto& s : servers_) s->stop(std::chrono::seconds(10));
    return bad;
  }

  // What the engines logged about partitions (lines with "partition_"), for a report.
  std::string partition_log_lines(size_t max_lines = 40) const {
    std::string out;
    for (const auto& e : engines_) {
      std::istringstream in(e->log_text());
      size_t n = 0;
      for (std::string line; std::getline(in, line) && n < max_lines;) {
        if (line.find("\"event\":\"partition_") == std::string::npos) continue;
        out += "  | " + line + "\n";
        ++n;
      }
    }
    return out;
  }

 private:
  static constexpr const char* kPortTaken = "port taken";

  static double cpu_of(std::vector<std::unique_ptr<Child>>& children) {
    double sum = 0;
    for (auto& c : children) {
      if (!c->running()) continue;
      const double s = cpu_seconds_of(c->pid());
      if (s > 0) sum += s;
    }
    return sum;
  }

  std::string mappings() const {
    const int n = spec_.partitions;
    return fmt::format(
        "mappings = {{\n"
        "  \"stockroom.cmd.*.*.*\": \"stockroom.p.{{{{partition({},3)}}}}.cmd.{{{{wildcard(1)}}}}."
        "{{{{wildcard(2)}}}}.{{{{wildcard(3)}}}}\"\n"
        "  \"stockroom.query.*.*\": \"stockroom.p.{{{{partition({},2)}}}}.query."
        "{{{{wildcard(1)}}}}.{{{{wildcard(2)}}}}\"\n}}\n",
        n, n);
  }

  std::string start_servers() {
    const auto ports = free_ports(2 * kServers);
    client_ports_.assign(ports.begin(), ports.begin() + kServers);
    std::vector<int> routes(ports.begin() + kServers, ports.end());
    for (int i = 0; i < kServers; ++i) {
      std::string route_list;
      for (int j = 0; j < kServers; ++j) {
        if (j == i) continue;
        route_list += fmt::format("{}\"nats-route://127.0.0.1:{}\"", route_list.empty() ? "" : ", ",
                                  routes[static_cast<size_t>(j)]);
      }
      const std::string conf = fmt::format("{}/n{}.conf", dir_, i);
      std::ofstream f(conf);
      f << fmt::format(
          "server_name: n{}\nlisten: 127.0.0.1:{}\njetstream {{ store_dir: \"{}/n{}-store\" }}\n"
          "cluster {{ name: stockroom-bench, listen: 127.0.0.1:{}, routes: [ {} ] }}\n{}",
          i, client_ports_[static_cast<size_t>(i)], dir_, i, routes[static_cast<size_t>(i)],
          route_list, mappings());
      f.close();
      servers_.push_back(std::make_unique<Child>(
          std::vector<std::string>{"nats-server", "-c", conf}, fmt::format("{}/n{}.log", dir_, i)));
      if (!servers_.back()->error().empty()) return servers_.back()->error();
    }
    for (int i = 0; i < kServers; ++i) {
      Child& s = *servers_[static_cast<size_t>(i)];
      const auto until = BenchClock::now() + std::chrono::seconds(20);
      for (;;) {
        const std::string text = s.log_text();
        if (text.find("Server is ready") != std::string::npos) break;
        if (!s.running()) {
          if (text.find("address already in use") != std::string::npos) return kPortTaken;
          return fmt::format("nats-server n{} exited at start:\n{}", i, s.log_tail());
        }
        if (BenchClock::now() >= until || stop_requested_()) {
          return fmt::format("nats-server n{} not ready in 20 s:\n{}", i, s.log_tail());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return "";
  }

  std::string connect_admin() {
    natsOptions* o = nullptr;
    std::vector<std::string> list;
    for (int i = 0; i < kServers; ++i) list.push_back(url(i));
    std::vector<const char*> raw;
    for (const auto& u : list) raw.push_back(u.c_str());
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK) s = natsOptions_SetServers(o, raw.data(), static_cast<int>(raw.size()));
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 100);
    if (s == NATS_OK) s = natsConnection_Connect(&admin_, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK) s = natsConnection_JetStream(&js_, admin_, nullptr);
    if (s != NATS_OK) return fmt::format("connect to {}: {}", urls(), natsStatus_GetText(s));
    return "";
  }

  void close_admin() {
    if (kv_ != nullptr) kvStore_Destroy(kv_);
    kv_ = nullptr;
    if (js_ != nullptr) jsCtx_Destroy(js_);
    js_ = nullptr;
    if (admin_ != nullptr) {
      natsConnection_Close(admin_);
      natsConnection_Destroy(admin_);
    }
    admin_ = nullptr;
  }

  // JetStream answers $JS.API.INFO without an error once the meta leader is elected.
  std::string wait_jetstream() {
    const auto until = BenchClock::now() + std::chrono::seconds(30);
    while (BenchClock::now() < until && !stop_requested_()) {
      natsMsg* reply = nullptr;
      const natsStatus s = natsConnection_RequestString(&reply, admin_, "$JS.API.INFO", "", 1000);
      const bool ok =
          s == NATS_OK && std::string_view(natsMsg_GetData(reply), natsMsg_GetDataLength(reply))
                                  .find("\"error\"") == std::string_view::npos;
      natsMsg_Destroy(reply);
      if (ok) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "JetStream did not elect a meta leader within 30 s";
  }

  bool partition_answers(int p) {
    natsMsg* reply = nullptr;
    const std::string subject = fmt::format("stockroom.p.{}.query.verify", p);
    if (natsConnection_RequestString(&reply, admin_, subject.c_str(), "{}", 1000) != NATS_OK) {
      return false;
    }
    const bool ok =
        reply_ok(std::string_view(natsMsg_GetData(reply), natsMsg_GetDataLength(reply)));
    natsMsg_Destroy(reply);
    return ok;
  }

  std::string dir_;
  ClusterSpec spec_;
  std::function<bool()> stop_requested_;
  std::vector<int> client_ports_;
  std::vector<std::unique_ptr<Child>> servers_;
  std::vector<std::unique_ptr<Child>> engines_;
  natsConnection* admin_ = nullptr;
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;
};

}  // namespace stockroom::bench

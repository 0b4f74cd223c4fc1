// NatsCluster: three real nats-server processes with JetStream, clustered on loopback
// (server_name n0..n2), for the cluster link's tests. Free client and route ports are
// picked below the ephemeral range and the whole cluster starts again on other ports
// when a bind loses a race. An optional `mappings` body (the text inside
// `mappings = { ... }`) is given to every node. Each node has its own store dir, kept
// across restart(i), which brings the node back on the same ports. The destructor kills
// every node by pid.
#pragma once

#include <fcntl.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "support/temp_dir.h"

namespace stockroom::testing {

class NatsCluster {
 public:
  static constexpr int kNodes = 3;

  explicit NatsCluster(std::string mappings = "") : mappings_(std::move(mappings)) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      pick_ports();
      for (int i = 0; i < kNodes; ++i) write_config(i);
      bool up = true;
      for (int i = 0; i < kNodes; ++i) launch(i);
      for (int i = 0; i < kNodes && up; ++i) up = wait_ready(i);
      if (up) {
        wait_jetstream();
        return;
      }
      for (int i = 0; i < kNodes; ++i) kill(i, SIGKILL);  // a port was taken: try others
    }
    FAIL("no nats-server cluster could listen on free loopback ports");
  }
  ~NatsCluster() {
    for (int i = 0; i < kNodes; ++i) kill(i, SIGKILL);
  }
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  [[nodiscard]] std::string url(int i) const {
    return "nats://127.0.0.1:" + std::to_string(nodes_.at(i).client_port);
  }
  // Every node's URL, comma-separated.
  [[nodiscard]] std::string urls() const {
    std::string all;
    for (int i = 0; i < kNodes; ++i) all += (i ? "," : "") + url(i);
    return all;
  }
  [[nodiscard]] bool running(int i) const { return nodes_.at(i).pid > 0; }

  // Sends `signal` (SIGKILL: a crash) to node i and waits for it to exit.
  void kill(int i, int signal = SIGKILL) {
    Node& node = nodes_.at(i);
    if (node.pid <= 0) return;
    last_kill_ = std::chrono::system_clock::now();
    ::kill(node.pid, signal);
    int status = 0;
    ::waitpid(node.pid, &status, 0);
    node.pid = -1;
  }

  // Brings node i back (killing it first if it runs) on its ports and store dir.
  void restart(int i) {
    kill(i, SIGKILL);
    launch(i);
    REQUIRE(wait_ready(i));
  }

  // The index of the node leading stream `name` (its cluster.leader server name), or -1
  // when none leads it within `timeout` (an election in progress).
  [[nodiscard]] int stream_leader(const std::string& name,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (const int leader = ask_leader(name); leader >= 0) return leader;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }
  // The leader of a KV bucket's stream KV_<bucket>.
  [[nodiscard]] int bucket_leader(const std::string& bucket) {
    return stream_leader("KV_" + bucket);
  }

  // Seconds from the last kill() to the first "JetStream cluster new stream leader for
  // '$G > <stream>'" a node logged after it (the servers log it at INF level, with a
  // local-time stamp to the microsecond); -1 when none did. What the NATS election
  // itself cost, to read a failover drill's gap against.
  [[nodiscard]] double election_seconds(const std::string& stream) const {
    const std::string needle = "JetStream cluster new stream leader for '$G > " + stream + "'";
    double first = -1;
    for (int i = 0; i < kNodes; ++i) {
      std::ifstream log(node_path(i, ".log"));
      for (std::string line; std::getline(log, line);) {
        if (line.find(needle) == std::string::npos) continue;
        // "[pid] YYYY/MM/DD HH:MM:SS.uuuuuu [INF] ..."
        const size_t date = line.find("] ");
        std::tm t{};
        double micros = 0;
        if (date == std::string::npos ||
            std::sscanf(line.c_str() + date + 2, "%d/%d/%d %d:%d:%d.%lf", &t.tm_year, &t.tm_mon,
                        &t.tm_mday, &t.tm_hour, &t.tm_min, &t.tm_sec, &micros) != 7) {
          continue;
        }
        t.tm_year -= 1900;
        t.tm_mon -= 1;
        t.tm_isdst = -1;
        const auto at = std::chrono::system_clock::from_time_t(std::mktime(&t)) +
                        std::chrono::microseconds(static_cast<int64_t>(micros));
        const double seconds = std::chrono::duration<double>(at - last_kill_).count();
        if (seconds > 0 && (first < 0 || seconds < first)) first = seconds;
      }
    }
    return first;
  }

 private:
  struct Node {
    int client_port = 0;
    int cluster_port = 0;
    pid_t pid = -1;
  };

  std::string node_path(int i, const std::string& what) const {
    return dir_.sub("n" + std::to_string(i) + what);
  }

  static bool bindable(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  // Below Linux's ephemeral ports (32768 and up), which outgoing connections take.
  void pick_ports() {
    std::random_device seed;
    std::mt19937 rng(seed());
    std::uniform_int_distribution<int> dist(20000, 32000);
    std::set<int> taken;
    auto next = [&] {
      for (;;) {
        const int port = dist(rng);
        if (taken.insert(port).second && bindable(port)) return port;
      }
    };
    for (Node& node : nodes_) {
      node.client_port = next();
      node.cluster_port = next();
    }
  }

  void write_config(int i) {
    std::ostringstream routes;
    for (int j = 0; j < kNodes; ++j) {
      if (j == i) continue;
      routes << (routes.tellp() > 0 ? ", " : " ")
             << "\"nats-route://127.0.0.1:" << nodes_[j].cluster_port << "\"";
    }
    std::ofstream conf(node_path(i, ".conf"));
    conf << "server_name: n" << i << "\n"
         << "listen: 127.0.0.1:" << nodes_[i].client_port << "\n"
         << "jetstream { store_dir: \"" << node_path(i, "-store") << "\" }\n"
         << "cluster {\n  name: stockroom-test\n  listen: 127.0.0.1:" << nodes_[i].cluster_port
         << "\n  routes: [" << routes.str() << " ]\n}\n";
    if (!mappings_.empty()) conf << "mappings = {\n" << mappings_ << "\n}\n";
  }

  void launch(int i) {
    REQUIRE(nodes_[i].pid <= 0);
    const std::string conf = node_path(i, ".conf");
    const std::string log = node_path(i, ".log");
    // wait_ready() must not read the last run's "Server is ready".
    std::filesystem::remove(log);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      ::execlp("nats-server", "nats-server", "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    nodes_[i].pid = pid;
  }

  // True once node i says "Server is ready"; false when it exited (a lost bind race).
  bool wait_ready(int i) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream log(node_path(i, ".log"));
      const std::string text((std::istreambuf_iterator<char>(log)), {});
      if (text.find("Server is ready") != std::string::npos) return true;
      int status = 0;
      if (::waitpid(nodes_[i].pid, &status, WNOHANG) == nodes_[i].pid) {
        nodes_[i].pid = -1;
        // Another process took a port between the probe and the bind: retry elsewhere.
        if (text.find("address already in use") != std::string::npos) return false;
        FAIL("nats-server n" << i << " exited at start:\n" << text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("nats-server n" << i << " did not get ready in 20 s");
    return false;
  }

  // JetStream answers $JS.API.INFO without an error once the meta leader is elected.
  void wait_jetstream() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int i = 0; i < kNodes; ++i) {
      natsConnection* nc = nullptr;
      REQUIRE(natsConnection_ConnectTo(&nc, url(i).c_str()) == NATS_OK);
      for (;;) {
        natsMsg* reply = nullptr;
        const natsStatus s = natsConnection_RequestString(&reply, nc, "$JS.API.INFO", "", 1000);
        const bool ok = s == NATS_OK &&
                        std::string(natsMsg_GetData(reply)).find("\"error\"") == std::string::npos;
        natsMsg_Destroy(reply);
        if (ok) break;
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      natsConnection_Destroy(nc);
    }
  }

  int ask_leader(const std::string& name) {
    int leader = -1;
    for (int i = 0; i < kNodes && leader < 0; ++i) {
      if (!running(i)) continue;
      natsConnection* nc = nullptr;
      if (natsConnection_ConnectTo(&nc, url(i).c_str()) != NATS_OK) continue;
      jsCtx* js = nullptr;
      jsStreamInfo* si = nullptr;
      jsOptions o;
      jsOptions_Init(&o);
      o.Wait = 1000;
      if (natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
          js_GetStreamInfo(&si, js, name.c_str(), &o, nullptr) == NATS_OK &&
          si->Cluster != nullptr && si->Cluster->Leader != nullptr) {
        const std::string server = si->Cluster->Leader;  // "n<i>"
        if (server.size() == 2 && server[0] == 'n') leader = server[1] - '0';
      }
      jsStreamInfo_Destroy(si);
      jsCtx_Destroy(js);
      natsConnection_Destroy(nc);
      break;  // any running node answers for the whole cluster
    }
    return leader;
  }

  std::string mappings_;
  std::chrono::system_clock::time_point last_kill_{};
  TempDir dir_;
  std::array<Node, kNodes> nodes_{};
};

}  // namespace stockroom::testing

// A `stockroom serve --cluster` process for the drills: started from the built binary
// (STOCKROOM_BIN) on a test cluster, its stderr (JSON log lines) in a file, stopped
// by pid — SIGKILL (a crash), SIGTERM (hand-over), SIGSTOP/SIGCONT (a frozen zombie).
// `http`: serve's --http address (e.g. "127.0.0.1:0"; its port is in the log's
// http_listening line), or "off".
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace stockroom::testing {

class EngineProcess {
 public:
  EngineProcess(const TempDir& dir, std::string node_id, std::string urls, int partitions,
                int lease_ttl_s, std::string http = "off")
      : node_id_(std::move(node_id)),
        data_(dir.sub(node_id_)),
        log_(dir.sub(node_id_ + ".log")),
        key_(dir.sub(node_id_ + ".pem")),
        urls_(std::move(urls)),
        partitions_(partitions),
        lease_ttl_s_(lease_ttl_s),
        http_(std::move(http)) {
    start();
  }
  ~EngineProcess() { stop(SIGKILL); }
  EngineProcess(const EngineProcess&) = delete;
  EngineProcess& operator=(const EngineProcess&) = delete;

  void start() {
    REQUIRE(pid_ <= 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 2);
        ::dup2(fd, 1);
      }
      const std::string partitions = std::to_string(partitions_);
      const std::string ttl = std::to_string(lease_ttl_s_);
      ::execl(STOCKROOM_BIN, STOCKROOM_BIN, "serve", "--cluster", "--nats", urls_.c_str(),
              "--node-id", node_id_.c_str(), "--partitions", partitions.c_str(), "--replicas", "3",
              "--standbys", "1", "--lease-ttl", ttl.c_str(), "--data", data_.c_str(),
              "--signing-key", key_.c_str(), "--http", http_.c_str(), "--durability", "sync",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  // Sends `signal`; for SIGKILL and SIGTERM waits for the exit and returns the status.
  int stop(int signal) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, signal);
    if (signal == SIGSTOP || signal == SIGCONT) return 0;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  void freeze() { stop(SIGSTOP); }
  void thaw() { stop(SIGCONT); }

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // The caller reaped the process (waitpid) itself.
  void forget() { pid_ = -1; }
  [[nodiscard]] const std::string& node_id() const { return node_id_; }
  [[nodiscard]] std::string log_text() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string node_id_;
  std::string data_;
  std::string log_;
  std::string key_;
  std::string urls_;
  int partitions_;
  int lease_ttl_s_;
  std::string http_;
  pid_t pid_ = -1;
};

}  // namespace stockroom::testing

// A real nats-server for tests: started on a free loopback port, stopped by its pid.
// restart() brings it back on the same port (reconnect tests). An optional config
// file text sets what nats-server 2.9 has no flag for (e.g. "max_payload: 1024").
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "support/temp_dir.h"

namespace stockroom::testing {

// A port nobody listens on right now (bind to 0, read it back, close).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class NatsServer {
 public:
  explicit NatsServer(std::string config = "") : port_(free_port()) {
    if (!config.empty()) {
      config_file_ = dir_.sub("nats-server.conf");
      std::ofstream(config_file_) << config << "\n";
    }
    start();
  }
  ~NatsServer() { stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  [[nodiscard]] std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int port() const { return port_; }

  void start() {
    REQUIRE(pid_ <= 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Dies with the test: a test process a sanitizer halted must not leave a server
      // holding ctest's output pipe (ctest would wait for it until the timeout).
      // PDEATHSIG follows the forking thread: start() and restart() run on the test's
      // main thread.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const std::string port = std::to_string(port_);
      if (config_file_.empty()) {
        ::execlp("nats-server", "nats-server", "-a", "127.0.0.1", "-p", port.c_str(), "-m", "0",
                 static_cast<char*>(nullptr));
      } else {
        ::execlp("nats-server", "nats-server", "-c", config_file_.c_str(), "-a", "127.0.0.1", "-p",
                 port.c_str(), "-m", "0", static_cast<char*>(nullptr));
      }
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!port_open(port_)) {
      int status = 0;
      REQUIRE(::waitpid(pid_, &status, WNOHANG) == 0);  // nats-server must not have exited
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // SIGKILL (a crash) or SIGTERM, then waits for the process.
  void stop(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  void restart() {
    stop(SIGKILL);
    start();
  }

 private:
  TempDir dir_;
  std::string config_file_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace stockroom::testing

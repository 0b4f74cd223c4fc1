// The real `stockroom serve` (STOCKROOM_BIN, --http off) as a child process on one data directory,
// its stdout and stderr appended to a log file: started, killed (SIGKILL: a crash) or
// stopped (SIGTERM) by pid, and started again on the same directory — the fault drills.
// `file_size_limit` > 0: the child runs under RLIMIT_FSIZE with SIGXFSZ ignored, so a
// write past the limit fails (EFBIG) as on a full disk.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "adapters/nats/client.h"

namespace stockroom::testing {

class ServeProcess {
 public:
  // `durability`: serve's --durability (sync, batch or none).
  ServeProcess(std::string data, std::string url, std::string log, std::string durability = "sync")
      : data_(std::move(data)),
        url_(std::move(url)),
        log_(std::move(log)),
        durability_(std::move(durability)) {}
  ~ServeProcess() { stop(SIGKILL); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  void start(uint64_t file_size_limit = 0) {
    REQUIRE(pid_ <= 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      if (file_size_limit > 0) {
        ::signal(SIGXFSZ, SIG_IGN);  // kept across exec: a write past the limit is EFBIG
        const rlimit limit{file_size_limit, file_size_limit};
        ::setrlimit(RLIMIT_FSIZE, &limit);
      }
      ::execl(STOCKROOM_BIN, STOCKROOM_BIN, "serve", "--data", data_.c_str(), "--nats",
              url_.c_str(), "--http", "off", "--durability", durability_.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  // Sends `signal` and waits for the exit; the wait status (0 when not running).
  int stop(int signal) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // The wait status if the process exited on its own, nullopt while it runs.
  std::optional<int> exited() {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    return status;
  }

  [[nodiscard]] bool running() const { return pid_ > 0; }

  // Until a query on `client` is answered (the service subscribed) or `timeout`; false
  // when it did not come up (or exited).
  bool wait_serving(nats_adapter::Client& client, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (exited()) return false;
      auto r = client.request("stockroom.query.stock", R"({"sku":"READY"})", {},
                              std::chrono::milliseconds(500));
      if (r) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  [[nodiscard]] std::string log_text() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string data_;
  std::string url_;
  std::string log_;
  std::string durability_;
  pid_t pid_ = -1;
};

}  // namespace stockroom::testing

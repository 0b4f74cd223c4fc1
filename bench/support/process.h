// process.h: spawned processes and temporary directories for the benchmarks that start
// servers (bench/cluster_bench.cc). A Child is stopped by its pid — never by name — and
// killed when it goes, so an error path or Ctrl-C never leaves one behind. The same
// shapes as nats_bench.cc's own copies (which predate this header).
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/measure.h"

extern char** environ;

namespace stockroom::bench {

// A temporary directory, removed with everything in it when this goes.
class TempDir {
 public:
  explicit TempDir(const std::string& stem) {
    std::string pattern = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Empty when it could not be created.
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A spawned process (stdout and stderr to `log_path`), with SIGINT and SIGTERM at their
// defaults and unblocked whatever the parent does with them. SIGKILLed when this goes.
class Child {
 public:
  Child(const std::vector<std::string>& argv, std::string log_path) : log_(std::move(log_path)) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    // posix_spawnp: "nats-server" is found on PATH.
    const int rc = posix_spawnp(&pid, args[0], &files, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      error_ = fmt::format("cannot start {}: {}", argv[0], std::strerror(rc));
    } else {
      pid_ = pid;
    }
  }
  ~Child() { kill_now(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Why it did not start; empty when it did.
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& log_path() const { return log_; }

  // Still running (reaps it if it has exited).
  bool running() {
    if (pid_ <= 0 || reaped_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
      return false;
    }
    return true;
  }

  // SIGKILL (a crash) and reap.
  void kill_now() {
    if (!running()) return;
    kill(pid_, SIGKILL);
    reap(std::chrono::seconds(10));
  }

  // SIGTERM, then SIGKILL after `grace`. The exit code; -1 if it needed SIGKILL or died by
  // a signal.
  int stop(std::chrono::seconds grace) {
    if (running()) {
      kill(pid_, SIGTERM);
      if (!reap(grace)) {
        fmt::print(stderr, "pid {} did not stop within {} s of SIGTERM: SIGKILL\n", pid_,
                   grace.count());
        kill(pid_, SIGKILL);
        reap(std::chrono::seconds(10));
        return -1;
      }
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }

  [[nodiscard]] std::string log_text() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // The last lines of its log, for a failure message.
  [[nodiscard]] std::string log_tail(size_t lines = 30) const {
    std::ifstream f(log_);
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(f, line)) {
      tail.push_back(line);
      if (tail.size() > lines) tail.pop_front();
    }
    std::string out;
    for (const auto& l : tail) out += "  | " + l + "\n";
    return out;
  }

 private:
  bool reap(std::chrono::milliseconds timeout) {
    const auto deadline = BenchClock::now() + timeout;
    while (running()) {
      if (BenchClock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  std::string log_;
  std::string error_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// `count` distinct loopback ports that nothing listens on now, below Linux's ephemeral
// range (outgoing connections take ports from 32768 up). A later bind can still lose
// a race: callers retry elsewhere when a server says "address already in use".
inline std::vector<int> free_ports(int count) {
  std::random_device seed;
  std::mt19937 rng(seed());
  std::uniform_int_distribution<int> dist(20000, 32000);
  std::set<int> taken;
  std::vector<int> out;
  while (static_cast<int>(out.size()) < count) {
    const int port = dist(rng);
    if (!taken.insert(port).second) continue;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) out.push_back(port);
  }
  return out;
}

}  // namespace stockroom::bench

// The real `stockroom serve` process stopped with SIGTERM while clients keep sending:
// it drains, answers what it took, exits 0, and every command it answered ok is in
// the log it leaves behind, whose hash chain verifies.
#include <fcntl.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/client.h"
#include "engine/engine.h"
#include "nats/support/log_positions.h"
#include "nats/support/nats_server.h"
#include "support/temp_dir.h"

namespace stockroom::testing::sigterm_test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kSenders = 8;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A child process running `args` (args[0] is the program) with stdout and stderr to
// `log_path`; killed (SIGKILL) and reaped by the destructor if still running.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void signal(int sig) const { REQUIRE(::kill(pid_, sig) == 0); }

  // The wait status once the process has exited, or nullopt while it runs.
  std::optional<int> poll() {
    if (pid_ <= 0) return status_;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    REQUIRE(r >= 0);
    if (r == 0) return std::nullopt;
    pid_ = -1;
    status_ = status;
    return status_;
  }

  // poll() until the process exits or `timeout` passes.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto s = poll()) return s;
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(10ms);
    }
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Acked {
  std::string id;
  uint64_t position = 0;
};

// What one sender saw; written by its thread, read by the test's thread after join.
struct Sender {
  std::vector<Acked> acked;
  std::vector<std::string> errors_before_term;  // none expected
  std::string last_error;                       // the one that stopped it
};

void send_loop(const std::string& url, int index, const std::atomic<bool>& term_sent,
               const std::atomic<bool>& stop, std::atomic<int>& acks, Sender& out) {
  nats_adapter::ConnectOptions co;
  co.url = url;
  co.name = "sigterm-sender";
  auto client = nats_adapter::Client::connect(co);
  if (!client) {
    out.errors_before_term.push_back("connect: " + client.error().message);
    return;
  }
  for (int n = 0; !stop.load(); ++n) {
    const std::string id = "st-" + std::to_string(index) + "-" + std::to_string(n);
    const bool after_term = term_sent.load();
    auto reply = (*client)->request(
        "stockroom.cmd.inventory.receive",
        R"({"command_id":")" + id +
            R"(","actor":{"id":"svc-1","role":"service"},"sku":"TERM","quantity":1})",
        {}, 5000ms);
    std::string error;
    if (reply) {
      rapidjson::Document d;
      d.Parse(reply->data.c_str(), reply->data.size());
      if (!d.HasParseError() && d.IsObject() && d.HasMember("ok") && d["ok"].IsBool() &&
          d["ok"].GetBool() && d.HasMember("position") && d["position"].IsUint64()) {
        out.acked.push_back({id, d["position"].GetUint64()});
        acks.fetch_add(1);
        continue;
      }
      error = id + ": " + reply->data;
    } else {
      error = id + ": " + reply.error().message;
    }
    // Errors once SIGTERM was sent are the point: stop at the first one.
    out.last_error = error;
    if (after_term || term_sent.load()) return;
    out.errors_before_term.push_back(error);
    std::this_thread::sleep_for(10ms);
  }
}

TEST_CASE("SIGTERM under load: every request answered ok is in the log", "[nats]") {
  NatsServer server;
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string log_path = dir.sub("serve.log");
  ChildProcess serve({STOCKROOM_BIN, "serve", "--data", data, "--nats", server.url(), "--http",
                      "off", "--durability", "sync"},
                     log_path);

  nats_adapter::ConnectOptions co;
  co.url = server.url();
  auto connected = nats_adapter::Client::connect(co);
  REQUIRE(connected.has_value());
  nats_adapter::Client& client = **connected;

  // Ready when a query is answered (no responders until the service subscribed).
  {
    const auto deadline = Clock::now() + 60s;
    for (;;) {
      auto r = client.request("stockroom.query.verify", "{}", {}, 500ms);
      if (r) break;
      if (const auto exited = serve.poll()) {  // it must not have exited
        INFO(read_file(log_path));
        FAIL("stockroom serve exited early, wait status " << *exited);
      }
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(20ms);
    }
  }
  {
    auto r = client.request(
        "stockroom.cmd.product.define",
        R"({"command_id":"define","actor":{"id":"ops-1","role":"staff"},"sku":"TERM","name":"Term","price":{"amount":100,"currency":"EUR"}})",
        {}, 10s);
    REQUIRE(r.has_value());
    INFO(r->data);
    REQUIRE(r->data.find(R"("ok":true)") != std::string::npos);
  }

  std::atomic<bool> term_sent{false};
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<Sender> senders(kSenders);
  std::vector<std::jthread> threads;
  struct StopOnExit {  // also when a REQUIRE below fails; ~jthread joins after
    std::atomic<bool>& stop;
    ~StopOnExit() { stop.store(true); }
  };
  std::optional<int> status;
  {
    const StopOnExit stopper{stop};
    for (int i = 0; i < kSenders; ++i) {
      threads.emplace_back(send_loop, server.url(), i, std::cref(term_sent), std::cref(stop),
                           std::ref(acks), std::ref(senders[static_cast<size_t>(i)]));
    }
    const auto load_start = Clock::now();
    std::this_thread::sleep_for(500ms);
    while (acks.load() < 2 * kSenders) {  // really under load
      REQUIRE(Clock::now() - load_start < 30s);
      std::this_thread::sleep_for(10ms);
    }
    term_sent.store(true);
    serve.signal(SIGTERM);
    status = serve.wait(60s);
    INFO(read_file(log_path));
    REQUIRE(status.has_value());
  }
  threads.clear();  // joins: each sender stopped at its first error

  const std::string log = read_file(log_path);
  INFO(log);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  CHECK(log.find(R"("event":"stopping","signal":"SIGTERM")") != std::string::npos);
  CHECK(log.find(R"("event":"stopped","drained":true)") != std::string::npos);

  size_t acked = 0;
  for (const Sender& s : senders) {
    INFO("stopped by: " << s.last_error);
    CHECK(s.errors_before_term.empty());
    acked += s.acked.size();
  }
  REQUIRE(acked >= 2 * kSenders);

  engine::EngineOptions eo;
  eo.data_dir = data;
  auto opened = engine::Engine::open(eo);
  REQUIRE(opened.has_value());
  engine::Engine& engine = **opened;

  const LogPositions logged = positions_by_command(engine);
  std::map<std::string, std::vector<uint64_t>> positions = logged.by_command;
  for (const Sender& s : senders) {
    for (const Acked& a : s.acked) {
      INFO(a.id);
      REQUIRE(positions.contains(a.id));
      CHECK(positions[a.id] == std::vector<uint64_t>{a.position});
    }
  }
  const events::Head head = engine.head();
  CHECK(head.position.value == logged.scanned_to);  // the scan saw the whole log
  auto report = engine.verify(Position{1}, head.position);
  REQUIRE(report.has_value());
  INFO(report->reason);
  CHECK(report->ok);
  CHECK(report->checked == head.position.value);
}

}  // namespace
}  // namespace stockroom::testing::sigterm_test

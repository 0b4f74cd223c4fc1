// kill -9 under load: a child process appends in sync mode and reports every
// acknowledged command through a pipe; the parent kills it at a random moment, reopens
// the directory and checks that every acknowledged command is there, no command is
// partially there, and the hash chain verifies. Ten times over the same directory.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::Engine;

constexpr int kSteps = 4;  // one unit of work: receive, open a cart, add, check out
constexpr int kChildThreads = 8;

std::string unit_id(int64_t unit, int step) {
  return "u" + std::to_string(unit) + "-" + std::to_string(step);
}

// The command of step `step` of unit `unit`: a pure function of both, so the parent
// can rebuild any acknowledged command from its id and resend it.
CommandEnvelope unit_command(int64_t unit, int step) {
  const std::string u = std::to_string(unit);
  const Sku sku("p" + std::to_string(unit % 10));
  const CartId cart("cart-" + u);
  const Actor who = customer("cust-" + u);
  switch (step) {
    case 0:
      return envelope(unit_id(unit, 0), staff(), ReceiveStock{sku, Quantity{1}, ""});
    case 1:
      return envelope(unit_id(unit, 1), who,
                      OpenCart{cart, CustomerId("cust-" + u), Currency("EUR")});
    case 2:
      return envelope(unit_id(unit, 2), who, AddCartItem{cart, sku, Quantity{1}});
    default:
      return envelope(unit_id(unit, 3), who, CheckOutCart{cart, OrderId("order-" + u)});
  }
}

const std::vector<std::string>& expected_types(int step) {
  static const std::vector<std::vector<std::string>> kTypes = {
      {"StockReceived"},
      {"CartOpened"},
      {"CartItemAdded"},
      {"CartCheckedOut", "OrderPlaced", "StockReserved"}};
  return kTypes[step];
}

engine::EngineOptions crash_options(const std::string& dir) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kSync;
  return o;
}

// Runs in the forked child: never returns.
[[noreturn]] void child_main(const std::string& dir, int64_t first_unit, int fd) {
  auto opened = Engine::open(crash_options(dir));
  if (!opened) _exit(3);
  Engine& e = **opened;
  for (int i = 0; i < 10; ++i) {
    (void)e.execute(envelope("def-" + std::to_string(i), staff(),
                             DefineProduct{Sku("p" + std::to_string(i)), "P", eur(100)}));
  }
  std::atomic<int64_t> next_unit{first_unit};
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        const int64_t unit = next_unit.fetch_add(1);
        for (int step = 0; step < kSteps; ++step) {
          if (!e.execute(unit_command(unit, step))) break;
          const std::string line = unit_id(unit, step) + "\n";
          // One short write is atomic on a pipe: lines never interleave.
          if (::write(fd, line.data(), line.size()) < 0) _exit(4);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

std::vector<std::string> read_lines(int fd) {
  std::string all;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = all.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    lines.push_back(all.substr(pos, nl - pos));
  }
  return lines;
}

// Forks a child that appends until it is killed after `ms`; returns the acknowledged ids.
std::vector<std::string> run_and_kill(const std::string& dir, int64_t first_unit, int ms) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    child_main(dir, first_unit, fds[1]);
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));  // it was busy appending, not dead of something else
  auto acked = read_lines(fds[0]);
  ::close(fds[0]);
  return acked;
}

void check_after_crash(const std::string& dir, const std::vector<std::string>& acked) {
  auto opened = Engine::open(crash_options(dir));
  REQUIRE(opened.has_value());
  Engine& e = **opened;
  auto report = e.verify(Position{1}, e.head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);

  // No command is partially present: each command's events are all there, in order.
  auto all = e.events_from(Position{1}, 100'000'000);
  REQUIRE(all.has_value());
  std::map<std::string, std::vector<std::string>> by_command;
  for (const auto& ev : *all) {
    by_command[ev.event.command_id.str()].emplace_back(event_type_name(ev.event.data));
  }
  for (const auto& [id, types] : by_command) {
    if (!id.starts_with("u")) continue;
    const int step = id.back() - '0';
    INFO("command " << id);
    CHECK(types == expected_types(step));
  }
  // Every acknowledged command is there: resending it is a duplicate.
  for (const std::string& id : acked) {
    const auto dash = id.find('-');
    const int64_t unit = std::stoll(id.substr(1, dash - 1));
    const int step = std::stoi(id.substr(dash + 1));
    INFO("acknowledged " << id);
    CHECK(by_command.contains(id));
    auto again = e.execute(unit_command(unit, step));
    REQUIRE(again.has_value());
    CHECK(again->duplicate);
  }
}

}  // namespace

TEST_CASE("every acknowledged command survives kill -9, none is half there",
          "[engine][crash][slow]") {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  size_t total_acked = 0;
  for (int round = 0; round < 10; ++round) {
    const int ms = std::uniform_int_distribution<int>(150, 700)(rng);
    auto acked = run_and_kill(dir.str(), int64_t{round} * 1'000'000, ms);
    INFO("round " << round << " killed after " << ms << " ms with " << acked.size() << " acks");
    check_after_crash(dir.str(), acked);
    total_acked += acked.size();
  }
  CHECK(total_acked > 100);  // the child really was under load when killed
}

}  // namespace stockroom::testing

// Read models kept by the engine: same batch as the events, queries, as_of, rebuild
// (byte-for-byte equal, crash-safe) and a projection registered later.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/view_dump.h"
#include "engine/support/workload.h"
#include "events/support/raw_store.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::Engine;

engine::EngineOptions view_options(const std::string& dir) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  o.expiry_interval = Duration{3600LL * 1'000'000};
  return o;
}

std::unique_ptr<Engine> open_engine(const engine::EngineOptions& o) {
  auto e = Engine::open(o);
  REQUIRE(e.has_value());
  return std::move(*e);
}

// Runs the random store workload from 8 threads until `total` commands were sent.
void run_workload(Engine& e, uint64_t total) {
  std::atomic<uint64_t> sent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Shopper shopper(e, t, 99);
      while (sent.load() < total) {
        const uint64_t before = shopper.commands();
        shopper.run(50);
        sent.fetch_add(shopper.commands() - before);
      }
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace

TEST_CASE("views change in the same batch as the events and carry the head position",
          "[engine][views]") {
  TempDir dir;
  auto e = open_engine(view_options(dir.str()));
  REQUIRE(e->execute(envelope("d", staff(), DefineProduct{Sku("A"), "Lamp", eur(4900)})));
  auto r = e->execute(envelope("r", staff(), ReceiveStock{Sku("A"), Quantity{7}, ""}));
  REQUIRE(r.has_value());
  auto v = e->view("stock", "A");
  REQUIRE(v.has_value());
  REQUIRE(v->has_value());
  CHECK_THAT(**v, Catch::Contains("\"on_hand\":7"));
  CHECK_THAT(**v, Catch::Contains("\"position\":2"));
  for (const char* name : {"order", "stock", "rating", "cart"}) {
    auto p = e->view_position(name);
    REQUIRE(p.has_value());
    CHECK(*p == e->head().position);
  }
  auto missing = e->view("stock", "nope");
  REQUIRE(missing.has_value());
  CHECK_FALSE(missing->has_value());
  auto unknown = e->view("weather", "A");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == ErrorCode::kNotFound);
}

TEST_CASE("as_of folds a stream up to a position or a time", "[engine][views]") {
  TempDir dir;
  auto clock = std::make_shared<std::atomic<int64_t>>(1'700'000'000'000'000);
  auto o = view_options(dir.str());
  o.clock = [clock] { return Timestamp{clock->load()}; };
  auto e = open_engine(o);
  REQUIRE(e->execute(envelope("d", staff(), DefineProduct{Sku("A"), "Chair", eur(4000)})));
  clock->fetch_add(1'000'000);
  auto at = e->execute(envelope("r1", staff(), ReceiveStock{Sku("A"), Quantity{5}, ""}));
  REQUIRE(at.has_value());
  const Timestamp t_first{clock->load()};
  clock->fetch_add(1'000'000);
  REQUIRE(e->execute(envelope("r2", staff(), ReceiveStock{Sku("A"), Quantity{20}, ""})));

  auto by_position = e->as_of("product-A", at->position);
  REQUIRE(by_position.has_value());
  CHECK_THAT(*by_position, Catch::Contains("\"on_hand\":5"));
  auto first = e->as_of("product-A", Position{1});
  REQUIRE(first.has_value());
  CHECK_THAT(*first, Catch::Contains("\"on_hand\":0"));
  auto later = e->as_of("product-A", Position{1'000'000});
  REQUIRE(later.has_value());
  CHECK_THAT(*later, Catch::Contains("\"on_hand\":25"));
  auto by_time = e->as_of("product-A", t_first);
  REQUIRE(by_time.has_value());
  CHECK_THAT(*by_time, Catch::Contains("\"on_hand\":5"));
  auto before = e->as_of("product-A", Timestamp{t_first.micros - 2'000'000});
  REQUIRE_FALSE(before.has_value());
  CHECK(before.error().code == ErrorCode::kNotFound);
  CHECK(*later == **e->view("stock", "A"));  // the fold equals the view kept live
}

TEST_CASE("the event feed filters by type", "[engine][views]") {
  TempDir dir;
  auto e = open_engine(view_options(dir.str()));
  stock_products(*e, 3);
  auto received = e->events_from(Position{1}, 1000, {"StockReceived"});
  REQUIRE(received.has_value());
  CHECK(received->size() == kProducts);
  for (const auto& ev : *received) CHECK(std::holds_alternative<StockReceived>(ev.event.data));
  auto limited = e->events_from(Position{1}, 3, {"ProductDefined", "StockReceived"});
  REQUIRE(limited.has_value());
  CHECK(limited->size() == 3);
}

TEST_CASE("a long range is read in two halves at once and comes back whole and in order",
          "[engine][views]") {
  TempDir dir;
  auto e = open_engine(view_options(dir.str()));
  stock_products(*e, 1);
  for (int i = 0; i < 1600; ++i) {  // well over the 512 events read_decoded splits at
    REQUIRE(e->execute(envelope("more-" + std::to_string(i), staff(),
                                ReceiveStock{Sku(sku_name(i % kProducts)), Quantity{1}, ""})));
  }
  const uint64_t head = e->head().position.value;
  REQUIRE(head > 1500);
  // One long read (split between two threads) against short ones (never split).
  auto whole = e->events_from(Position{7}, 1200);
  REQUIRE(whole.has_value());
  REQUIRE(whole->size() == 1200);
  std::vector<engine::LoggedEvent> pieces;
  for (uint64_t p = 7; pieces.size() < 1200;) {
    auto piece = e->events_from(Position{p}, std::min<size_t>(100, 1200 - pieces.size()));
    REQUIRE(piece.has_value());
    REQUIRE_FALSE(piece->empty());
    p = piece->back().event.position.value + 1;
    pieces.insert(pieces.end(), piece->begin(), piece->end());
  }
  for (size_t i = 0; i < whole->size(); ++i) {
    CHECK((*whole)[i].event.position.value == 7 + i);
    CHECK((*whole)[i].event == pieces[i].event);
    CHECK((*whole)[i].hash == pieces[i].hash);
  }
  // Past the head: only what exists, still whole.
  auto tail = e->events_from(Position{head - 600}, 5000);
  REQUIRE(tail.has_value());
  CHECK(tail->size() == 601);
  CHECK(tail->back().event.position.value == head);
}

TEST_CASE("a damaged record in the upper half of a long read fails that read and nothing else",
          "[engine][views]") {
  TempDir dir;
  {
    auto e = open_engine(view_options(dir.str()));
    stock_products(*e, 1);
    for (int i = 0; i < 1200; ++i) {
      REQUIRE(e->execute(envelope("more-" + std::to_string(i), staff(),
                                  ReceiveStock{Sku(sku_name(i % kProducts)), Quantity{1}, ""})));
    }
  }
  {
    // Behind the log's back: position 1000 no longer holds a FlatBuffers record.
    events::testing::RawStore raw(dir.str());
    raw.put("log", events::testing::be64(1000), "not a record");
  }
  auto e = open_engine(view_options(dir.str()));
  auto whole = e->events_from(Position{1}, 1200);  // read in two halves; 1000 is in the upper
  REQUIRE_FALSE(whole.has_value());
  CHECK(whole.error().code == ErrorCode::kMalformed);
  auto below = e->events_from(Position{1}, 999);  // everything before the damage still reads
  REQUIRE(below.has_value());
  CHECK(below->size() == 999);
}

TEST_CASE("a rebuild after 100,000 random commands is byte-for-byte the live views",
          "[engine][views][slow]") {
  TempDir dir;
  auto e = open_engine(view_options(dir.str()));
  stock_products(*e, 200);
  run_workload(*e, 100'000);
  CHECK(e->stats().commands_accepted + e->stats().commands_refused >= 100'000);
  const ViewDump live = dump(*e);
  CHECK(live.at("order").size() > 1000);
  CHECK(live.at("cart").size() > 1000);
  CHECK(live.at("rating").size() > 0);
  uint64_t progress_calls = 0;
  auto report = e->rebuild("", [&](std::string_view, Position, Position) { ++progress_calls; });
  REQUIRE(report.has_value());
  CHECK(report->views.size() == 4);
  CHECK(report->events == 4 * e->head().position.value);
  CHECK(progress_calls >= 4);
  WARN("rebuild of 4 views: " << report->events << " events in " << report->seconds
                              << " s = " << static_cast<uint64_t>(report->events / report->seconds)
                              << " events/s");
  const ViewDump rebuilt = dump(*e);
  for (const auto& [name, rows] : live) {
    INFO("view " << name);
    CHECK(rebuilt.at(name) == rows);
  }
  // Live updates go on in the new generation.
  REQUIRE(e->execute(envelope("after", staff(), ReceiveStock{Sku(sku_name(0)), Quantity{1}, ""})));
  CHECK(e->view_position("stock").value() == e->head().position);
}

TEST_CASE("one view rebuilds alone and the others are untouched", "[engine][views]") {
  TempDir dir;
  auto e = open_engine(view_options(dir.str()));
  stock_products(*e, 5);
  run_workload(*e, 2'000);
  const ViewDump before = dump(*e);
  auto report = e->rebuild("stock");
  REQUIRE(report.has_value());
  CHECK(report->views == std::vector<std::string>{"stock"});
  CHECK(dump(*e) == before);
  auto unknown = e->rebuild("weather");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == ErrorCode::kNotFound);
}

TEST_CASE("a crash during a rebuild leaves the old views in use, never a mix",
          "[engine][views][crash][slow]") {
  TempDir dir;
  ViewDump before;
  {
    auto e = open_engine(view_options(dir.str()));
    stock_products(*e, 50);
    run_workload(*e, 20'000);
    before = dump(*e);
  }
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto opened = Engine::open(view_options(dir.str()));
      if (!opened) _exit(3);
      // Reports every chunk, so the parent can kill it in the middle of the work.
      (void)(*opened)->rebuild("", [&](std::string_view, Position, Position) {
        if (::write(fds[1], "p", 1) < 0) _exit(4);
      });
      _exit(0);
    }
    ::close(fds[1]);
    const int chunks = std::uniform_int_distribution<int>(1, 12)(rng);
    char c;
    for (int i = 0; i < chunks && ::read(fds[0], &c, 1) == 1; ++i) {
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    ::close(fds[0]);
    INFO("round " << round << " killed after " << chunks << " chunks");
    auto e = open_engine(view_options(dir.str()));
    CHECK(dump(*e) == before);
  }
  auto e = open_engine(view_options(dir.str()));
  REQUIRE(e->rebuild("").has_value());
  CHECK(dump(*e) == before);
}

TEST_CASE("a projection registered later catches up from the log when the engine opens",
          "[engine][views]") {
  TempDir dir;
  auto only_stock = view_options(dir.str());
  std::shared_ptr<const projections::Projection> stock;
  for (const auto& p : only_stock.projections) {
    if (p->name() == "stock") stock = p;
  }
  only_stock.projections = {stock};
  REQUIRE(only_stock.projections.size() == 1);
  {
    auto e = open_engine(only_stock);
    stock_products(*e, 5);
    run_workload(*e, 2'000);
    auto orders = e->view("order", "x");
    REQUIRE_FALSE(orders.has_value());  // not registered: no such view
  }
  auto e = open_engine(view_options(dir.str()));  // order, rating, cart registered now
  for (const char* name : {"order", "stock", "rating", "cart"}) {
    CHECK(e->view_position(name).value() == e->head().position);
  }
  const ViewDump caught_up = dump(*e);
  CHECK(caught_up.at("order").size() > 10);
  REQUIRE(e->rebuild("").has_value());
  CHECK(dump(*e) == caught_up);  // catching up gives what a rebuild gives
}

}  // namespace stockroom::testing

namespace stockroom::testing {

// The writer keeps the views it changed decoded between groups (view_cache_bytes).
// Whether the cache holds every view, a few (evicting all the time) or none, the
// stored views are the same bytes a rebuild folds from the log, and the cache is used
// exactly when it has room.
TEST_CASE("the decoded-view cache, large, tiny or off, leaves the views a rebuild folds",
          "[engine][views]") {
  for (const size_t budget : {size_t{4} << 20, size_t{600}, size_t{0}}) {
    DYNAMIC_SECTION("view_cache_bytes " << budget) {
      TempDir dir;
      auto o = view_options(dir.str());
      o.view_cache_bytes = budget;
      auto e = open_engine(o);
      stock_products(*e, 200);
      // Each product three times in a row: the second and third find it cached.
      for (int i = 0; i < 120; ++i) {
        const std::string sku = sku_name((i / 3) % kProducts);
        REQUIRE(e->execute(
            envelope("r" + std::to_string(i), staff(), ReceiveStock{Sku(sku), Quantity{1}, ""})));
      }
      run_workload(*e, 3'000);
      const uint64_t hits = e->stats().view_cache_hits;
      if (budget == 0) {
        CHECK(hits == 0);
      } else {
        CHECK(hits >= 80);
      }
      const ViewDump live = dump(*e);
      REQUIRE(e->rebuild(""));
      CHECK(dump(*e) == live);
    }
  }
}

}  // namespace stockroom::testing

// One big cart must not slow everyone: the engine caps lines per cart
// (EngineOptions::max_cart_lines), and what a command on a cart costs the single
// writer is measured for a full cart against a one-line cart (printed, not asserted:
// timings vary with the machine; docs/engine.md has the figures).
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::Engine;

std::unique_ptr<Engine> open_engine(const TempDir& dir, size_t max_cart_lines) {
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.durability = events::Durability::kNone;  // the writer's work, not the fsync, is measured
  o.max_cart_lines = max_cart_lines;
  auto e = Engine::open(o);
  REQUIRE(e.has_value());
  return std::move(*e);
}

std::string line_sku(size_t i) { return "L" + std::to_string(i); }

// Waits for every command and requires each to be accepted.
void require_all(std::vector<std::future<Result<engine::CommandResult>>>& futures) {
  for (auto& f : futures) {
    auto r = f.get();
    INFO((r ? std::string("ok") : r.error().message));
    REQUIRE(r.has_value());
  }
  futures.clear();
}

// Defines products L0..L<lines-1> and opens cart `cart` for ann holding one of each.
void fill_cart(Engine& e, const std::string& cart, size_t lines) {
  std::vector<std::future<Result<engine::CommandResult>>> futures;
  for (size_t i = 0; i < lines; ++i) {
    futures.push_back(e.submit(envelope("def-" + cart + "-" + line_sku(i), staff(),
                                        DefineProduct{Sku(line_sku(i)), "Line", eur(100)})));
  }
  require_all(futures);
  const Actor ann = customer("ann");
  REQUIRE(e.execute(
      envelope("open-" + cart, ann, OpenCart{CartId(cart), CustomerId("ann"), Currency("EUR")})));
  for (size_t i = 0; i < lines; ++i) {
    futures.push_back(e.submit(envelope("add-" + cart + "-" + line_sku(i), ann,
                                        AddCartItem{CartId(cart), Sku(line_sku(i)), Quantity{1}})));
  }
  require_all(futures);
}

// Microseconds per command for `count` commands, one at a time (each its own group),
// that add a unit to lines of `cart`; `round` keeps their ids apart.
double micros_per_command(Engine& e, const std::string& cart, size_t lines, int count,
                          const std::string& round) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    const std::string sku = line_sku(static_cast<size_t>(i) % lines);
    auto r = e.execute(envelope(round + "-" + cart + "-" + std::to_string(i), customer("ann"),
                                AddCartItem{CartId(cart), Sku(sku), Quantity{1}}));
    REQUIRE(r.has_value());
    REQUIRE_FALSE(r->duplicate);
  }
  const auto spent = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::micro>(spent).count() / count;
}

}  // namespace

TEST_CASE("a cart takes max_cart_lines lines and refuses a new one beyond", "[engine][cart]") {
  TempDir dir;
  auto e = open_engine(dir, 3);
  fill_cart(*e, "c1", 3);
  REQUIRE(e->execute(envelope("def-x", staff(), DefineProduct{Sku("X"), "X", eur(100)})));
  auto refused = e->execute(
      envelope("add-x", customer("ann"), AddCartItem{CartId("c1"), Sku("X"), Quantity{1}}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kAmountExceeded);
  CHECK(e->execute(envelope("more-l0", customer("ann"),
                            AddCartItem{CartId("c1"), Sku(line_sku(0)), Quantity{1}})));
}

TEST_CASE("a command on a full cart costs about what one on a one-line cart costs",
          "[engine][cart][timing]") {
  constexpr size_t kLines = kDefaultMaxCartLines;
  constexpr int kCommands = 40;
  TempDir small_dir, big_dir;
  auto small = open_engine(small_dir, kLines);
  auto big = open_engine(big_dir, kLines);
  fill_cart(*small, "small", 1);
  fill_cart(*big, "big", kLines);
  // Warm both (cache misses, first table reads), then measure.
  static_cast<void>(micros_per_command(*small, "small", 1, 5, "warm"));
  static_cast<void>(micros_per_command(*big, "big", kLines, 5, "warm"));
  const double one_line = micros_per_command(*small, "small", 1, kCommands, "timed");
  const double full = micros_per_command(*big, "big", kLines, kCommands, "timed");
  WARN(kCommands << " commands on a " << kLines << "-line cart: " << full
                 << " us each; on a 1-line cart: " << one_line << " us each (ratio "
                 << full / one_line << ")");
  auto view = big->view("cart", "big");
  REQUIRE(view.has_value());
  REQUIRE(view->has_value());
  CHECK_THAT(**view, Catch::Contains(R"("sku":"L0","quantity":)"));
}

}  // namespace stockroom::testing

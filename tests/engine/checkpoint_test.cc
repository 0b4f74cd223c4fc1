// Engine::checkpoint while commands run: the copy holds whole groups (events, indexes,
// views and their checkpoints from one WriteBatch), so every view in it is at its head
// and equal to a rebuild of its log, and an engine opened on it takes commands.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/support/checkpoint_check.h"
#include "engine/support/commands.h"
#include "engine/support/view_dump.h"
#include "engine/support/workload.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

engine::EngineOptions checkpoint_options(const std::string& dir) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  o.expiry_interval = Duration{3600LL * 1'000'000};
  return o;
}

std::unique_ptr<engine::Engine> open_engine(const std::string& dir) {
  auto e = engine::Engine::open(checkpoint_options(dir));
  INFO((e ? std::string() : e.error().message));
  REQUIRE(e.has_value());
  return std::move(*e);
}

TEST_CASE(
    "a checkpoint taken while commands run holds whole groups: views at its head, "
    "equal to a rebuild, and it takes commands",
    "[engine][checkpoint]") {
  TempDir dir;
  auto e = open_engine(dir.sub("data"));
  stock_products(*e, 1000);
  std::atomic<bool> stop{false};
  std::vector<std::thread> shoppers;
  for (int t = 0; t < 4; ++t) {
    shoppers.emplace_back([&, t] {
      Shopper shopper(*e, t, 7);
      while (!stop.load()) shopper.run(10);
    });
  }
  while (e->head().position.value < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const Position before = e->head().position;
  auto head = e->checkpoint(dir.sub("copy"));
  const Position after = e->head().position;
  stop.store(true);
  for (auto& t : shoppers) t.join();
  REQUIRE(head.has_value());
  CHECK(head->position >= before);
  CHECK(head->position <= after);
  CHECK(after > before);  // commands went on while the copy was made

  check_copy_as_written(dir.sub("copy"), *head);
  auto copy = open_engine(dir.sub("copy"));
  CHECK(copy->head().position == head->position);
  const ViewDump as_copied = dump(*copy);
  CHECK(as_copied.at("order").size() > 10);
  REQUIRE(copy->rebuild("").has_value());
  const ViewDump rebuilt = dump(*copy);
  for (const auto& [name, rows] : as_copied) {
    INFO("view " << name);
    CHECK(rebuilt.at(name) == rows);
  }
  auto received = copy->execute(
      envelope("after-copy", staff(), ReceiveStock{Sku(sku_name(0)), Quantity{1}, ""}));
  REQUIRE(received.has_value());
  CHECK(received->position.value == head->position.value + 1);
}

}  // namespace
}  // namespace stockroom::testing

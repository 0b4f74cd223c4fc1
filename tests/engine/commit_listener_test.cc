// The commit listener: what pushes to consumers are built from. It must see every
// durable event exactly once, in position order, with the hash the log keeps, and the
// views as the group left them.
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/workload.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

struct Recorder {
  std::mutex mutex;
  std::vector<engine::CommittedGroup> groups;
};

std::unique_ptr<engine::Engine> open_with(const std::string& dir, Recorder& rec) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kSync;
  o.on_commit = [&rec](engine::CommittedGroup&& g) {
    std::lock_guard lock(rec.mutex);
    rec.groups.push_back(std::move(g));
  };
  auto e = engine::Engine::open(o);
  REQUIRE(e.has_value());
  return std::move(*e);
}

TEST_CASE("the commit listener sees each durable event once, in order, with its hash",
          "[engine][listener]") {
  TempDir dir;
  Recorder rec;
  auto e = open_with(dir.str(), rec);
  stock_products(*e, 50);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { Shopper(*e, t).run(150); });
  }
  for (auto& t : threads) t.join();
  // A refused command writes nothing and is not told.
  auto refused = e->execute(envelope("bad", staff(), ReceiveStock{Sku("nope"), Quantity{1}, ""}));
  REQUIRE_FALSE(refused.has_value());

  std::lock_guard lock(rec.mutex);
  std::vector<engine::LoggedEvent> seen;
  for (auto& g : rec.groups) {
    CHECK_FALSE(g.events.empty());
    CHECK(g.commands >= 1);
    for (auto& ev : g.events) seen.push_back(ev);
  }
  const uint64_t head = e->head().position.value;
  REQUIRE(seen.size() == head);
  auto logged = e->events_from(Position{1}, head);
  REQUIRE(logged.has_value());
  for (size_t i = 0; i < seen.size(); ++i) {
    INFO("position " << i + 1);
    REQUIRE(seen[i].event.position.value == i + 1);
    CHECK(seen[i].hash == (*logged)[i].hash);
    CHECK(seen[i].event == (*logged)[i].event);
  }
}

TEST_CASE("the commit listener gets the views as the group left them, without aux entries",
          "[engine][listener]") {
  TempDir dir;
  Recorder rec;
  auto e = open_with(dir.str(), rec);
  REQUIRE(e->execute(envelope("d", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
  REQUIRE(e->execute(envelope("r", staff(), ReceiveStock{Sku("A"), Quantity{4}, ""})));
  REQUIRE(e->execute(
      envelope("o", customer("c"), OpenCart{CartId("k"), CustomerId("c"), Currency("EUR")})));
  REQUIRE(
      e->execute(envelope("a", customer("c"), AddCartItem{CartId("k"), Sku("A"), Quantity{1}})));

  std::lock_guard lock(rec.mutex);
  REQUIRE(rec.groups.size() == 4);
  const auto& last = rec.groups.back();
  bool cart = false;
  for (const auto& v : last.views) {
    CHECK_FALSE(v.key.starts_with('\x01'));
    CHECK(e->view(v.view, v.key).value() == v.json);
    cart = cart || (v.view == "cart" && v.key == "k");
  }
  CHECK(cart);
  const auto& receipt = rec.groups[1];
  REQUIRE(receipt.views.size() == 1);
  CHECK(receipt.views[0].view == "stock");
  CHECK(receipt.views[0].json.find("\"on_hand\":4") != std::string::npos);
}

}  // namespace
}  // namespace stockroom::testing

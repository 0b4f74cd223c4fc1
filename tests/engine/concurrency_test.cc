// 8 threads run a random store workload on 20 products against one engine; then
// every invariant of domain.md is checked on the log.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "engine/domain/evolve.h"
#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/workload.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::Engine;

constexpr int kThreads = 8;
constexpr int kStepsPerThread = 250;

struct StockSums {
  int64_t received = 0, adjusted = 0, reserved = 0, released = 0, shipped = 0, returned = 0;
};

}  // namespace

TEST_CASE("8 threads of random store traffic keep every invariant", "[engine][concurrency][slow]") {
  TempDir dir;
  engine::EngineOptions options;
  options.data_dir = dir.str();
  options.durability = events::Durability::kNone;  // the invariants, not the fsyncs, are under test
  options.cache_capacity = 64;                     // small: misses fold from the log under load
  auto opened = Engine::open(options);
  REQUIRE(opened.has_value());
  Engine& e = **opened;
  for (int i = 0; i < kProducts; ++i) {
    REQUIRE(e.execute(envelope("def-" + std::to_string(i), staff(),
                               DefineProduct{Sku(sku_name(i)), "P", eur(100 + 50 * i)})));
    REQUIRE(e.execute(envelope("rcv-" + std::to_string(i), staff(),
                               ReceiveStock{Sku(sku_name(i)), Quantity{30}, ""})));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&e, t] { Shopper(e, t).run(kStepsPerThread); });
  }
  for (auto& th : threads) th.join();

  auto all = e.events_from(Position{1}, 10'000'000);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == e.head().position.value);

  std::map<std::string, uint64_t> versions;
  std::map<std::string, StockSums> sums;
  std::map<std::string, ProductState> products;
  std::map<std::string, OrderState> orders;
  for (size_t i = 0; i < all->size(); ++i) {
    const RecordedEvent& ev = (*all)[i].event;
    REQUIRE(ev.position.value == i + 1);                 // no position gaps
    REQUIRE(ev.version.value == ++versions[ev.stream]);  // no version gaps
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (requires {
                          d.sku;
                          d.quantity;
                        }) {
            StockSums& s = sums[d.sku.str()];
            if constexpr (std::is_same_v<T, StockReceived>) s.received += d.quantity.value;
            if constexpr (std::is_same_v<T, StockReserved>) s.reserved += d.quantity.value;
            if constexpr (std::is_same_v<T, StockReleased>) s.released += d.quantity.value;
            if constexpr (std::is_same_v<T, StockShipped>) s.shipped += d.quantity.value;
            if constexpr (std::is_same_v<T, StockReturned>) s.returned += d.quantity.value;
          }
          if constexpr (std::is_same_v<T, StockAdjusted>)
            sums[d.sku.str()].adjusted += d.delta.value;
        },
        ev.data);
    if (ev.stream.starts_with("product-")) evolve(products[ev.stream], ev.data, ev.time);
    if (ev.stream.starts_with("order-")) evolve(orders[ev.stream], ev.data, ev.time);
  }

  std::map<std::string, int64_t> held_by_orders;  // reserved quantity by live orders
  size_t paid_or_later = 0;
  for (const auto& [stream, o] : orders) {
    for (const PaymentState& p : o.payments) {
      CHECK(p.captured - p.refunded >= 0);
      CHECK(p.captured - p.refunded <= p.authorized);
    }
    if (o.status == OrderStatus::kAwaitingPayment || o.status == OrderStatus::kPaid) {
      for (const OrderLine& l : o.lines) held_by_orders[l.sku.str()] += l.quantity.value;
    }
    if (o.status != OrderStatus::kAwaitingPayment) ++paid_or_later;
  }
  CHECK(orders.size() > 50);  // the workload really placed orders
  CHECK(paid_or_later > 10);  // and moved some along their lifecycle
  for (int i = 0; i < kProducts; ++i) {
    const ProductState& p = products["product-" + sku_name(i)];
    const StockSums& s = sums[sku_name(i)];
    INFO(sku_name(i));
    CHECK(p.available() >= 0);
    CHECK(p.reserved <= p.on_hand);
    CHECK(s.reserved - s.released - s.shipped == p.reserved);
    CHECK(s.received + s.adjusted - s.shipped + s.returned == p.on_hand);
    CHECK(held_by_orders[sku_name(i)] == p.reserved);
  }
  auto report = e.verify(Position{1}, e.head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);
}

}  // namespace stockroom::testing

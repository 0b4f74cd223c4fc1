// 8 threads run a random store workload on 20 products against one engine; then
// every invariant of domain.md is checked on the log.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/evolve.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::Engine;

constexpr int kProducts = 20;
constexpr int kThreads = 8;
constexpr int kStepsPerThread = 250;

std::string sku_name(int i) { return "sku-" + std::to_string(i); }

// One thread's customers and orders; every id is prefixed by the thread number.
class Shopper {
 public:
  Shopper(Engine& engine, int thread) : e_(engine), t_(thread), rng_(1234 + thread) {}

  void run() {
    for (int step = 0; step < kStepsPerThread; ++step) act(pick(9));
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string id(const char* kind) { return fmt_id(kind, ++seq_); }
  std::string fmt_id(const char* kind, int n) {
    return std::string(kind) + "-" + std::to_string(t_) + "-" + std::to_string(n);
  }
  Result<engine::CommandResult> exec(Actor a, Command c) {
    return e_.execute(envelope(id("cmd"), std::move(a), std::move(c)));
  }

  void act(int what) {
    switch (what) {
      case 0:
        receive();
        break;
      case 1:
        adjust();
        break;
      case 2:
      case 3:
      case 4:
        buy();
        break;
      case 5:
        pay();
        break;
      case 6:
        ship_or_deliver();
        break;
      case 7:
        cancel();
        break;
      default:
        refund_or_return();
        break;
    }
  }

  void receive() {
    (void)exec(staff(), ReceiveStock{Sku(sku_name(pick(kProducts))), Quantity{1 + pick(5)}, ""});
  }
  void adjust() {
    (void)exec(staff(),
               AdjustStock{Sku(sku_name(pick(kProducts))), Quantity{pick(2) ? 2 : -3}, "count"});
  }

  void buy() {
    const std::string who = fmt_id("cust", pick(4));
    const std::string cart = id("cart");
    const std::string order = id("order");
    if (!exec(customer(who), OpenCart{CartId(cart), CustomerId(who), Currency("EUR")})) return;
    for (int i = 0, n = 1 + pick(3); i < n; ++i) {
      (void)exec(customer(who),
                 AddCartItem{CartId(cart), Sku(sku_name(pick(kProducts))), Quantity{1 + pick(3)}});
    }
    if (exec(customer(who), CheckOutCart{CartId(cart), OrderId(order)})) orders_.push_back(order);
  }

  std::string some_order() {
    return orders_.empty() ? "none" : orders_[pick(static_cast<int>(orders_.size()))];
  }

  void pay() {
    const std::string order = some_order();
    auto h = e_.history("order-" + order, StreamVersion{1}, 1);
    if (!h || h->empty()) return;
    const auto& placed = std::get<OrderPlaced>(h->front().event.data);
    const std::string pay = id("pay");
    if (exec(service(), AuthorizePayment{OrderId(order), PaymentId(pay), placed.total, ""})) {
      (void)exec(service(), CapturePayment{OrderId(order), PaymentId(pay), std::nullopt});
      payments_.emplace_back(order, pay);
    }
  }

  void ship_or_deliver() {
    const std::string order = some_order();
    if (!exec(staff(), ShipOrder{OrderId(order), "DHL", ""}))
      (void)exec(staff(), DeliverOrder{OrderId(order)});
  }

  void cancel() { (void)exec(staff(), CancelOrder{OrderId(some_order()), "test"}); }

  void refund_or_return() {
    if (pick(2) == 0 && !payments_.empty()) {
      const auto& [order, pay] = payments_[pick(static_cast<int>(payments_.size()))];
      (void)exec(service(),
                 RefundPayment{OrderId(order), PaymentId(pay), eur(1 + pick(300)), "goodwill"});
      return;
    }
    const std::string order = some_order();
    auto h = e_.history("order-" + order, StreamVersion{1}, 1);
    if (!h || h->empty()) return;
    const auto& line = std::get<OrderPlaced>(h->front().event.data).lines.front();
    (void)exec(staff(),
               ReturnOrderItems{OrderId(order), {ReturnLine{line.sku, Quantity{1}}}, pick(2) == 0});
  }

  Engine& e_;
  int t_;
  std::mt19937 rng_;
  int seq_ = 0;
  std::vector<std::string> orders_;
  std::vector<std::pair<std::string, std::string>> payments_;
};

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
    threads.emplace_back([&e, t] { Shopper(e, t).run(); });
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

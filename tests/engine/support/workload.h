// A random store workload for engine tests: each Shopper acts for its own customers
// and orders (ids prefixed by its number) against a shared engine.
#pragma once

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"

namespace stockroom::testing {

inline constexpr int kProducts = 20;

inline std::string sku_name(int i) { return "sku-" + std::to_string(i); }

// Defines kProducts products with `on_hand` units each.
inline void stock_products(engine::Engine& e, int64_t on_hand) {
  for (int i = 0; i < kProducts; ++i) {
    (void)e.execute(envelope("def-" + std::to_string(i), staff(),
                             DefineProduct{Sku(sku_name(i)), "P", eur(100 + 50 * i)}));
    (void)e.execute(envelope("rcv-" + std::to_string(i), staff(),
                             ReceiveStock{Sku(sku_name(i)), Quantity{on_hand}, ""}));
  }
}

// One thread's customers and orders; every id is prefixed by the thread number.
class Shopper {
 public:
  Shopper(engine::Engine& engine, int thread, int seed = 1234)
      : e_(engine), t_(thread), rng_(seed + thread) {}

  // Takes `steps` random actions (each one to a few commands).
  void run(int steps) {
    for (int step = 0; step < steps; ++step) act(pick(9));
  }

  [[nodiscard]] uint64_t commands() const { return commands_; }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string id(const char* kind) { return fmt_id(kind, ++seq_); }
  std::string fmt_id(const char* kind, int n) {
    return std::string(kind) + "-" + std::to_string(t_) + "-" + std::to_string(n);
  }
  Result<engine::CommandResult> exec(Actor a, Command c) {
    ++commands_;
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
    if (exec(staff(), ShipOrder{OrderId(order), "DHL", ""})) return;
    if (exec(staff(), DeliverOrder{OrderId(order)})) rate(order);
  }

  // The order's customer rates its first line; now and then staff rejects it, or the
  // customer revises it.
  void rate(const std::string& order) {
    auto h = e_.history("order-" + order, StreamVersion{1}, 1);
    if (!h || h->empty()) return;
    const auto& placed = std::get<OrderPlaced>(h->front().event.data);
    const Sku sku = placed.lines.front().sku;
    const std::string who = placed.customer_id.str();
    if (!exec(customer(who), SubmitRating{OrderId(order), sku, 1 + pick(5), ""})) return;
    if (pick(4) == 0) (void)exec(staff(), RejectRating{sku, placed.customer_id, "spam"});
    if (pick(4) == 0)
      (void)exec(customer(who), SubmitRating{OrderId(order), sku, 1 + pick(5), "revised"});
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

  engine::Engine& e_;
  int t_;
  std::mt19937 rng_;
  int seq_ = 0;
  uint64_t commands_ = 0;
  std::vector<std::string> orders_;
  std::vector<std::pair<std::string, std::string>> payments_;
};

}  // namespace stockroom::testing

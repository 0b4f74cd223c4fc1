// StoreWorkload: a deterministic store mix for benchmarks (rebuild_bench fills a log
// with it; the store-mix throughput bench of issue 5 reuses it).
//
// setup() defines the catalogue and receives its first stock. Each step() is one
// shopping round: a customer opens a cart, adds 1-5 items (now and then removes one
// or abandons the cart), checks out (restocking what is short and retrying once),
// pays (authorize + capture; now and then a declined payment is failed and retried,
// or the customer cancels before paying); then the paid order of `fulfilment_lag`
// rounds ago is fulfilled: shipped and delivered, or cancelled by staff and refunded;
// after delivery the customer sometimes rates an item (staff sometimes rejects the
// rating) and sometimes returns one unit, which is refunded. Around that the store
// receives deliveries, counts stock and reprices products.
//
// Deterministic: the same seed, id prefix and starting log give the same commands
// (its own RNG, independent of the standard library's distributions). Single-threaded:
// every command goes through Engine::execute and the next one is chosen from its
// result. Prices are tracked here (this workload is the only writer), so order totals
// need no read; a refused authorization falls back to reading the order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bench/support/measure.h"
#include "engine/engine.h"

namespace stockroom::bench {

struct StoreMixOptions {
  uint64_t seed = 42;
  int products = 1000;
  int customers = 20'000;
  int64_t initial_stock = 100;  // units received per product by setup()
  int64_t restock_lot = 200;    // units added beyond a shortage when restocking
  size_t fulfilment_lag = 16;   // rounds between payment and shipping of an order
  std::string prefix = "m";     // of every command, cart, order and payment id
  std::string currency = "EUR";
  // Other writers reprice the same products (several workloads sharing a catalogue):
  // the tracked prices may be stale, so each placed order's total is read back from
  // its OrderPlaced event, as a client reads the order view after checkout.
  bool read_totals = false;
};

struct StoreMixStats {
  uint64_t rounds = 0;
  uint64_t commands = 0;  // submitted
  // Of them, refused by the rules in a way the mix provokes and handles: a checkout
  // short of stock (restocked and retried), a stock count below what is reserved, a
  // product already defined by an earlier setup.
  uint64_t expected_refusals = 0;
  uint64_t refused = 0;  // otherwise (none, in a healthy engine)
  uint64_t orders_placed = 0;
  uint64_t orders_delivered = 0;
  uint64_t cancelled = 0;
  uint64_t ratings = 0;
  uint64_t returns = 0;
  uint64_t reprices = 0;
  uint64_t restocks = 0;     // receipts made because a checkout was short
  std::string last_refusal;  // the last unexpected one: "command: CODE message"
};

// A small deterministic generator (splitmix64).
class MixRng {
 public:
  explicit MixRng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0.
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  // Uniform in [lo, hi].
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }
  bool percent(int p) { return below(100) < p; }
  // Skewed towards 0 (the square of a uniform pick): about a third of the picks fall
  // in the first tenth, a tenth in the first hundredth.
  int skewed(int n) {
    const uint64_t r = next() % static_cast<uint64_t>(n);
    return static_cast<int>(r * r / static_cast<uint64_t>(n));
  }

 private:
  uint64_t state_;
};

class StoreWorkload {
 public:
  StoreWorkload(engine::Engine& engine, StoreMixOptions options = {})
      : e_(engine), o_(std::move(options)), rng_(o_.seed), prices_(o_.products, 0) {}

  // Defines the products (a product already defined, e.g. by an earlier fill of the
  // same directory, is repriced to the initial price so the tracked prices hold) and
  // receives the initial stock. Fails on the first unexpected refusal.
  Status setup() {
    for (int i = 0; i < o_.products; ++i) {
      const int64_t price = 199 + 100 * static_cast<int64_t>(rng_.below(100));
      auto defined =
          exec(staff(), DefineProduct{sku(i), "Product " + std::to_string(i), money(price)},
               ErrorCode::kAlreadyExists);
      if (!defined && defined.error().code == ErrorCode::kAlreadyExists) {
        defined = exec(staff(), RepriceProduct{sku(i), money(price)});
      }
      if (!defined) return std::unexpected(defined.error());
      prices_[static_cast<size_t>(i)] = price;
      if (auto r = exec(staff(), ReceiveStock{sku(i), Quantity{o_.initial_stock}, "initial"}); !r) {
        return std::unexpected(r.error());
      }
    }
    return {};
  }

  // One shopping round (see the top of the file).
  void step() {
    ++stats_.rounds;
    store_chores();
    if (std::optional<PaidOrder> paid = shop()) paid_.push_back(std::move(*paid));
    if (paid_.size() > o_.fulfilment_lag) {
      PaidOrder order = std::move(paid_.front());
      paid_.pop_front();
      fulfil(order);
    }
  }

  // Instead of setup(): shop in the catalogue another workload set up (several
  // workloads with their own prefixes then share products, as concurrent customers do).
  void share_catalogue(const StoreWorkload& from) { prices_ = from.prices_; }

  // Records the latency of every command from now on (execute: submit to durable result).
  void record_latencies(Latencies* sink) { latencies_ = sink; }

  [[nodiscard]] const StoreMixStats& stats() const { return stats_; }
  [[nodiscard]] const StoreMixOptions& options() const { return o_; }

 private:
  struct Line {
    int product = 0;
    int64_t quantity = 0;
    int64_t unit_price = 0;  // at checkout
  };
  struct PaidOrder {
    std::string order;
    std::string customer;
    std::string payment;
    std::vector<Line> lines;
    int64_t total = 0;
  };

  // --- ids and values -------------------------------------------------------------
  std::string id(const char* kind) { return o_.prefix + "-" + kind + "-" + std::to_string(++seq_); }
  static Sku sku(int i) {
    std::string s = std::to_string(i);
    return Sku("sku-" + std::string(s.size() < 5 ? 5 - s.size() : 0, '0') + s);
  }
  Money money(int64_t cents) const { return Money{cents, Currency(o_.currency)}; }
  static Actor staff() { return Actor{ActorId("ops-1"), Role::kStaff}; }
  static Actor service() { return Actor{ActorId("payments"), Role::kService}; }
  static Actor customer(const std::string& who) { return Actor{ActorId(who), Role::kCustomer}; }

  // Executes; a refusal with `expected` is counted as such, any other as unexpected.
  Result<engine::CommandResult> exec(Actor actor, Command command,
                                     std::optional<ErrorCode> expected = std::nullopt) {
    ++stats_.commands;
    const std::string_view name = command_name(command);
    const auto t0 = BenchClock::now();
    auto r = e_.execute(
        CommandEnvelope{CommandId(id("cmd")), std::move(actor), std::nullopt, std::move(command)});
    if (latencies_ != nullptr) latencies_->add(micros_since(t0));
    if (!r && r.error().code == expected) {
      ++stats_.expected_refusals;
    } else if (!r) {
      ++stats_.refused;
      stats_.last_refusal = std::string(name) + ": " +
                            std::string(error_code_name(r.error().code)) + " " + r.error().message;
    }
    return r;
  }

  // --- the store's own work -------------------------------------------------------
  void store_chores() {
    if (rng_.percent(5)) {  // a supplier delivery
      const int p = rng_.skewed(o_.products);
      (void)exec(staff(), ReceiveStock{sku(p), Quantity{rng_.between(20, 200)}, id("po")});
    }
    if (rng_.percent(1)) {  // a stock count finds one more or one fewer
      const int p = rng_.below(o_.products);
      (void)exec(staff(), AdjustStock{sku(p), Quantity{rng_.percent(50) ? 1 : -1}, "count"},
                 ErrorCode::kOutOfStock);
    }
    if (rng_.percent(1)) {  // a reprice within +-10%
      const int p = rng_.below(o_.products);
      int64_t& price = prices_[static_cast<size_t>(p)];
      const int64_t next = std::max<int64_t>(99, price * rng_.between(90, 110) / 100);
      if (exec(staff(), RepriceProduct{sku(p), money(next)})) {
        price = next;
        ++stats_.reprices;
      }
    }
  }

  // --- a customer's round: cart, checkout, payment ----------------------------------
  std::optional<PaidOrder> shop() {
    const std::string who = "cust-" + o_.prefix + "-" + std::to_string(rng_.below(o_.customers));
    const CartId cart(id("cart"));
    if (!exec(customer(who), OpenCart{cart, CustomerId(who), Currency(o_.currency)})) {
      return std::nullopt;
    }
    std::vector<std::pair<int, int64_t>> items;  // product, quantity (merged per product)
    for (int i = 0, n = rng_.between(1, 5); i < n; ++i) {
      const int p = rng_.skewed(o_.products);
      const int64_t q = rng_.percent(80) ? 1 : rng_.between(2, 4);
      if (!exec(customer(who), AddCartItem{cart, sku(p), Quantity{q}})) continue;
      auto it = std::ranges::find(items, p, &std::pair<int, int64_t>::first);
      if (it == items.end()) {
        items.emplace_back(p, q);
      } else {
        it->second += q;
      }
    }
    if (items.size() > 1 && rng_.percent(8)) {  // changes their mind about one line
      const size_t k = static_cast<size_t>(rng_.below(static_cast<int>(items.size())));
      if (exec(customer(who), RemoveCartItem{cart, sku(items[k].first), std::nullopt})) {
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    if (items.empty() || rng_.percent(3)) {
      (void)exec(customer(who), AbandonCart{cart});
      return std::nullopt;
    }

    PaidOrder order{id("order"), who, {}, {}, 0};
    if (!checkout(who, cart, OrderId(order.order))) return std::nullopt;
    ++stats_.orders_placed;
    for (const auto& [p, q] : items) {
      const int64_t price = prices_[static_cast<size_t>(p)];
      order.lines.push_back(Line{p, q, price});
      order.total += q * price;
    }
    if (o_.read_totals) read_back(order);
    if (rng_.percent(2)) {  // cancels before paying
      if (exec(customer(who), CancelOrder{OrderId(order.order), "changed my mind"})) {
        ++stats_.cancelled;
      }
      return std::nullopt;
    }
    if (!pay(order)) return std::nullopt;
    return order;
  }

  // Checks out; when lines are short of stock, receives what is missing and retries once.
  bool checkout(const std::string& who, const CartId& cart, const OrderId& order) {
    auto r = exec(customer(who), CheckOutCart{cart, order}, ErrorCode::kOutOfStock);
    if (r) return true;
    if (r.error().code != ErrorCode::kOutOfStock) return false;
    for (const Shortage& s : r.error().shortages) {
      ++stats_.restocks;
      (void)exec(
          staff(),
          ReceiveStock{Sku(s.sku), Quantity{s.requested - s.available + o_.restock_lot}, id("po")});
    }
    return exec(customer(who), CheckOutCart{cart, order}).has_value();
  }

  bool pay(PaidOrder& order) {
    const OrderId oid(order.order);
    if (rng_.percent(3)) {  // the card is declined once
      const PaymentId declined(id("pay"));
      if (exec(service(), AuthorizePayment{oid, declined, money(order.total), "psp"})) {
        (void)exec(service(), FailPayment{oid, declined, "card declined"});
      }
    }
    order.payment = id("pay");
    const PaymentId pid(order.payment);
    auto auth = exec(service(), AuthorizePayment{oid, pid, money(order.total), "psp"});
    if (!auth && auth.error().code == ErrorCode::kAmountExceeded && read_back(order)) {
      // The tracked total disagreed with the order (should not happen): read it.
      auth = exec(service(), AuthorizePayment{oid, pid, money(order.total), "psp"});
    }
    if (!auth) return false;
    return exec(service(), CapturePayment{oid, pid, std::nullopt}).has_value();
  }

  // Takes the order's total and unit prices from its OrderPlaced event.
  bool read_back(PaidOrder& order) {
    auto h = e_.history("order-" + order.order, StreamVersion{1}, 1);
    if (!h || h->empty()) return false;
    const auto* placed = std::get_if<OrderPlaced>(&h->front().event.data);
    if (placed == nullptr) return false;
    order.total = placed->total.amount;
    for (size_t i = 0; i < order.lines.size() && i < placed->lines.size(); ++i) {
      order.lines[i].unit_price = placed->lines[i].unit_price.amount;
    }
    return true;
  }

  // --- fulfilment of an order paid `fulfilment_lag` rounds ago ----------------------
  void fulfil(const PaidOrder& order) {
    const OrderId oid(order.order);
    if (rng_.percent(2)) {  // staff cancels it (out of stock at the warehouse) and refunds
      if (exec(staff(), CancelOrder{oid, "cannot fulfil"})) {
        ++stats_.cancelled;
        (void)exec(service(), RefundPayment{oid, PaymentId(order.payment), money(order.total),
                                            "order cancelled"});
      }
      return;
    }
    const std::string tracking = "TRK" + std::to_string(seq_);
    if (!exec(staff(), ShipOrder{oid, rng_.percent(50) ? "DHL" : "UPS", tracking})) return;
    if (!exec(staff(), DeliverOrder{oid})) return;
    ++stats_.orders_delivered;
    const Line& line =
        order.lines[static_cast<size_t>(rng_.below(static_cast<int>(order.lines.size())))];
    if (rng_.percent(35)) {
      const int stars = rng_.percent(70) ? rng_.between(4, 5) : rng_.between(1, 3);
      const std::string comment = rng_.percent(30) ? "as described" : "";
      if (exec(customer(order.customer), SubmitRating{oid, sku(line.product), stars, comment})) {
        ++stats_.ratings;
        if (rng_.percent(2)) {
          (void)exec(staff(), RejectRating{sku(line.product), CustomerId(order.customer), "spam"});
        }
      }
    }
    if (rng_.percent(5)) {  // returns one unit of a line; refunded
      if (exec(staff(), ReturnOrderItems{
                            oid, {ReturnLine{sku(line.product), Quantity{1}}}, rng_.percent(75)})) {
        ++stats_.returns;
        (void)exec(service(), RefundPayment{oid, PaymentId(order.payment), money(line.unit_price),
                                            "returned item"});
      }
    }
  }

  engine::Engine& e_;
  StoreMixOptions o_;
  MixRng rng_;
  std::vector<int64_t> prices_;  // cents, per product, as the engine has them
  std::deque<PaidOrder> paid_;   // paid, waiting for fulfilment
  uint64_t seq_ = 0;
  StoreMixStats stats_;
  Latencies* latencies_ = nullptr;
};

}  // namespace stockroom::bench

// Test support for the deciders: given events, when a command, then events or a refusal.
//
// Given is an in-memory StateReader that folds each given event through evolve() into
// the state of its stream (stream_of). when() runs decide() on one command. No I/O.
#pragma once

#include <catch2/catch.hpp>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/domain/decide.h"
#include "engine/domain/evolve.h"
#include "engine/domain/state.h"
#include "engine/model/error.h"
#include "engine/model/event.h"
#include "support/money.h"

namespace stockroom::testing {

class Given final : public StateReader {
 public:
  Given() = default;
  Given(std::initializer_list<EventData> events) { add(std::vector<EventData>(events)); }

  // Folds one event recorded at `time` into its stream's state.
  Given& add(const EventData& event, Timestamp time = {}) {
    const std::string stream = stream_of(event);
    evolve(products_[stream], event, time);
    evolve(carts_[stream], event, time);
    evolve(orders_[stream], event, time);
    evolve(reviews_[stream], event, time);
    return *this;
  }
  Given& add(const std::vector<EventData>& events, Timestamp time = {}) {
    for (const EventData& e : events) add(e, time);
    return *this;
  }

  const ProductState& product(const Sku& sku) override { return products_[product_stream(sku)]; }
  const CartState& cart(const CartId& id) override { return carts_[cart_stream(id)]; }
  const OrderState& order(const OrderId& id) override { return orders_[order_stream(id)]; }
  const ReviewState& review(const Sku& sku, const CustomerId& customer) override {
    return reviews_[review_stream(sku, customer)];
  }

 private:
  std::map<std::string, ProductState> products_;
  std::map<std::string, CartState> carts_;
  std::map<std::string, OrderState> orders_;
  std::map<std::string, ReviewState> reviews_;
};

using Decision = Result<std::vector<EventData>>;

// The ids most cases use.
inline const CartId cart_id("c-1");
inline const OrderId order_id("o-1");
inline const PaymentId pay1("p-1");
inline const Sku mug("SKU-1");

inline Actor staff() { return Actor{ActorId("sam"), Role::kStaff}; }
inline Actor service() { return Actor{ActorId("payments-svc"), Role::kService}; }
inline Actor customer(const char* id) { return Actor{ActorId(id), Role::kCustomer}; }

inline constexpr Timestamp kNow{1'700'000'000'000'000};

// decide() on `command` sent by `actor` at kNow (or `context`).
inline Decision when(Given& given, Command command, Actor actor = staff(),
                     std::optional<StreamVersion> expected = std::nullopt,
                     DecideContext context = DecideContext{kNow}) {
  CommandId id = is_engine_command(command) ? engine_command_id(command) : CommandId("cmd-1");
  CommandEnvelope envelope{std::move(id), std::move(actor), expected, std::move(command)};
  return decide(envelope, given, context);
}

// An acceptance of exactly these events, to compare a Decision with.
inline Decision then(std::vector<EventData> events) { return events; }

// "accepted", or the refusal's contract code, e.g. "NOT_FOUND".
inline std::string code_of(const Decision& d) {
  return d ? "accepted" : std::string(error_code_name(d.error().code));
}

inline Money usd(int64_t amount) { return Money{amount, Currency("USD")}; }

// A product defined at a EUR price with `on_hand` received.
inline std::vector<EventData> product_with(const char* sku, int64_t price, int64_t on_hand) {
  std::vector<EventData> out{ProductDefined{Sku(sku), std::string("Item ") + sku, eur(price)}};
  if (on_hand > 0) out.push_back(StockReceived{Sku(sku), Quantity{on_hand}, "po-1"});
  return out;
}

inline OrderLine line(const char* sku, int64_t quantity, int64_t unit_price) {
  return OrderLine{Sku(sku), Quantity{quantity}, eur(unit_price)};
}

inline constexpr Duration kTtl{15LL * 60 * 1'000'000};

// OrderPlaced for customer `who` with `lines`, expiring a TTL after kNow.
inline OrderPlaced placed(const char* order, const char* who, std::vector<OrderLine> lines) {
  int64_t total = 0;
  for (const OrderLine& l : lines) total += l.quantity.value * l.unit_price.amount;
  return OrderPlaced{OrderId(order),   CartId("c-1"), CustomerId(who),
                     std::move(lines), eur(total),    Timestamp{kNow.micros + kTtl.micros}};
}

// alice's order o-1 awaiting payment: 2 x SKU-1 at 1200 and 1 x SKU-2 at 500, total
// 2900, with both products defined and in stock.
inline Given order_awaiting_payment() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(product_with("SKU-2", 500, 5));
  given.add(placed("o-1", "alice", {line("SKU-1", 2, 1200), line("SKU-2", 1, 500)}));
  return given;
}

}  // namespace stockroom::testing

namespace Catch {

template <>
struct StringMaker<stockroom::EventData> {
  static std::string convert(const stockroom::EventData& e) {
    return std::string(stockroom::event_type_name(e)) + "(" + stockroom::stream_of(e) + ")";
  }
};

template <>
struct StringMaker<stockroom::testing::Decision> {
  static std::string convert(const stockroom::testing::Decision& d) {
    if (!d) {
      return std::string(stockroom::error_code_name(d.error().code)) + ": " + d.error().message;
    }
    std::string out = "[";
    for (const auto& e : *d)
      out += (out.size() > 1 ? ", " : "") + StringMaker<stockroom::EventData>::convert(e);
    return out + "]";
  }
};

}  // namespace Catch

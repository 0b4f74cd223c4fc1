// stock.settle: a product partition's side of the later life of an order placed in
// another partition (its cancel or expiry, shipment, returns). Given events, when a
// command, then events or a refusal.
#include <limits>

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const OrderId order7("o-7");

constexpr Timestamp kExpiry{kNow.micros + kTtl.micros};

// The saga's events for a hold of `q` units of `sku` for `order`, placed and confirmed.
std::vector<EventData> confirmed_hold(const char* sku, const OrderId& order, int64_t q) {
  return {HoldPlaced{Sku(sku), order, 1, Quantity{q}, eur(100), kExpiry},
          StockReserved{Sku(sku), order, Quantity{q}}, HoldConfirmed{Sku(sku), order, 1}};
}

// SKU-1 (10 on hand) and SKU-2 (5 on hand), with 3 and 2 held and confirmed for o-7.
Given held_for_order() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(product_with("SKU-2", 500, 5));
  given.add(confirmed_hold("SKU-1", order7, 3)).add(confirmed_hold("SKU-2", order7, 2));
  return given;
}

SettleStock settle(StockEffect effect, std::vector<ReturnLine> lines) {
  return SettleStock{order7, effect, std::move(lines)};
}
ReturnLine line_of(const char* sku, int64_t q) { return ReturnLine{Sku(sku), Quantity{q}}; }

}  // namespace

TEST_CASE("stock.settle release gives the order's reserved stock back, line by line",
          "[decider][saga]") {
  Given given = held_for_order();
  auto d = when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 3), line_of("SKU-2", 2)}),
                service());
  CHECK(d == then({StockReleased{Sku("SKU-1"), order7, Quantity{3}},
                   StockReleased{Sku("SKU-2"), order7, Quantity{2}}}));
  REQUIRE(d);
  given.add(*d, kNow);
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  CHECK(given.product(Sku("SKU-1")).available() == 10);
}

TEST_CASE("stock.settle ship takes the units off the shelf, return puts them back",
          "[decider][saga]") {
  Given given = held_for_order();
  auto shipped = when(given, settle(StockEffect::kShip, {line_of("SKU-1", 3)}), service());
  CHECK(shipped == then({StockShipped{Sku("SKU-1"), order7, Quantity{3}}}));
  REQUIRE(shipped);
  given.add(*shipped, kNow);
  CHECK(given.product(Sku("SKU-1")).on_hand == 7);
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  auto back = when(given, settle(StockEffect::kReturn, {line_of("SKU-1", 1)}), service());
  CHECK(back == then({StockReturned{Sku("SKU-1"), order7, Quantity{1}}}));
}

TEST_CASE(
    "stock.settle refuses more than is reserved, a product of no partition here, an "
    "overflow, and customers",
    "[decider][saga]") {
  Given given = held_for_order();
  auto over = when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 4)}), service());
  REQUIRE(code_of(over) == "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, settle(StockEffect::kShip, {line_of("SKU-2", 3)}), service())) ==
        "AMOUNT_EXCEEDED");
  // All lines or none: the good first line is not settled alone.
  CHECK(
      code_of(when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 1), line_of("NOPE", 1)}),
                   service())) == "NOT_FOUND");
  given.add(StockReceived{Sku("SKU-2"), Quantity{std::numeric_limits<int64_t>::max() - 5}, "po"});
  CHECK(code_of(when(given, settle(StockEffect::kReturn, {line_of("SKU-2", 1)}), service())) ==
        "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 1)}),
                     customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, settle(StockEffect::kRelease, {}), service())) == "INVALID_ARGUMENT");
  CHECK(
      code_of(when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 1), line_of("SKU-1", 1)}),
                   service())) == "INVALID_ARGUMENT");
}

TEST_CASE("stock.settle of a retired product still settles", "[decider][saga]") {
  Given given = held_for_order();
  given.add(ProductRetired{Sku("SKU-1")});
  CHECK(when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 3)}), service()) ==
        then({StockReleased{Sku("SKU-1"), order7, Quantity{3}}}));
}

TEST_CASE("stock.settle takes only the order's own held units and each of them once",
          "[decider][saga]") {
  Given given = held_for_order();
  const OrderId order8("o-8");
  given.add(confirmed_hold("SKU-1", order8, 4));
  REQUIRE(given.product(Sku("SKU-1")).reserved == 7);
  // 7 reserved in all, but o-7 holds 3: the other 4 are o-8's.
  auto more = when(given, settle(StockEffect::kShip, {line_of("SKU-1", 4)}), service());
  REQUIRE(code_of(more) == "AMOUNT_EXCEEDED");
  CHECK(more.error().message.find("holds only 3") != std::string::npos);
  auto shipped = when(given, settle(StockEffect::kShip, {line_of("SKU-1", 3)}), service());
  REQUIRE(shipped);
  given.add(*shipped, kNow);
  // Shipped once: a second shipment (another command id) finds nothing held for o-7.
  CHECK(code_of(when(given, settle(StockEffect::kShip, {line_of("SKU-1", 1)}), service())) ==
        "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 1)}), service())) ==
        "AMOUNT_EXCEEDED");
  CHECK(given.product(Sku("SKU-1")).reserved == 4);
  CHECK(given.product(Sku("SKU-1")).hold(order8)->quantity == 4);
  // An order that holds nothing here settles nothing.
  CHECK(
      code_of(when(given, SettleStock{OrderId("o-9"), StockEffect::kRelease, {line_of("SKU-1", 1)}},
                   service())) == "AMOUNT_EXCEEDED");
}

TEST_CASE(
    "stock.settle refuses an order whose stock is in its own stream: settle then ship never "
    "ships twice",
    "[decider][saga]") {
  // The decide fuzzer's find: o-1 placed here reserved its units by its own events. A
  // settle ship, then order.ship, took them off the shelf twice (reserved -2).
  Given given = order_awaiting_payment();
  given.add(StockReserved{Sku("SKU-1"), order_id, Quantity{2}})
      .add(StockReserved{Sku("SKU-2"), order_id, Quantity{1}});
  auto d = when(given, SettleStock{order_id, StockEffect::kShip, {line_of("SKU-1", 2)}}, service());
  REQUIRE(code_of(d) == "INVALID_STATE");
  CHECK(d.error().message.find("its own stream") != std::string::npos);
  for (StockEffect effect : {StockEffect::kRelease, StockEffect::kReturn}) {
    CHECK(code_of(when(given, SettleStock{order_id, effect, {line_of("SKU-1", 1)}}, service())) ==
          "INVALID_STATE");
  }
  // An order placed here by a checkout across partitions keeps its stock in holds:
  // those settle.
  OrderPlaced elsewhere = placed("o-7", "bob", {line("SKU-2", 2, 500)});
  elsewhere.stock_elsewhere = true;
  given.add(elsewhere).add(confirmed_hold("SKU-2", order7, 2));
  CHECK(when(given, settle(StockEffect::kShip, {line_of("SKU-2", 2)}), service()) ==
        then({StockShipped{Sku("SKU-2"), order7, Quantity{2}}}));
}

TEST_CASE(
    "a confirmed hold with units left outlives its expiry, a settled one is forgotten after "
    "it",
    "[decider][saga]") {
  Given given = held_for_order();
  const Timestamp later{kExpiry.micros + 1};
  // An event of SKU-1 after the expiry: o-7's 3 units are still its to ship.
  given.add(StockReceived{Sku("SKU-1"), Quantity{1}, "po-2"}, later);
  REQUIRE(given.product(Sku("SKU-1")).hold(order7) != nullptr);
  auto shipped = when(given, settle(StockEffect::kShip, {line_of("SKU-1", 3)}), service());
  REQUIRE(shipped);
  given.add(*shipped, later);
  CHECK(given.product(Sku("SKU-1")).hold(order7) == nullptr);
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  CHECK(given.product(Sku("SKU-1")).on_hand == 8);
}

TEST_CASE("a hold whose units a cancel's settle released expires without releasing them again",
          "[decider][saga]") {
  // The order was cancelled between order.place and the confirm: the hold is still held.
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(HoldPlaced{Sku("SKU-1"), order7, 1, Quantity{3}, eur(1200), kExpiry})
      .add(StockReserved{Sku("SKU-1"), order7, Quantity{3}});
  auto released = when(given, settle(StockEffect::kRelease, {line_of("SKU-1", 3)}), service());
  REQUIRE(released);
  given.add(*released, kNow);
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  const ExpireHold expire{Sku("SKU-1"), order7};
  CommandEnvelope envelope{engine_command_id(expire), engine_actor(), std::nullopt, expire};
  auto expired = decide(envelope, given, DecideContext{kExpiry});
  CHECK(expired == then({HoldReleased{Sku("SKU-1"), order7, 1, Quantity{0}, "expired", kExpiry}}));
}

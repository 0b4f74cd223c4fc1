// stock.settle: a product partition's side of the later life of an order placed in
// another partition (its cancel or expiry, shipment, returns). Given events, when a
// command, then events or a refusal.
#include <limits>

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const OrderId order7("o-7");

// SKU-1 (10 on hand) and SKU-2 (5 on hand), with 3 and 2 held and confirmed for o-7.
Given held_for_order() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(product_with("SKU-2", 500, 5));
  given.add(StockReserved{Sku("SKU-1"), order7, Quantity{3}})
      .add(StockReserved{Sku("SKU-2"), order7, Quantity{2}});
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

// The engine's own order.expire: an unpaid order whose reservation TTL has passed.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

constexpr Timestamp kPlacedAt{kNow};
constexpr Timestamp kDeadline{kNow.micros + kTtl.micros};

Given unpaid_order() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(product_with("SKU-2", 500, 5));
  given.add(placed("o-1", "alice", {line("SKU-1", 2, 1200), line("SKU-2", 1, 500)}), kPlacedAt);
  return given;
}

Decision expire_at(Given& given, Timestamp now) {
  return when(given, ExpireOrder{order_id}, engine_actor(), std::nullopt, DecideContext{now, kTtl});
}

}  // namespace

TEST_CASE("checkout sets expires_at to now plus the reservation TTL", "[decider]") {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(CartOpened{CartId("c-1"), CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{CartId("c-1"), Sku("SKU-1"), Quantity{1}, eur(1200)});
  auto d = when(given, CheckOutCart{CartId("c-1"), order_id}, staff(), std::nullopt,
                DecideContext{Timestamp{5'000}, Duration{60'000'000}});
  REQUIRE(d);
  CHECK(std::get<OrderPlaced>((*d)[1]).expires_at == Timestamp{60'005'000});
}

TEST_CASE("an order folded from OrderPlaced carries placed_at and expires_at", "[decider]") {
  Given given = unpaid_order();
  CHECK(given.order(order_id).placed_at == kPlacedAt);
  CHECK(given.order(order_id).expires_at == kDeadline);
}

TEST_CASE("an unpaid order is not expired before its TTL has passed", "[decider]") {
  Given given = unpaid_order();
  auto d = expire_at(given, Timestamp{kDeadline.micros - 1});
  REQUIRE(code_of(d) == "INVALID_STATE");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"order_id", std::string("o-1")},
                                                      {"expires_at", kDeadline.micros},
                                                      {"now", kDeadline.micros - 1}});
}

TEST_CASE("an unpaid order expires at its deadline, releasing its stock", "[decider]") {
  Given given = unpaid_order();
  CHECK(expire_at(given, kDeadline) ==
        then({OrderExpired{order_id, eur(0)}, StockReleased{Sku("SKU-1"), order_id, Quantity{2}},
              StockReleased{Sku("SKU-2"), order_id, Quantity{1}}}));
}

TEST_CASE("expiry voids uncaptured authorizations and owes back partial captures", "[decider]") {
  Given given = unpaid_order();
  given.add(PaymentAuthorized{order_id, pay1, eur(2900), ""});
  given.add(PaymentCaptured{order_id, pay1, eur(1000)});
  CHECK(expire_at(given, Timestamp{kDeadline.micros + 1}) ==
        then({OrderExpired{order_id, eur(1000)}, StockReleased{Sku("SKU-1"), order_id, Quantity{2}},
              StockReleased{Sku("SKU-2"), order_id, Quantity{1}},
              PaymentVoided{order_id, pay1, eur(1900)}}));
}

TEST_CASE("a paid, cancelled or already expired order does not expire", "[decider]") {
  Given is_paid = unpaid_order();
  is_paid.add(PaymentAuthorized{order_id, pay1, eur(2900), ""});
  is_paid.add(PaymentCaptured{order_id, pay1, eur(2900)}).add(OrderPaid{order_id});
  CHECK(code_of(expire_at(is_paid, kDeadline)) == "INVALID_STATE");
  Given cancelled = unpaid_order();
  cancelled.add(OrderCancelled{order_id, "x", eur(0)});
  CHECK(code_of(expire_at(cancelled, kDeadline)) == "INVALID_STATE");
  Given expired = unpaid_order();
  expired.add(OrderExpired{order_id, eur(0)});
  CHECK(code_of(expire_at(expired, kDeadline)) == "INVALID_STATE");
}

TEST_CASE("expiring a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(expire_at(given, kDeadline)) == "NOT_FOUND");
}

TEST_CASE("an expired order frees its reserved stock", "[decider]") {
  Given given = unpaid_order();
  for (const auto& sku : {"SKU-1", "SKU-2"}) {
    given.add(StockReserved{Sku(sku), order_id, Quantity{sku == std::string("SKU-1") ? 2 : 1}});
  }
  REQUIRE(given.product(Sku("SKU-1")).reserved == 2);
  auto d = expire_at(given, kDeadline);
  REQUIRE(d);
  given.add(*d);
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  CHECK(given.product(Sku("SKU-1")).available() == 10);
  CHECK(given.order(order_id).status == OrderStatus::kExpired);
}

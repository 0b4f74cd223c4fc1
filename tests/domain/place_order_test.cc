// order.place: an order's partition's side of a checkout coordinated by the cart's
// partition, its stock held in the products' partitions (docs/scale-out.md). Given
// events, when a command, then events or a refusal; and what such an order's later
// life leaves out: the stock events, which belong to the products' partitions.
#include <limits>

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const OrderId order9("o-9");
constexpr Timestamp kPlacedExpires{kNow.micros + kTtl.micros};

PlaceOrder place(std::vector<OrderLine> lines) {
  return PlaceOrder{order9, CartId("c-9"), CustomerId("alice"), std::move(lines), kPlacedExpires};
}

// o-9 placed by order.place: 2 x SKU-1 at 1200 and 1 x SKU-2 at 500 (total 2900). The
// products are not in this partition: nothing here knows them.
Given placed_elsewhere() {
  Given given;
  auto d = when(given, place({line("SKU-1", 2, 1200), line("SKU-2", 1, 500)}), service());
  REQUIRE(d);
  given.add(*d, kNow);
  return given;
}

Given paid_elsewhere() {
  Given given = placed_elsewhere();
  const PaymentId pay("pay-1");
  given.add(PaymentAuthorized{order9, pay, eur(2900), ""})
      .add(PaymentCaptured{order9, pay, eur(2900)})
      .add(OrderPaid{order9});
  return given;
}

}  // namespace

TEST_CASE("order.place records OrderPlaced at the holds' prices, stock elsewhere, no stock event",
          "[decider][saga]") {
  Given given;
  auto d = when(given, place({line("SKU-1", 2, 1200), line("SKU-2", 1, 500)}), service());
  OrderPlaced expected{order9,
                       CartId("c-9"),
                       CustomerId("alice"),
                       {line("SKU-1", 2, 1200), line("SKU-2", 1, 500)},
                       eur(2900),
                       kPlacedExpires,
                       true};
  CHECK(d == then({expected}));
  REQUIRE(d);
  given.add(*d, kNow);
  const OrderState& order = given.order(order9);
  CHECK(order.status == OrderStatus::kAwaitingPayment);
  CHECK(order.stock_elsewhere);
  CHECK(order.expires_at == kPlacedExpires);
  CHECK(order.total == eur(2900));
}

TEST_CASE("order.place of an order id in use is ALREADY_EXISTS, whoever placed it",
          "[decider][saga]") {
  Given elsewhere = placed_elsewhere();
  CHECK(code_of(when(elsewhere, place({line("SKU-1", 1, 1200)}), service())) == "ALREADY_EXISTS");
  Given local;  // an order checked out in this partition under the same id
  local.add(placed("o-9", "bob", {line("SKU-1", 1, 1200)}));
  CHECK(code_of(when(local, place({line("SKU-1", 1, 1200)}), service())) == "ALREADY_EXISTS");
}

TEST_CASE("order.place at or after its holds' expiry is INVALID_STATE", "[decider][saga]") {
  Given given;
  PlaceOrder late = place({line("SKU-1", 1, 1200)});
  late.expires_at = kNow;
  CHECK(code_of(when(given, late, service())) == "INVALID_STATE");
  late.expires_at = Timestamp{kNow.micros - 1};
  CHECK(code_of(when(given, late, service())) == "INVALID_STATE");
}

TEST_CASE("order.place whose total passes int64 is AMOUNT_EXCEEDED", "[decider][saga]") {
  Given given;
  const int64_t huge = std::numeric_limits<int64_t>::max() / 2;
  auto d = when(given, place({line("SKU-1", 1, huge), line("SKU-2", 1, huge), line("SKU-3", 1, 2)}),
                service());
  CHECK(code_of(d) == "AMOUNT_EXCEEDED");
}

TEST_CASE("order.place is for staff and services, and its lines are checked before anything",
          "[decider][saga]") {
  Given given;
  CHECK(code_of(when(given, place({line("SKU-1", 1, 1200)}), customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, place({}), service())) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, place({line("SKU-1", 1, 1200), line("SKU-1", 1, 1200)}), service())) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, place({line("SKU-1", 0, 1200)}), service())) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, place({line("SKU-1", 1, -1)}), service())) == "INVALID_ARGUMENT");
  PlaceOrder mixed = place({line("SKU-1", 1, 1200), line("SKU-2", 1, 500)});
  mixed.lines[1].unit_price = usd(500);
  CHECK(code_of(when(given, mixed, service())) == "INVALID_ARGUMENT");
  PlaceOrder dotted = place({line("SKU-1", 1, 1200)});
  dotted.customer_id = CustomerId("al ice");
  CHECK(code_of(when(given, dotted, service())) == "INVALID_ARGUMENT");
}

TEST_CASE("an order placed elsewhere is cancelled and expires without stock events here",
          "[decider][saga]") {
  Given given = placed_elsewhere();
  CHECK(when(given, CancelOrder{order9, "changed my mind"}, customer("alice")) ==
        then({OrderCancelled{order9, "changed my mind", eur(0)}}));
  given.add(PaymentAuthorized{order9, PaymentId("pay-1"), eur(1000), ""});
  const DecideContext at_expiry{kPlacedExpires, kTtl};
  CHECK(when(given, ExpireOrder{order9}, engine_actor(), std::nullopt, at_expiry) ==
        then({OrderExpired{order9, eur(0)}, PaymentVoided{order9, PaymentId("pay-1"), eur(1000)}}));
}

TEST_CASE("an order placed elsewhere ships and takes returns without stock events here",
          "[decider][saga]") {
  Given given = paid_elsewhere();
  auto shipped = when(given, ShipOrder{order9, "dhl", "t-1"});
  CHECK(shipped == then({OrderShipped{order9, "dhl", "t-1"}}));
  REQUIRE(shipped);
  given.add(*shipped, kNow).add(OrderDelivered{order9});
  const std::vector<ReturnLine> back{ReturnLine{Sku("SKU-1"), Quantity{1}}};
  CHECK(when(given, ReturnOrderItems{order9, back, true}) ==
        then({OrderItemsReturned{order9, back, true}}));
}

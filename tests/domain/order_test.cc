// order.cancel, order.ship, order.deliver, order.return.
#include <limits>

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const Sku tee("SKU-2");

Given paid() {
  Given given = order_awaiting_payment();
  given.add(PaymentAuthorized{order_id, pay1, eur(2900), "psp-1"});
  given.add(PaymentCaptured{order_id, pay1, eur(2900)}).add(OrderPaid{order_id});
  return given;
}

Given shipped() { return std::move(paid().add(OrderShipped{order_id, "DHL", "T-1"})); }
Given delivered() { return std::move(shipped().add(OrderDelivered{order_id})); }

}  // namespace

TEST_CASE("cancelling an unpaid order releases its stock and voids its authorization",
          "[decider]") {
  Given given = order_awaiting_payment();
  given.add(PaymentAuthorized{order_id, pay1, eur(2000), ""});
  given.add(PaymentCaptured{order_id, pay1, eur(500)});
  CHECK(when(given, CancelOrder{order_id, "changed mind"}) ==
        then({OrderCancelled{order_id, "changed mind", eur(500)},
              StockReleased{mug, order_id, Quantity{2}}, StockReleased{tee, order_id, Quantity{1}},
              PaymentVoided{order_id, pay1, eur(1500)}}));
}

TEST_CASE("cancelling a paid order makes the captured money refund_due", "[decider]") {
  Given given = paid();
  given.add(PaymentRefunded{order_id, pay1, eur(400), "goodwill"});
  CHECK(
      when(given, CancelOrder{order_id, "out of business"}) ==
      then({OrderCancelled{order_id, "out of business", eur(2500)},
            StockReleased{mug, order_id, Quantity{2}}, StockReleased{tee, order_id, Quantity{1}}}));
}

TEST_CASE("cancelling a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, CancelOrder{order_id, "x"})) == "NOT_FOUND");
}

TEST_CASE("cancelling a shipped, delivered, cancelled or expired order is INVALID_STATE",
          "[decider]") {
  Given ship = shipped();
  CHECK(code_of(when(ship, CancelOrder{order_id, "x"})) == "INVALID_STATE");
  Given deliver = delivered();
  CHECK(code_of(when(deliver, CancelOrder{order_id, "x"})) == "INVALID_STATE");
  Given cancelled = order_awaiting_payment();
  cancelled.add(OrderCancelled{order_id, "x", eur(0)});
  CHECK(code_of(when(cancelled, CancelOrder{order_id, "x"})) == "INVALID_STATE");
  Given expired = order_awaiting_payment();
  expired.add(OrderExpired{order_id, eur(0)});
  CHECK(code_of(when(expired, CancelOrder{order_id, "x"})) == "INVALID_STATE");
}

TEST_CASE("cancelling needs a reason", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(code_of(when(given, CancelOrder{order_id, ""})) == "INVALID_ARGUMENT");
}

TEST_CASE("shipping a fully paid order records OrderShipped and StockShipped per line",
          "[decider]") {
  Given given = paid();
  CHECK(when(given, ShipOrder{order_id, "DHL", "T-1"}) ==
        then({OrderShipped{order_id, "DHL", "T-1"}, StockShipped{mug, order_id, Quantity{2}},
              StockShipped{tee, order_id, Quantity{1}}}));
}

TEST_CASE("shipping a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, ShipOrder{order_id, "", ""})) == "NOT_FOUND");
}

TEST_CASE("shipping before payment is INVALID_STATE", "[decider]") {
  Given given = order_awaiting_payment();
  auto d = when(given, ShipOrder{order_id, "", ""});
  REQUIRE(code_of(d) == "INVALID_STATE");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"order_id", std::string("o-1")},
                                                      {"status", std::string("awaiting_payment")}});
}

TEST_CASE("shipping a paid order that was partly refunded is INVALID_STATE", "[decider]") {
  Given given = paid();
  given.add(PaymentRefunded{order_id, pay1, eur(100), "damaged box"});
  CHECK(code_of(when(given, ShipOrder{order_id, "", ""})) == "INVALID_STATE");
}

TEST_CASE("shipping twice or after cancelling is INVALID_STATE", "[decider]") {
  Given ship = shipped();
  CHECK(code_of(when(ship, ShipOrder{order_id, "", ""})) == "INVALID_STATE");
  Given cancelled = paid();
  cancelled.add(OrderCancelled{order_id, "x", eur(2900)});
  CHECK(code_of(when(cancelled, ShipOrder{order_id, "", ""})) == "INVALID_STATE");
}

TEST_CASE("a carrier or tracking above 200 characters is INVALID_ARGUMENT", "[decider]") {
  Given given = paid();
  CHECK(code_of(when(given, ShipOrder{order_id, std::string(201, 'c'), ""})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, ShipOrder{order_id, "", std::string(201, 't')})) == "INVALID_ARGUMENT");
}

TEST_CASE("delivering a shipped order records OrderDelivered", "[decider]") {
  Given given = shipped();
  CHECK(when(given, DeliverOrder{order_id}) == then({OrderDelivered{order_id}}));
}

TEST_CASE("delivering a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, DeliverOrder{order_id})) == "NOT_FOUND");
}

TEST_CASE("delivering an order that is not shipped is INVALID_STATE", "[decider]") {
  Given unshipped = paid();
  CHECK(code_of(when(unshipped, DeliverOrder{order_id})) == "INVALID_STATE");
  Given twice = delivered();
  CHECK(code_of(when(twice, DeliverOrder{order_id})) == "INVALID_STATE");
}

TEST_CASE("returning with restock records OrderItemsReturned then StockReturned per line",
          "[decider]") {
  Given given = delivered();
  std::vector<ReturnLine> lines{{mug, Quantity{1}}, {tee, Quantity{1}}};
  CHECK(when(given, ReturnOrderItems{order_id, lines, true}) ==
        then({OrderItemsReturned{order_id, lines, true}, StockReturned{mug, order_id, Quantity{1}},
              StockReturned{tee, order_id, Quantity{1}}}));
}

TEST_CASE("returning without restock puts nothing back on hand", "[decider]") {
  Given given = delivered();
  std::vector<ReturnLine> lines{{mug, Quantity{2}}};
  CHECK(when(given, ReturnOrderItems{order_id, lines, false}) ==
        then({OrderItemsReturned{order_id, lines, false}}));
}

TEST_CASE("returning on a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{1}}}, true})) ==
        "NOT_FOUND");
}

TEST_CASE("returning before delivery is INVALID_STATE", "[decider]") {
  Given given = shipped();
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{1}}}, true})) ==
        "INVALID_STATE");
}

TEST_CASE("returning a sku the order does not hold is NOT_FOUND", "[decider]") {
  Given given = delivered();
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{Sku("SKU-9"), Quantity{1}}}, true})) ==
        "NOT_FOUND");
}

TEST_CASE("returning more than shipped and not yet returned is AMOUNT_EXCEEDED", "[decider]") {
  Given given = delivered();
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{3}}}, true})) ==
        "AMOUNT_EXCEEDED");
  given.add(OrderItemsReturned{order_id, {{mug, Quantity{1}}}, true});
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{2}}}, true})) ==
        "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{1}}}, true})) == "accepted");
}

TEST_CASE("a return with no lines or a repeated sku is INVALID_ARGUMENT", "[decider]") {
  Given given = delivered();
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {}, true})) == "INVALID_ARGUMENT");
  auto d = when(given, ReturnOrderItems{order_id, {{mug, Quantity{1}}, {mug, Quantity{1}}}, true});
  REQUIRE(code_of(d) == "INVALID_ARGUMENT");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"field", std::string("lines[1].sku")}});
}

TEST_CASE("a restock that would overflow on_hand is AMOUNT_EXCEEDED", "[decider]") {
  Given given = delivered();  // SKU-1 has 10 on hand: fill it up to the int64 limit
  given.add(StockAdjusted{mug, Quantity{std::numeric_limits<int64_t>::max() - 10}, "audit"});
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{1}}}, true})) ==
        "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, ReturnOrderItems{order_id, {{mug, Quantity{1}}}, false})) ==
        "accepted");
}

// The order status view: lifecycle, money and returns as the order stream records them.
#include "projections/order_view.h"

#include <catch2/catch.hpp>

#include "tests/projections/recorder.h"

using namespace stockroom;
using namespace stockroom::projections;
using namespace stockroom::testing;

namespace {

const PaymentId pay2("p-2");

OrderPlaced placed() {
  return OrderPlaced{
      o1,
      CartId("c-1"),
      CustomerId("alice"),
      {OrderLine{mug, Quantity{2}, eur(1000)}, OrderLine{plate, Quantity{1}, eur(250)}},
      eur(2250),
      Timestamp{kBaseTime.micros + 900 * kSecond}};
}

// An order placed, authorized for all of it and captured in full, then paid.
std::vector<EventData> paid() {
  return {placed(), PaymentAuthorized{o1, pay1, eur(2250), "psp-1"},
          PaymentCaptured{o1, pay1, eur(2250)}, OrderPaid{o1}};
}

}  // namespace

TEST_CASE("order view after placing awaits payment with lines, total and zero money", "[views]") {
  Recorder log;
  const OrderView v = fold<OrderView>(log.record_all({placed()}));
  CHECK(v.order_id == o1);
  CHECK(v.customer_id == CustomerId("alice"));
  CHECK(v.status == OrderViewStatus::kAwaitingPayment);
  CHECK(v.lines == placed().lines);
  CHECK(v.total == eur(2250));
  for (const Money& m : {v.authorized, v.captured, v.refunded, v.refund_due}) CHECK(m == eur(0));
  CHECK(v.returned.empty());
  CHECK(v.placed_at == kBaseTime);
  CHECK(v.updated_at == kBaseTime);
  CHECK(v.version == StreamVersion{1});
  CHECK(v.position == Position{1});
}

TEST_CASE("order view: authorize, partial capture, then the rest makes it paid", "[views]") {
  Recorder log;
  OrderView v =
      fold<OrderView>(log.record_all({placed(), PaymentAuthorized{o1, pay1, eur(2250), ""}}));
  CHECK(v.authorized == eur(2250));
  CHECK(v.status == OrderViewStatus::kAwaitingPayment);
  apply(v, log.record(PaymentCaptured{o1, pay1, eur(1000)}));
  CHECK(v.captured == eur(1000));
  CHECK(v.status == OrderViewStatus::kAwaitingPayment);
  apply(v, log.record(PaymentCaptured{o1, pay1, eur(1250)}));
  apply(v, log.record(OrderPaid{o1}));
  CHECK(v.captured == eur(2250));
  CHECK(v.status == OrderViewStatus::kPaid);
  CHECK(v.placed_at == kBaseTime);
  CHECK(v.updated_at == Timestamp{kBaseTime.micros + 4 * kSecond});
  CHECK(v.version == StreamVersion{5});
}

TEST_CASE("order view: shipped, delivered, then returns summed per sku", "[views]") {
  Recorder log;
  OrderView v = fold<OrderView>(log.record_all(paid()));
  apply(v, log.record(OrderShipped{o1, "DHL", "T1"}));
  CHECK(v.status == OrderViewStatus::kShipped);
  apply(v, log.record(OrderDelivered{o1}));
  CHECK(v.status == OrderViewStatus::kDelivered);
  apply(v, log.record(OrderItemsReturned{o1, {ReturnLine{plate, Quantity{1}}}, true}));
  apply(v, log.record(OrderItemsReturned{o1, {ReturnLine{mug, Quantity{1}}}, false}));
  apply(v, log.record(OrderItemsReturned{o1, {ReturnLine{mug, Quantity{1}}}, true}));
  CHECK(v.returned == std::vector<ReturnLine>{{plate, Quantity{1}}, {mug, Quantity{2}}});
  CHECK(v.status == OrderViewStatus::kDelivered);
  CHECK(v.version == StreamVersion{9});
}

TEST_CASE("order view: cancel after capture owes a refund that later refunds pay off", "[views]") {
  Recorder log;
  OrderView v =
      fold<OrderView>(log.record_all({placed(), PaymentAuthorized{o1, pay1, eur(2250), ""},
                                      PaymentCaptured{o1, pay1, eur(1000)}}));
  apply(v, log.record(OrderCancelled{o1, "customer", eur(1000)}));
  apply(v, log.record(PaymentVoided{o1, pay1, eur(1250)}));
  CHECK(v.status == OrderViewStatus::kCancelled);
  CHECK(v.refund_due == eur(1000));
  CHECK(v.authorized == eur(2250));  // gross: a void does not lower it
  apply(v, log.record(PaymentRefunded{o1, pay1, eur(400), "cancelled"}));
  CHECK((v.refunded == eur(400) && v.refund_due == eur(600)));
  apply(v, log.record(PaymentRefunded{o1, pay1, eur(600), "cancelled"}));
  CHECK((v.refunded == eur(1000) && v.refund_due == eur(0)));
  CHECK(v.captured == eur(1000));
}

TEST_CASE("order view: expiry of a partly captured order owes the capture back", "[views]") {
  Recorder log;
  OrderView v = fold<OrderView>(log.record_all(
      {placed(), PaymentAuthorized{o1, pay1, eur(2000), ""}, PaymentCaptured{o1, pay1, eur(500)}}));
  apply(v, log.record(OrderExpired{o1, eur(500)}));
  CHECK(v.status == OrderViewStatus::kExpired);
  CHECK(v.refund_due == eur(500));
  apply(v, log.record(PaymentRefunded{o1, pay1, eur(500), "expired"}));
  CHECK(v.refund_due == eur(0));
}

TEST_CASE("order view: an expired order without payments owes nothing", "[views]") {
  Recorder log;
  const OrderView v = fold<OrderView>(log.record_all({placed(), OrderExpired{o1, eur(0)}}));
  CHECK(v.status == OrderViewStatus::kExpired);
  CHECK(v.refund_due == eur(0));
  CHECK(v.version == StreamVersion{2});
}

TEST_CASE("order view: void and fail leave the gross authorized, a live refund owes nothing",
          "[views]") {
  Recorder log;
  OrderView v = fold<OrderView>(log.record_all(
      {placed(), PaymentFailed{o1, pay2, "declined"}, PaymentAuthorized{o1, pay1, eur(2250), ""}}));
  CHECK(v.authorized == eur(2250));
  apply(v, log.record(PaymentVoided{o1, pay1, eur(2250)}));
  CHECK(v.authorized == eur(2250));
  CHECK(v.status == OrderViewStatus::kAwaitingPayment);
  CHECK(v.version == StreamVersion{4});
  apply(v, log.record(PaymentAuthorized{o1, PaymentId("p-3"), eur(2250), ""}));
  apply(v, log.record(PaymentCaptured{o1, PaymentId("p-3"), eur(2250)}));
  apply(v, log.record(OrderPaid{o1}));
  apply(v, log.record(PaymentRefunded{o1, PaymentId("p-3"), eur(250), "goodwill"}));
  CHECK(v.authorized == eur(4500));
  CHECK(v.refunded == eur(250));
  CHECK(v.refund_due == eur(0));  // only a cancel or an expiry makes a refund due
  CHECK(v.status == OrderViewStatus::kPaid);
}

TEST_CASE("order view ignores stock events of the order and other orders' events", "[views]") {
  Recorder log;
  OrderView v = fold<OrderView>(log.record_all({placed()}));
  const OrderView before = v;
  apply(v, log.record(StockReserved{mug, o1, Quantity{2}}));
  apply(v, log.record(OrderPaid{OrderId("o-2")}));
  apply(v, log.record(CartCheckedOut{CartId("c-1"), o1}));
  CHECK(v == before);
}

TEST_CASE("order view JSON has the documented fields in order", "[views]") {
  Recorder log;
  std::vector<EventData> events = paid();
  events.push_back(OrderShipped{o1, "", ""});
  events.push_back(OrderDelivered{o1});
  events.push_back(OrderItemsReturned{o1, {ReturnLine{mug, Quantity{1}}}, true});
  const OrderView v = fold<OrderView>(log.record_all(events));
  CHECK(to_json(v) ==
        R"({"order_id":"o-1","customer_id":"alice","status":"delivered","lines":[)"
        R"({"sku":"SKU-1","quantity":2,"unit_price":{"amount":1000,"currency":"EUR"}},)"
        R"({"sku":"SKU-2","quantity":1,"unit_price":{"amount":250,"currency":"EUR"}}],)"
        R"("total":{"amount":2250,"currency":"EUR"},"authorized":{"amount":2250,"currency":"EUR"},)"
        R"("captured":{"amount":2250,"currency":"EUR"},"refunded":{"amount":0,"currency":"EUR"},)"
        R"("refund_due":{"amount":0,"currency":"EUR"},"returned":[{"sku":"SKU-1","quantity":1}],)"
        R"("placed_at":"2026-11-24T16:18:00.123456Z","updated_at":"2026-11-24T16:18:06.123456Z",)"
        R"("version":7,"position":7})");
}

TEST_CASE("order view JSON round-trips exactly in every status", "[views]") {
  Recorder log;
  std::vector<OrderView> views = {OrderView{}};
  OrderView v;
  for (const RecordedEvent& e : log.record_all(
           {placed(), PaymentAuthorized{o1, pay1, eur(2250), ""},
            PaymentCaptured{o1, pay1, eur(2250)}, OrderPaid{o1}, OrderShipped{o1, "", ""},
            OrderDelivered{o1}, OrderItemsReturned{o1, {ReturnLine{mug, Quantity{2}}}, true},
            PaymentRefunded{o1, pay1, eur(2000), "returned"}})) {
    apply(v, e);
    views.push_back(v);
  }
  v.status = OrderViewStatus::kCancelled;
  views.push_back(v);
  v.status = OrderViewStatus::kExpired;
  views.push_back(v);
  for (const OrderView& original : views) {
    const std::string json = to_json(original);
    const Result<OrderView> back = order_view_from_json(json);
    REQUIRE(back);
    CHECK(*back == original);
    CHECK(to_json(*back) == json);
  }
}

TEST_CASE("order view from junk, a bad status, line or time is MALFORMED", "[views]") {
  Recorder log;
  const std::string good = to_json(fold<OrderView>(log.record_all({placed()})));
  REQUIRE(order_view_from_json(good));
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  for (const std::string& junk : {
           std::string("null"),
           std::string("{\"order_id\":\"o-1\"}"),
           replaced("awaiting_payment", "pending"),
           replaced(R"("quantity":2)", R"("quantity":"2")"),
           replaced(R"("lines":[)", R"("lines":[7,)"),
           replaced("2026-11-24T16:18:00.123456Z", "2026-11-24T16:18:00Z"),
           replaced("2026-11-24T16:18:00.123456Z", "2026-02-30T16:18:00.123456Z"),
           replaced(R"("returned":[])", R"("returned":{})"),
       }) {
    const Result<OrderView> v = order_view_from_json(junk);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::kMalformed);
  }
}

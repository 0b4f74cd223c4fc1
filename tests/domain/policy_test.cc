// The role policy: customers on their own carts, orders and ratings; the rest is staff's.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

Given alices_cart() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(CartOpened{cart_id, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{cart_id, Sku("SKU-1"), Quantity{1}, eur(1200)});
  return given;
}

Given alices_order() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(placed("o-1", "alice", {line("SKU-1", 1, 1200)}));
  return given;
}

}  // namespace

TEST_CASE("a customer may open a cart only for itself", "[decider]") {
  Given given;
  CHECK(code_of(when(given, OpenCart{cart_id, CustomerId("alice"), Currency("EUR")},
                     customer("alice"))) == "accepted");
  CHECK(code_of(when(given, OpenCart{cart_id, CustomerId("bob"), Currency("EUR")},
                     customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, OpenCart{cart_id, CustomerId("bob"), Currency("EUR")}, staff())) ==
        "accepted");
}

TEST_CASE("a customer acting on another customer's cart is FORBIDDEN", "[decider]") {
  Given given = alices_cart();
  Actor bob = customer("bob");
  CHECK(code_of(when(given, AddCartItem{cart_id, Sku("SKU-1"), Quantity{1}}, bob)) == "FORBIDDEN");
  CHECK(code_of(when(given, RemoveCartItem{cart_id, Sku("SKU-1"), std::nullopt}, bob)) ==
        "FORBIDDEN");
  CHECK(code_of(when(given, AbandonCart{cart_id}, bob)) == "FORBIDDEN");
  CHECK(code_of(when(given, CheckOutCart{cart_id, order_id}, bob)) == "FORBIDDEN");
}

TEST_CASE("staff and service may act on any customer's cart", "[decider]") {
  Given given = alices_cart();
  CHECK(code_of(when(given, AddCartItem{cart_id, Sku("SKU-1"), Quantity{1}}, staff())) ==
        "accepted");
  CHECK(code_of(when(given, CheckOutCart{cart_id, order_id}, service())) == "accepted");
}

TEST_CASE("a missing cart is NOT_FOUND before its owner is checked", "[decider]") {
  Given given;
  CHECK(code_of(when(given, AbandonCart{cart_id}, customer("bob"))) == "NOT_FOUND");
}

TEST_CASE("a customer sending staff commands is FORBIDDEN before any state is read", "[decider]") {
  Given given;  // nothing exists: FORBIDDEN comes before NOT_FOUND
  Actor alice = customer("alice");
  std::vector<Command> staff_only{DefineProduct{Sku("SKU-1"), "Mug", eur(1)},
                                  RepriceProduct{Sku("SKU-1"), eur(1)},
                                  RetireProduct{Sku("SKU-1")},
                                  ReceiveStock{Sku("SKU-1"), Quantity{1}, ""},
                                  AdjustStock{Sku("SKU-1"), Quantity{1}, "x"},
                                  ShipOrder{order_id, "", ""},
                                  DeliverOrder{order_id},
                                  ReturnOrderItems{order_id, {{Sku("SKU-1"), Quantity{1}}}, true},
                                  AuthorizePayment{order_id, PaymentId("p"), eur(1), ""},
                                  CapturePayment{order_id, PaymentId("p"), std::nullopt},
                                  VoidPayment{order_id, PaymentId("p")},
                                  FailPayment{order_id, PaymentId("p"), "x"},
                                  RefundPayment{order_id, PaymentId("p"), eur(1), "x"},
                                  RejectRating{Sku("SKU-1"), CustomerId("bob"), "x"}};
  for (const Command& c : staff_only) {
    INFO(command_name(c));
    CHECK(code_of(when(given, c, alice)) == "FORBIDDEN");
  }
}

TEST_CASE("a customer may cancel its own unpaid order", "[decider]") {
  Given given = alices_order();
  CHECK(code_of(when(given, CancelOrder{order_id, "changed mind"}, customer("alice"))) ==
        "accepted");
}

TEST_CASE("a customer cancelling another customer's order is FORBIDDEN", "[decider]") {
  Given given = alices_order();
  CHECK(code_of(when(given, CancelOrder{order_id, "x"}, customer("bob"))) == "FORBIDDEN");
}

TEST_CASE("a customer cancelling its paid order is FORBIDDEN, staff may", "[decider]") {
  Given given = alices_order();
  given.add(PaymentAuthorized{order_id, PaymentId("p-1"), eur(1200), ""});
  given.add(PaymentCaptured{order_id, PaymentId("p-1"), eur(1200)}).add(OrderPaid{order_id});
  CHECK(code_of(when(given, CancelOrder{order_id, "x"}, customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, CancelOrder{order_id, "x"}, staff())) == "accepted");
}

TEST_CASE("a customer cancelling its shipped order is INVALID_STATE as for anyone", "[decider]") {
  Given given = alices_order();
  given.add(OrderPaid{order_id}).add(OrderShipped{order_id, "", ""});
  CHECK(code_of(when(given, CancelOrder{order_id, "x"}, customer("alice"))) == "INVALID_STATE");
}

TEST_CASE("rejecting a rating needs staff: service and customers are FORBIDDEN", "[decider]") {
  Given given{ProductRated{Sku("SKU-1"), CustomerId("bob"), order_id, 1, ""}};
  RejectRating reject{Sku("SKU-1"), CustomerId("bob"), "spam"};
  CHECK(code_of(when(given, reject, service())) == "FORBIDDEN");
  CHECK(code_of(when(given, reject, customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, reject, staff())) == "accepted");
}

TEST_CASE("order expiry from anyone but the engine is FORBIDDEN", "[decider]") {
  Given given = alices_order();
  DecideContext late{Timestamp{kNow.micros + kTtl.micros}};
  CHECK(code_of(when(given, ExpireOrder{order_id}, staff(), std::nullopt, late)) == "FORBIDDEN");
  CHECK(code_of(when(given, ExpireOrder{order_id}, Actor{ActorId("engine"), Role::kStaff},
                     std::nullopt, late)) == "FORBIDDEN");
  CHECK(code_of(when(given, ExpireOrder{order_id}, Actor{ActorId("other"), Role::kService},
                     std::nullopt, late)) == "FORBIDDEN");
  CHECK(code_of(when(given, ExpireOrder{order_id}, engine_actor(), std::nullopt, late)) ==
        "accepted");
}

TEST_CASE("a FORBIDDEN refusal names the actor and its role", "[decider]") {
  Given given;
  auto d = when(given, RetireProduct{Sku("SKU-1")}, customer("alice"));
  REQUIRE(code_of(d) == "FORBIDDEN");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"actor_id", std::string("alice")},
                                                      {"role", std::string("customer")}});
}

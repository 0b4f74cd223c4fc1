// decide(): expected_version, target streams and the order of checks.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

Given open_cart() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(CartOpened{cart_id, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{cart_id, Sku("SKU-1"), Quantity{1}, eur(1200)});
  return given;
}

std::string stream_of(Command command, Actor actor = staff()) {
  return target_stream(
      CommandEnvelope{CommandId("c"), std::move(actor), std::nullopt, std::move(command)});
}

}  // namespace

TEST_CASE("a matching expected_version is accepted", "[decider]") {
  Given given = open_cart();  // cart-c-1 is at version 2
  CHECK(code_of(when(given, AbandonCart{cart_id}, staff(), StreamVersion{2})) == "accepted");
}

TEST_CASE("a stale expected_version is CONFLICT with expected and actual", "[decider]") {
  Given given = open_cart();
  auto d = when(given, AbandonCart{cart_id}, staff(), StreamVersion{1});
  REQUIRE(code_of(d) == "CONFLICT");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"stream", std::string("cart-c-1")},
                                                      {"expected", int64_t{1}},
                                                      {"actual", int64_t{2}}});
}

TEST_CASE("expected_version 0 means the stream must be empty", "[decider]") {
  Given given;
  CHECK(code_of(when(given, DefineProduct{Sku("SKU-1"), "Mug", eur(1)}, staff(),
                     StreamVersion{0})) == "accepted");
  given.add(product_with("SKU-1", 1, 0));
  CHECK(code_of(when(given, DefineProduct{Sku("SKU-1"), "Mug", eur(1)}, staff(),
                     StreamVersion{0})) == "CONFLICT");
}

TEST_CASE("checkout's expected_version is the cart's", "[decider]") {
  Given given = open_cart();
  CHECK(code_of(when(given, CheckOutCart{cart_id, OrderId("o-1")}, staff(), StreamVersion{2})) ==
        "accepted");
}

TEST_CASE("role is checked before expected_version, expected_version before rules", "[decider]") {
  Given given = open_cart();
  CHECK(code_of(when(given, RetireProduct{Sku("SKU-1")}, customer("alice"), StreamVersion{9})) ==
        "FORBIDDEN");
  // Abandoning twice would be INVALID_STATE; the stale version is reported first.
  given.add(CartAbandoned{cart_id});
  CHECK(code_of(when(given, AbandonCart{cart_id}, staff(), StreamVersion{1})) == "CONFLICT");
}

TEST_CASE("each command targets its aggregate's stream", "[decider]") {
  CHECK(stream_of(AdjustStock{Sku("S"), Quantity{1}, "x"}) == "product-S");
  CHECK(stream_of(DefineProduct{Sku("S"), "n", eur(1)}) == "product-S");
  CHECK(stream_of(AddCartItem{CartId("c"), Sku("S"), Quantity{1}}) == "cart-c");
  CHECK(stream_of(CheckOutCart{CartId("c"), OrderId("o")}) == "cart-c");
  CHECK(stream_of(ShipOrder{OrderId("o"), "", ""}) == "order-o");
  CHECK(stream_of(RefundPayment{OrderId("o"), PaymentId("p"), eur(1), "x"}) == "order-o");
  CHECK(stream_of(ExpireOrder{OrderId("o")}, engine_actor()) == "order-o");
  CHECK(stream_of(SubmitRating{OrderId("o"), Sku("S"), 5, ""}, customer("alice")) ==
        "review-S~alice");
  CHECK(stream_of(RejectRating{Sku("S"), CustomerId("bob"), "x"}) == "review-S~bob");
}

TEST_CASE("a rating's expected_version is that of the customer's review stream", "[decider]") {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(placed("o-1", "alice", {line("SKU-1", 1, 1200)}));
  given.add(OrderPaid{OrderId("o-1")}).add(OrderShipped{OrderId("o-1"), "", ""});
  given.add(OrderDelivered{OrderId("o-1")});
  SubmitRating rate{OrderId("o-1"), Sku("SKU-1"), 5, ""};
  CHECK(code_of(when(given, rate, customer("alice"), StreamVersion{1})) == "CONFLICT");
  CHECK(code_of(when(given, rate, customer("alice"), StreamVersion{0})) == "accepted");
}

TEST_CASE("a refusal writes nothing: decide returns no events with the error", "[decider]") {
  Given given;
  auto d = when(given, AbandonCart{cart_id});
  REQUIRE(!d);
  CHECK(d.error().message == "cart c-1 does not exist");
}

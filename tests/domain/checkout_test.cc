// cart.checkout: cart -> order, with stock reserved in the same decision.
#include <limits>

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

// alice's open cart with 2 x SKU-1 (1200) and 1 x SKU-2 (500); 10 and 5 in stock.
Given cart_with_two_lines() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(product_with("SKU-2", 500, 5));
  given.add(CartOpened{cart_id, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{cart_id, Sku("SKU-1"), Quantity{2}, eur(1200)});
  given.add(CartItemAdded{cart_id, Sku("SKU-2"), Quantity{1}, eur(500)});
  return given;
}

CheckOutCart checkout() { return CheckOutCart{cart_id, order_id}; }

}  // namespace

TEST_CASE("checkout records CartCheckedOut, OrderPlaced, then StockReserved per line",
          "[decider]") {
  Given given = cart_with_two_lines();
  DecideContext context{Timestamp{1000}, Duration{600}};
  auto d = when(given, checkout(), customer("alice"), std::nullopt, context);
  CHECK(d == then({CartCheckedOut{cart_id, order_id},
                   OrderPlaced{order_id,
                               cart_id,
                               CustomerId("alice"),
                               {line("SKU-1", 2, 1200), line("SKU-2", 1, 500)},
                               eur(2900),
                               Timestamp{1600}},
                   StockReserved{Sku("SKU-1"), order_id, Quantity{2}},
                   StockReserved{Sku("SKU-2"), order_id, Quantity{1}}}));
}

TEST_CASE("checkout prices the order at the products' prices of that moment", "[decider]") {
  Given given = cart_with_two_lines();
  given.add(ProductRepriced{Sku("SKU-1"), eur(1000)});
  auto d = when(given, checkout());
  REQUIRE(d);
  const auto& order = std::get<OrderPlaced>((*d)[1]);
  CHECK(order.lines[0].unit_price == eur(1000));
  CHECK(order.total == eur(2500));
}

TEST_CASE("checkout of a missing cart is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, checkout())) == "NOT_FOUND");
}

TEST_CASE("checkout of an empty cart is INVALID_STATE", "[decider]") {
  Given given{CartOpened{cart_id, CustomerId("alice"), Currency("EUR")}};
  CHECK(code_of(when(given, checkout())) == "INVALID_STATE");
}

TEST_CASE("checkout of a cart already checked out is INVALID_STATE", "[decider]") {
  Given given = cart_with_two_lines();
  given.add(CartCheckedOut{cart_id, OrderId("o-0")});
  CHECK(code_of(when(given, checkout())) == "INVALID_STATE");
}

TEST_CASE("checkout into an order id already used is ALREADY_EXISTS", "[decider]") {
  Given given = cart_with_two_lines();
  given.add(placed("o-1", "bob", {line("SKU-1", 1, 1200)}));
  CHECK(code_of(when(given, checkout())) == "ALREADY_EXISTS");
}

TEST_CASE("checkout with a retired product is INVALID_STATE", "[decider]") {
  Given given = cart_with_two_lines();
  given.add(ProductRetired{Sku("SKU-2")});
  auto d = when(given, checkout());
  REQUIRE(code_of(d) == "INVALID_STATE");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"sku", std::string("SKU-2")}});
}

TEST_CASE("checkout short of stock reserves nothing and names every short line", "[decider]") {
  Given given = cart_with_two_lines();
  given.add(StockReserved{Sku("SKU-1"), OrderId("o-0"), Quantity{9}});
  given.add(StockAdjusted{Sku("SKU-2"), Quantity{-5}, "lost"});
  auto d = when(given, checkout());
  REQUIRE(code_of(d) == "OUT_OF_STOCK");
  CHECK(d.error().shortages == std::vector<Shortage>{{"SKU-1", 2, 1}, {"SKU-2", 1, 0}});
  CHECK(d.error().details == std::vector<ErrorDetail>{{"sku", std::string("SKU-1")},
                                                      {"requested", int64_t{2}},
                                                      {"available", int64_t{1}}});
}

TEST_CASE("checkout with exactly the available stock succeeds", "[decider]") {
  Given given = cart_with_two_lines();
  given.add(StockReserved{Sku("SKU-1"), OrderId("o-0"), Quantity{8}});
  CHECK(code_of(when(given, checkout())) == "accepted");
}

TEST_CASE("checkout whose total would overflow is AMOUNT_EXCEEDED", "[decider]") {
  Given given;
  given.add(ProductDefined{Sku("GOLD"), "Gold bar", eur(std::numeric_limits<int64_t>::max() / 2)});
  given.add(StockReceived{Sku("GOLD"), Quantity{10}, ""});
  given.add(CartOpened{cart_id, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{cart_id, Sku("GOLD"), Quantity{3}, eur(1)});
  CHECK(code_of(when(given, checkout())) == "AMOUNT_EXCEEDED");
}

TEST_CASE("checkout of a product now priced in another currency is CURRENCY_MISMATCH",
          "[decider]") {
  Given given;
  given.add(ProductDefined{Sku("SKU-9"), "Odd", usd(100)});
  given.add(StockReceived{Sku("SKU-9"), Quantity{10}, ""});
  given.add(CartOpened{cart_id, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{cart_id, Sku("SKU-9"), Quantity{1}, eur(100)});
  CHECK(code_of(when(given, checkout())) == "CURRENCY_MISMATCH");
}

TEST_CASE("checkout of a line whose product was never defined is NOT_FOUND", "[decider]") {
  Given given;
  given.add(CartOpened{cart_id, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{cart_id, Sku("GHOST"), Quantity{1}, eur(100)});
  auto d = when(given, checkout());
  REQUIRE(code_of(d) == "NOT_FOUND");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"sku", std::string("GHOST")}});
}

TEST_CASE("checkout by the cart's own customer keeps its customer on the order", "[decider]") {
  Given given = cart_with_two_lines();
  auto d = when(given, checkout(), customer("alice"));
  REQUIRE(d);
  CHECK(std::get<OrderPlaced>((*d)[1]).customer_id == CustomerId("alice"));
}

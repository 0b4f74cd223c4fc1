// cart.open, cart.add_item, cart.remove_item, cart.abandon.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

CartOpened opened() { return CartOpened{cart_id, CustomerId("alice"), Currency("EUR")}; }

Given open_cart_with_mug() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(opened());
  return given;
}

}  // namespace

TEST_CASE("opening a new cart records CartOpened", "[decider]") {
  Given given;
  CHECK(when(given, OpenCart{cart_id, CustomerId("alice"), Currency("EUR")}, customer("alice")) ==
        then({opened()}));
}

TEST_CASE("opening a cart id that has events is ALREADY_EXISTS", "[decider]") {
  Given given{opened(), CartAbandoned{cart_id}};
  CHECK(code_of(when(given, OpenCart{cart_id, CustomerId("alice"), Currency("EUR")})) ==
        "ALREADY_EXISTS");
}

TEST_CASE("opening a cart in currency \"euro\" is INVALID_ARGUMENT", "[decider]") {
  Given given;
  CHECK(code_of(when(given, OpenCart{cart_id, CustomerId("alice"), Currency("euro")})) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, OpenCart{cart_id, CustomerId("alice"), Currency("eur")})) ==
        "INVALID_ARGUMENT");
}

TEST_CASE("adding an item records CartItemAdded at the product's current price", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(ProductRepriced{mug, eur(1500)});
  CHECK(when(given, AddCartItem{cart_id, mug, Quantity{2}}, customer("alice")) ==
        then({CartItemAdded{cart_id, mug, Quantity{2}, eur(1500)}}));
}

TEST_CASE("adding to a cart that does not exist is NOT_FOUND", "[decider]") {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}})) == "NOT_FOUND");
}

TEST_CASE("adding to a checked-out or abandoned cart is INVALID_STATE", "[decider]") {
  Given checked_out = open_cart_with_mug();
  checked_out.add(CartCheckedOut{cart_id, OrderId("o-1")});
  CHECK(code_of(when(checked_out, AddCartItem{cart_id, mug, Quantity{1}})) == "INVALID_STATE");
  Given abandoned = open_cart_with_mug();
  abandoned.add(CartAbandoned{cart_id});
  CHECK(code_of(when(abandoned, AddCartItem{cart_id, mug, Quantity{1}})) == "INVALID_STATE");
}

TEST_CASE("adding an undefined product is NOT_FOUND", "[decider]") {
  Given given{opened()};
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}})) == "NOT_FOUND");
}

TEST_CASE("adding a retired product is INVALID_STATE", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(ProductRetired{mug});
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}})) == "INVALID_STATE");
}

TEST_CASE("adding a product priced in another currency is CURRENCY_MISMATCH", "[decider]") {
  Given given{opened(), ProductDefined{mug, "Mug", usd(1200)}};
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}})) == "CURRENCY_MISMATCH");
}

TEST_CASE("a cart line above 1,000,000 units is AMOUNT_EXCEEDED", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(CartItemAdded{cart_id, mug, Quantity{999'999}, eur(1200)});
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}})) == "accepted");
  auto d = when(given, AddCartItem{cart_id, mug, Quantity{2}});
  REQUIRE(code_of(d) == "AMOUNT_EXCEEDED");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"requested", int64_t{1'000'001}},
                                                      {"allowed", int64_t{1'000'000}}});
}

namespace {

// Alice's open cart holding one unit each of `lines` products "L0", "L1", ...
Given cart_with_lines(size_t lines) {
  Given given = open_cart_with_mug();
  for (size_t i = 0; i < lines; ++i) {
    const Sku sku("L" + std::to_string(i));
    given.add(ProductDefined{sku, "Line", eur(100)});
    given.add(CartItemAdded{cart_id, sku, Quantity{1}, eur(100)});
  }
  return given;
}

DecideContext with_max_cart_lines(size_t max) { return DecideContext{kNow, kTtl, max}; }

}  // namespace

TEST_CASE("a new line in a cart that holds max_cart_lines lines is AMOUNT_EXCEEDED", "[decider]") {
  Given given = cart_with_lines(3);
  auto d = when(given, AddCartItem{cart_id, mug, Quantity{1}}, customer("alice"), std::nullopt,
                with_max_cart_lines(3));
  REQUIRE(code_of(d) == "AMOUNT_EXCEEDED");
  CHECK(d.error().details ==
        std::vector<ErrorDetail>{{"requested", int64_t{4}}, {"allowed", int64_t{3}}});
  CHECK(when(given, AddCartItem{cart_id, mug, Quantity{1}}, customer("alice"), std::nullopt,
             with_max_cart_lines(4)) ==
        then({CartItemAdded{cart_id, mug, Quantity{1}, eur(1200)}}));
}

TEST_CASE("a full cart still takes more of a line it holds, and a new line once one is removed",
          "[decider]") {
  Given given = cart_with_lines(3);
  CHECK(code_of(when(given, AddCartItem{cart_id, Sku("L1"), Quantity{5}}, customer("alice"),
                     std::nullopt, with_max_cart_lines(3))) == "accepted");
  given.add(CartItemRemoved{cart_id, Sku("L1"), Quantity{1}});
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}}, customer("alice"), std::nullopt,
                     with_max_cart_lines(3))) == "accepted");
}

TEST_CASE("by default a cart holds at most 500 lines", "[decider]") {
  Given given = cart_with_lines(499);
  CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{1}})) == "accepted");
  given.add(CartItemAdded{cart_id, mug, Quantity{1}, eur(1200)});
  CHECK(code_of(when(given, AddCartItem{cart_id, Sku("L999"), Quantity{1}})) == "NOT_FOUND");
  given.add(ProductDefined{Sku("L999"), "Line", eur(100)});
  CHECK(code_of(when(given, AddCartItem{cart_id, Sku("L999"), Quantity{1}})) == "AMOUNT_EXCEEDED");
}

TEST_CASE("adding 0, -3 or 1,000,001 units is INVALID_ARGUMENT", "[decider]") {
  Given given = open_cart_with_mug();
  for (int64_t q : {0LL, -3LL, 1'000'001LL}) {
    CHECK(code_of(when(given, AddCartItem{cart_id, mug, Quantity{q}})) == "INVALID_ARGUMENT");
  }
}

TEST_CASE("removing part of a line records the quantity removed", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(CartItemAdded{cart_id, mug, Quantity{3}, eur(1200)});
  CHECK(when(given, RemoveCartItem{cart_id, mug, Quantity{2}}, customer("alice")) ==
        then({CartItemRemoved{cart_id, mug, Quantity{2}}}));
}

TEST_CASE("removing without a quantity removes the whole line", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(CartItemAdded{cart_id, mug, Quantity{3}, eur(1200)});
  given.add(CartItemAdded{cart_id, mug, Quantity{2}, eur(1200)});
  CHECK(when(given, RemoveCartItem{cart_id, mug, std::nullopt}) ==
        then({CartItemRemoved{cart_id, mug, Quantity{5}}}));
}

TEST_CASE("removing from a missing cart is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, RemoveCartItem{cart_id, mug, std::nullopt})) == "NOT_FOUND");
}

TEST_CASE("removing a line the cart does not hold is NOT_FOUND", "[decider]") {
  Given given = open_cart_with_mug();
  auto d = when(given, RemoveCartItem{cart_id, mug, std::nullopt});
  REQUIRE(code_of(d) == "NOT_FOUND");
  CHECK(d.error().details ==
        std::vector<ErrorDetail>{{"cart_id", std::string("c-1")}, {"sku", std::string("SKU-1")}});
}

TEST_CASE("removing more than the line holds is AMOUNT_EXCEEDED", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(CartItemAdded{cart_id, mug, Quantity{3}, eur(1200)});
  CHECK(code_of(when(given, RemoveCartItem{cart_id, mug, Quantity{4}})) == "AMOUNT_EXCEEDED");
}

TEST_CASE("removing from a closed cart is INVALID_STATE", "[decider]") {
  Given given = open_cart_with_mug();
  given.add(CartItemAdded{cart_id, mug, Quantity{3}, eur(1200)}).add(CartAbandoned{cart_id});
  CHECK(code_of(when(given, RemoveCartItem{cart_id, mug, std::nullopt})) == "INVALID_STATE");
}

TEST_CASE("abandoning an open cart records CartAbandoned", "[decider]") {
  Given given{opened()};
  CHECK(when(given, AbandonCart{cart_id}, customer("alice")) == then({CartAbandoned{cart_id}}));
}

TEST_CASE("abandoning a missing cart is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, AbandonCart{cart_id})) == "NOT_FOUND");
}

TEST_CASE("abandoning an abandoned or checked-out cart is INVALID_STATE", "[decider]") {
  Given abandoned{opened(), CartAbandoned{cart_id}};
  CHECK(code_of(when(abandoned, AbandonCart{cart_id})) == "INVALID_STATE");
  Given checked_out{opened(), CartCheckedOut{cart_id, OrderId("o-1")}};
  CHECK(code_of(when(checked_out, AbandonCart{cart_id})) == "INVALID_STATE");
}

// The cart's side of a checkout across partitions (cluster mode): cart.checkout starts
// a saga when the order or a product lives in another partition, and the engine's
// cart.finish_checkout ends it. Given events, when a command, then events or a refusal.
#include <string>

#include "engine/model/routing.h"
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

constexpr uint32_t kPartitions = 4;

// The first "<stem><n>" whose partition is (or, with `same` false, is not) `partition`.
std::string id_in(const std::string& stem, uint32_t partition, bool same = true) {
  for (int n = 0;; ++n) {
    std::string id = stem + std::to_string(n);
    if ((partition_of(id, kPartitions) == partition) == same) return id;
  }
}

// The context of the engine serving the cart's partition.
struct Place {
  CartId cart{id_in("c-", 0)};
  uint32_t here = partition_of(cart.str(), kPartitions);
  Sku local_sku{id_in("SKU-L", here)};
  Sku remote_sku{id_in("SKU-R", here, false)};
  OrderId local_order{id_in("o-L", here)};
  OrderId remote_order{id_in("o-R", here, false)};
  DecideContext context() const {
    DecideContext c{kNow};
    c.partition = DecideContext::Partition{here, kPartitions};
    return c;
  }
};

Given cart_holding(const Place& p, const Sku& sku) {
  Given given;
  given.add(product_with(p.local_sku.str().c_str(), 1000, 10));
  given.add(CartOpened{p.cart, CustomerId("alice"), Currency("EUR")});
  given.add(CartItemAdded{p.cart, sku, Quantity{2}, eur(1000)});
  return given;
}

Decision checkout(Given& given, const Place& p, const OrderId& order,
                  Actor actor = customer("alice")) {
  return when(given, CheckOutCart{p.cart, order}, std::move(actor), std::nullopt, p.context());
}

Decision finish(Given& given, const Place& p, FinishCheckout command) {
  return when(given, std::move(command), engine_actor(), std::nullopt, p.context());
}

}  // namespace

TEST_CASE("cart.checkout with a product in another partition starts a saga on the cart",
          "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.remote_sku);
  auto d = checkout(given, p, p.local_order);
  CHECK(d ==
        then({CheckoutStarted{p.cart, p.local_order, 1, Timestamp{kNow.micros + kTtl.micros}}}));
  REQUIRE(d);
  given.add(*d, kNow);
  CHECK(given.cart(p.cart).status == CartStatus::kCheckingOut);
  // The cart takes no change while its checkout runs, and no second checkout.
  CHECK(code_of(when(given, AddCartItem{p.cart, p.local_sku, Quantity{1}}, customer("alice"),
                     std::nullopt, p.context())) == "INVALID_STATE");
  CHECK(code_of(checkout(given, p, p.local_order)) == "INVALID_STATE");
  CHECK(code_of(when(given, AbandonCart{p.cart}, customer("alice"), std::nullopt, p.context())) ==
        "INVALID_STATE");
}

TEST_CASE("cart.checkout into an order of another partition starts a saga even for local lines",
          "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.local_sku);
  CHECK(checkout(given, p, p.remote_order) ==
        then({CheckoutStarted{p.cart, p.remote_order, 1, Timestamp{kNow.micros + kTtl.micros}}}));
}

TEST_CASE(
    "cart.checkout whose order and products all live in the cart's partition stays one "
    "atomic append",
    "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.local_sku);
  auto d = checkout(given, p, p.local_order);
  REQUIRE(d);
  REQUIRE(d->size() == 3);
  CHECK(std::holds_alternative<CartCheckedOut>((*d)[0]));
  CHECK(std::holds_alternative<OrderPlaced>((*d)[1]));
  CHECK((*d)[2] == EventData{StockReserved{p.local_sku, p.local_order, Quantity{2}}});
}

TEST_CASE("a saga's start refuses what the single node refuses about the cart", "[decider][saga]") {
  const Place p;
  Given none;
  CHECK(code_of(checkout(none, p, p.local_order)) == "NOT_FOUND");
  Given given = cart_holding(p, p.remote_sku);
  CHECK(code_of(checkout(given, p, p.local_order, customer("bob"))) == "FORBIDDEN");
  Given empty;
  empty.add(CartOpened{p.cart, CustomerId("alice"), Currency("EUR")});
  CHECK(code_of(checkout(empty, p, p.remote_order)) == "INVALID_STATE");
  // An order of this partition already in use: ALREADY_EXISTS before anything is held.
  given.add(placed(p.local_order.str().c_str(), "carol", {line("SKU-X", 1, 100)}), kNow);
  CHECK(code_of(checkout(given, p, p.local_order)) == "ALREADY_EXISTS");
}

TEST_CASE("cart.finish_checkout placed closes the cart once", "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.remote_sku);
  given.add(*checkout(given, p, p.remote_order), kNow);
  auto d = finish(given, p, FinishCheckout{p.cart, 1, true, "", ""});
  CHECK(d == then({CartCheckedOut{p.cart, p.remote_order}}));
  REQUIRE(d);
  given.add(*d, kNow);
  CHECK(given.cart(p.cart).status == CartStatus::kCheckedOut);
  CHECK(given.cart(p.cart).order_id == p.remote_order);
  // Delivered again, or the other outcome late: the saga has ended, nothing changes.
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 1, true, "", ""})) == "INVALID_STATE");
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "x"})) ==
        "INVALID_STATE");
}

TEST_CASE("cart.finish_checkout failed opens the cart again and the next checkout is a new attempt",
          "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.remote_sku);
  given.add(*checkout(given, p, p.remote_order), kNow);
  auto d = finish(given, p, FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "SKU short"});
  CHECK(d == then({CheckoutFailed{p.cart, p.remote_order, 1, "OUT_OF_STOCK", "SKU short"}}));
  REQUIRE(d);
  given.add(*d, kNow);
  CHECK(given.cart(p.cart).status == CartStatus::kOpen);
  CHECK(code_of(when(given, AddCartItem{p.cart, p.local_sku, Quantity{1}}, customer("alice"),
                     std::nullopt, p.context())) == "accepted");
  auto again = checkout(given, p, p.remote_order);
  CHECK(again ==
        then({CheckoutStarted{p.cart, p.remote_order, 2, Timestamp{kNow.micros + kTtl.micros}}}));
  // The end of attempt 1 delivered late does not end attempt 2.
  REQUIRE(again);
  given.add(*again, kNow);
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 1, true, "", ""})) == "INVALID_STATE");
}

TEST_CASE("cart.finish_checkout is the engine's own: refused from anyone else and checked",
          "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.remote_sku);
  given.add(*checkout(given, p, p.remote_order), kNow);
  CHECK(code_of(when(given, FinishCheckout{p.cart, 1, true, "", ""}, staff(), std::nullopt,
                     p.context())) == "FORBIDDEN");
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 1, false, "NOT_A_CODE", ""})) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 0, true, "", ""})) == "INVALID_ARGUMENT");
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 1, true, "", "", true})) ==
        "INVALID_ARGUMENT");
}

TEST_CASE("a refusal is logged before the holds are released and the attempt ends after them",
          "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.remote_sku);
  given.add(*checkout(given, p, p.remote_order), kNow);
  auto noted = finish(given, p, FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "short", true});
  CHECK(noted == then({CheckoutRefused{p.cart, p.remote_order, 1, "OUT_OF_STOCK", "short"}}));
  REQUIRE(noted);
  given.add(*noted, kNow);
  // Still running: the cart takes no change, a new owner resumes it (and finds the refusal).
  CHECK(given.cart(p.cart).status == CartStatus::kCheckingOut);
  CHECK(code_of(when(given, AddCartItem{p.cart, p.local_sku, Quantity{1}}, customer("alice"),
                     std::nullopt, p.context())) == "INVALID_STATE");
  auto failed = finish(given, p, FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "short"});
  CHECK(failed == then({CheckoutFailed{p.cart, p.remote_order, 1, "OUT_OF_STOCK", "short"}}));
  REQUIRE(failed);
  given.add(*failed, kNow);
  CHECK(given.cart(p.cart).status == CartStatus::kOpen);
  // Its ids differ: the note and the end are two commands of the attempt.
  CHECK(engine_command_id(FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "short", true}) !=
        engine_command_id(FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "short"}));
  // Late, after the end: nothing changes.
  CHECK(code_of(finish(given, p, FinishCheckout{p.cart, 1, false, "OUT_OF_STOCK", "x", true})) ==
        "INVALID_STATE");
}

TEST_CASE("a single node (no partition) decides a checkout with an unknown product as before",
          "[decider][saga]") {
  const Place p;
  Given given = cart_holding(p, p.remote_sku);
  CHECK(code_of(when(given, CheckOutCart{p.cart, p.remote_order}, customer("alice"))) ==
        "NOT_FOUND");
}

TEST_CASE("cart.add_item of a product of another partition takes the price its partition quoted",
          "[decider][saga]") {
  const Place p;
  Given given;
  given.add(CartOpened{p.cart, CustomerId("alice"), Currency("EUR")});
  const auto add = [&](std::optional<Money> quote) {
    AddCartItem item{p.cart, p.remote_sku, Quantity{2}};
    item.quoted_price = quote;
    return when(given, item, customer("alice"), std::nullopt, p.context());
  };
  CHECK(add(eur(700)) == then({CartItemAdded{p.cart, p.remote_sku, Quantity{2}, eur(700)}}));
  // Not quoted: this partition knows nothing of it (the service quotes every one).
  CHECK(code_of(add(std::nullopt)) == "NOT_FOUND");
  CHECK(code_of(add(usd(700))) == "CURRENCY_MISMATCH");
}

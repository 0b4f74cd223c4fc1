// The cart view: lines at current prices while open, frozen once closed.
#include "projections/cart_view.h"

#include <catch2/catch.hpp>
#include <limits>

#include "tests/projections/recorder.h"

using namespace stockroom;
using namespace stockroom::projections;
using namespace stockroom::testing;

namespace {

std::vector<EventData> open_with_lines() {
  return {CartOpened{c1, CustomerId("alice"), Currency("EUR")},
          CartItemAdded{c1, mug, Quantity{2}, eur(1000)},
          CartItemAdded{c1, plate, Quantity{3}, eur(250)}};
}

}  // namespace

TEST_CASE("cart view after open is an empty open cart in its currency", "[views]") {
  Recorder log;
  const CartView v = fold<CartView>(log.record_all({open_with_lines()[0]}));
  CHECK(v.cart_id == c1);
  CHECK(v.customer_id == CustomerId("alice"));
  CHECK(v.status == CartViewStatus::kOpen);
  CHECK(v.currency == Currency("EUR"));
  CHECK(v.lines.empty());
  CHECK(v.total == eur(0));
  CHECK((v.version == StreamVersion{1} && v.position == Position{1}));
}

TEST_CASE("cart view: adding lines totals quantity times unit price", "[views]") {
  Recorder log;
  const CartView v = fold<CartView>(log.record_all(open_with_lines()));
  CHECK(v.lines ==
        std::vector<CartViewLine>{{mug, Quantity{2}, eur(1000)}, {plate, Quantity{3}, eur(250)}});
  CHECK(v.total == eur(2750));
  CHECK(v.version == StreamVersion{3});
}

TEST_CASE("cart view: the same sku added twice sums into one line at the latest price", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  apply(v, log.record(CartItemAdded{c1, mug, Quantity{1}, eur(1100)}));
  CHECK(v.lines.size() == 2);
  CHECK(v.lines[0] == CartViewLine{mug, Quantity{3}, eur(1100)});
  CHECK(v.total == eur(3300 + 750));
}

TEST_CASE("cart view: removing part of a line, then the whole line", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  apply(v, log.record(CartItemRemoved{c1, plate, Quantity{2}}));
  CHECK(v.lines[1] == CartViewLine{plate, Quantity{1}, eur(250)});
  CHECK(v.total == eur(2250));
  apply(v, log.record(CartItemRemoved{c1, mug, Quantity{2}}));
  CHECK(v.lines == std::vector<CartViewLine>{{plate, Quantity{1}, eur(250)}});
  CHECK(v.total == eur(250));
  CHECK(v.version == StreamVersion{5});
}

TEST_CASE("cart view: a reprice of a held sku changes an open cart's price and position only",
          "[views]") {
  Recorder log;
  log.record(ProductDefined{mug, "Mug", eur(1000)});
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  const RecordedEvent reprice = log.record(ProductRepriced{mug, eur(800)});
  apply(v, reprice);
  CHECK(v.lines[0] == CartViewLine{mug, Quantity{2}, eur(800)});
  CHECK(v.total == eur(1600 + 750));
  CHECK(v.position == reprice.position);
  CHECK(v.version == StreamVersion{3});
}

TEST_CASE("cart view: a reprice of a sku the cart does not hold changes nothing", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  const CartView before = v;
  apply(v, log.record(ProductRepriced{Sku("SKU-9"), eur(1)}));
  CHECK(v == before);
}

TEST_CASE("cart view: checkout closes the cart and freezes its prices", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  apply(v, log.record(CartCheckedOut{c1, OrderId("o-1")}));
  CHECK(v.status == CartViewStatus::kCheckedOut);
  CHECK(v.version == StreamVersion{4});
  const CartView closed = v;
  apply(v, log.record(ProductRepriced{mug, eur(1)}));
  CHECK(v == closed);
  CHECK(v.total == eur(2750));
}

TEST_CASE("cart view: abandon closes the cart and freezes its prices", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  apply(v, log.record(CartAbandoned{c1}));
  CHECK(v.status == CartViewStatus::kAbandoned);
  const CartView closed = v;
  apply(v, log.record(ProductRepriced{plate, eur(1)}));
  CHECK(v == closed);
}

TEST_CASE("cart view ignores other carts and other streams", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  const CartView before = v;
  apply(v, log.record(CartItemAdded{CartId("c-2"), mug, Quantity{1}, eur(1000)}));
  apply(v, log.record(StockReceived{mug, Quantity{5}, ""}));
  CHECK(v == before);
}

TEST_CASE("cart view: a total beyond int64 saturates and says it overflowed", "[views]") {
  Recorder log;
  const int64_t huge = int64_t{1} << 62;
  CartView v = fold<CartView>(log.record_all({CartOpened{c1, CustomerId("alice"), Currency("EUR")},
                                              CartItemAdded{c1, mug, Quantity{4}, eur(huge)}}));
  CHECK(v.total == eur(std::numeric_limits<int64_t>::max()));
  CHECK(v.total_overflow);
  CHECK_THAT(to_json(v),
             Catch::Contains(R"("total":{"amount":9223372036854775807,"currency":"EUR"},)"
                             R"("total_overflow":true,"version":2,"position":2})"));
  // Two lines that overflow only together.
  apply(v, log.record(CartItemRemoved{c1, mug, Quantity{3}}));
  CHECK_FALSE(v.total_overflow);
  CHECK(v.total == eur(huge));
  apply(v, log.record(CartItemAdded{c1, plate, Quantity{2}, eur(huge)}));
  CHECK(v.total_overflow);
  // A reprice down brings the total back in range, and the flag goes.
  apply(v, log.record(ProductRepriced{plate, eur(1)}));
  CHECK_FALSE(v.total_overflow);
  CHECK(v.total == eur(huge + 2));
  CHECK(to_json(v).find("total_overflow") == std::string::npos);
}

TEST_CASE("cart view follows skus only while open", "[views]") {
  Recorder log;
  CartView v = fold<CartView>(log.record_all(open_with_lines()));
  CHECK(skus_following_prices(v) == std::vector<Sku>{mug, plate});
  apply(v, log.record(CartAbandoned{c1}));
  CHECK(skus_following_prices(v).empty());
}

TEST_CASE("cart view JSON has the documented fields in order", "[views]") {
  Recorder log;
  const CartView v = fold<CartView>(log.record_all(open_with_lines()));
  CHECK(to_json(v) ==
        R"({"cart_id":"c-1","customer_id":"alice","status":"open","currency":"EUR","lines":[)"
        R"({"sku":"SKU-1","quantity":2,"unit_price":{"amount":1000,"currency":"EUR"}},)"
        R"({"sku":"SKU-2","quantity":3,"unit_price":{"amount":250,"currency":"EUR"}}],)"
        R"("total":{"amount":2750,"currency":"EUR"},"version":3,"position":3})");
}

TEST_CASE("cart view JSON round-trips exactly in every status", "[views]") {
  Recorder log;
  const CartView open = fold<CartView>(log.record_all(open_with_lines()));
  CartView checked_out = open;
  checked_out.status = CartViewStatus::kCheckedOut;
  CartView abandoned = open;
  abandoned.status = CartViewStatus::kAbandoned;
  CartView overflowed = open;
  overflowed.total = eur(std::numeric_limits<int64_t>::max());
  overflowed.total_overflow = true;
  for (const CartView& original : {CartView{}, open, checked_out, abandoned, overflowed}) {
    const std::string json = to_json(original);
    const Result<CartView> back = cart_view_from_json(json);
    REQUIRE(back);
    CHECK(*back == original);
    CHECK(to_json(*back) == json);
  }
}

TEST_CASE("cart view from junk or a bad status or currency is MALFORMED", "[views]") {
  Recorder log;
  const std::string good = to_json(fold<CartView>(log.record_all(open_with_lines())));
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  for (const std::string& junk : {
           std::string("\"cart\""),
           std::string("{}"),
           replaced(R"("status":"open")", R"("status":"closed")"),
           replaced(R"("currency":"EUR")", R"("currency":"eur")"),
           replaced(R"("quantity":2)", R"("quantity":2.5)"),
           replaced(R"("version":3)", R"("version":null)"),
           replaced(R"("version":3)", R"("total_overflow":1,"version":3)"),
       }) {
    const Result<CartView> v = cart_view_from_json(junk);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::kMalformed);
  }
}

// product.define, product.reprice, product.retire, inventory.receive, inventory.adjust.
#include <limits>

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const Sku sku1("SKU-1");

ProductDefined defined_sku1() { return ProductDefined{sku1, "Mug", eur(1200)}; }

}  // namespace

TEST_CASE("defining a new sku records ProductDefined", "[decider]") {
  Given given;
  CHECK(when(given, DefineProduct{sku1, "Mug", eur(1200)}) == then({defined_sku1()}));
}

TEST_CASE("defining a sku twice is ALREADY_EXISTS", "[decider]") {
  Given given{defined_sku1()};
  auto d = when(given, DefineProduct{sku1, "Mug", eur(1200)});
  CHECK(code_of(d) == "ALREADY_EXISTS");
}

TEST_CASE("a product name of 1 to 200 code points is accepted, more or none is refused",
          "[decider]") {
  Given given;
  std::string two_hundred_umlauts;
  for (int i = 0; i < 200; ++i) two_hundred_umlauts += "\xC3\xBC";  // 400 bytes, 200 chars
  CHECK(code_of(when(given, DefineProduct{sku1, two_hundred_umlauts, eur(1)})) == "accepted");
  CHECK(code_of(when(given, DefineProduct{sku1, two_hundred_umlauts + "x", eur(1)})) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, DefineProduct{sku1, "", eur(1)})) == "INVALID_ARGUMENT");
}

TEST_CASE("a product priced below zero is INVALID_ARGUMENT, zero is free", "[decider]") {
  Given given;
  CHECK(code_of(when(given, DefineProduct{sku1, "Mug", eur(-1)})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, DefineProduct{sku1, "Sticker", eur(0)})) == "accepted");
}

TEST_CASE("repricing a product records ProductRepriced", "[decider]") {
  Given given{defined_sku1()};
  CHECK(when(given, RepriceProduct{sku1, eur(999)}) == then({ProductRepriced{sku1, eur(999)}}));
}

TEST_CASE("repricing an undefined product is NOT_FOUND", "[decider]") {
  Given given;
  auto d = when(given, RepriceProduct{sku1, eur(999)});
  REQUIRE(code_of(d) == "NOT_FOUND");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"sku", std::string("SKU-1")}});
}

TEST_CASE("repricing a retired product is INVALID_STATE", "[decider]") {
  Given given{defined_sku1(), ProductRetired{sku1}};
  CHECK(code_of(when(given, RepriceProduct{sku1, eur(999)})) == "INVALID_STATE");
}

TEST_CASE("repricing in another currency is CURRENCY_MISMATCH", "[decider]") {
  Given given{defined_sku1()};
  auto d = when(given, RepriceProduct{sku1, usd(999)});
  REQUIRE(code_of(d) == "CURRENCY_MISMATCH");
  CHECK(d.error().details ==
        std::vector<ErrorDetail>{{"expected", std::string("EUR")}, {"actual", std::string("USD")}});
}

TEST_CASE("repricing below zero is INVALID_ARGUMENT", "[decider]") {
  Given given{defined_sku1()};
  CHECK(code_of(when(given, RepriceProduct{sku1, eur(-5)})) == "INVALID_ARGUMENT");
}

TEST_CASE("retiring a product records ProductRetired", "[decider]") {
  Given given{defined_sku1()};
  CHECK(when(given, RetireProduct{sku1}) == then({ProductRetired{sku1}}));
}

TEST_CASE("retiring an undefined product is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, RetireProduct{sku1})) == "NOT_FOUND");
}

TEST_CASE("retiring a retired product is INVALID_STATE", "[decider]") {
  Given given{defined_sku1(), ProductRetired{sku1}};
  CHECK(code_of(when(given, RetireProduct{sku1})) == "INVALID_STATE");
}

TEST_CASE("receiving stock records StockReceived with its reference", "[decider]") {
  Given given{defined_sku1()};
  CHECK(when(given, ReceiveStock{sku1, Quantity{40}, "po-7"}) ==
        then({StockReceived{sku1, Quantity{40}, "po-7"}}));
}

TEST_CASE("receiving stock for an undefined product is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, ReceiveStock{sku1, Quantity{1}, ""})) == "NOT_FOUND");
}

TEST_CASE("a retired product may still receive stock", "[decider]") {
  Given given{defined_sku1(), ProductRetired{sku1}};
  CHECK(code_of(when(given, ReceiveStock{sku1, Quantity{3}, ""})) == "accepted");
}

TEST_CASE("receiving 0 or more than 1,000,000 units is INVALID_ARGUMENT", "[decider]") {
  Given given{defined_sku1()};
  CHECK(code_of(when(given, ReceiveStock{sku1, Quantity{0}, ""})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, ReceiveStock{sku1, Quantity{1'000'001}, ""})) == "INVALID_ARGUMENT");
}

TEST_CASE("receiving stock that would overflow on_hand is AMOUNT_EXCEEDED", "[decider]") {
  Given given{defined_sku1(),
              StockAdjusted{sku1, Quantity{std::numeric_limits<int64_t>::max() - 5}, "audit"}};
  CHECK(code_of(when(given, ReceiveStock{sku1, Quantity{6}, ""})) == "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, ReceiveStock{sku1, Quantity{5}, ""})) == "accepted");
}

TEST_CASE("adjusting stock up or down records StockAdjusted", "[decider]") {
  Given given{defined_sku1(), StockReceived{sku1, Quantity{10}, ""}};
  CHECK(when(given, AdjustStock{sku1, Quantity{-4}, "breakage"}) ==
        then({StockAdjusted{sku1, Quantity{-4}, "breakage"}}));
  CHECK(when(given, AdjustStock{sku1, Quantity{2}, "found"}) ==
        then({StockAdjusted{sku1, Quantity{2}, "found"}}));
}

TEST_CASE("adjusting an undefined product is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{1}, "found"})) == "NOT_FOUND");
}

TEST_CASE("an adjustment of 0 or beyond 1,000,000 either way is INVALID_ARGUMENT", "[decider]") {
  Given given{defined_sku1()};
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{0}, "noop"})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{1'000'001}, "x"})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{-1'000'001}, "x"})) == "INVALID_ARGUMENT");
}

TEST_CASE("an adjustment needs a reason", "[decider]") {
  Given given{defined_sku1()};
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{1}, ""})) == "INVALID_ARGUMENT");
}

TEST_CASE("adjusting on_hand below what is reserved is OUT_OF_STOCK", "[decider]") {
  Given given{defined_sku1(), StockReceived{sku1, Quantity{10}, ""},
              StockReserved{sku1, OrderId("o-1"), Quantity{7}}};
  auto d = when(given, AdjustStock{sku1, Quantity{-4}, "breakage"});
  REQUIRE(code_of(d) == "OUT_OF_STOCK");
  CHECK(d.error().details == std::vector<ErrorDetail>{{"sku", std::string("SKU-1")},
                                                      {"requested", int64_t{4}},
                                                      {"available", int64_t{3}}});
  CHECK(d.error().shortages == std::vector<Shortage>{{"SKU-1", 4, 3}});
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{-3}, "breakage"})) == "accepted");
}

TEST_CASE("adjusting on_hand below zero is OUT_OF_STOCK", "[decider]") {
  Given given{defined_sku1(), StockReceived{sku1, Quantity{2}, ""}};
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{-3}, "miscount"})) == "OUT_OF_STOCK");
}

TEST_CASE("an adjustment that would overflow on_hand is AMOUNT_EXCEEDED", "[decider]") {
  Given given{defined_sku1(),
              StockAdjusted{sku1, Quantity{std::numeric_limits<int64_t>::max()}, "audit"}};
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{1}, "found"})) == "AMOUNT_EXCEEDED");
}

TEST_CASE("a retired product's stock may still be adjusted", "[decider]") {
  Given given{defined_sku1(), StockReceived{sku1, Quantity{5}, ""}, ProductRetired{sku1}};
  CHECK(code_of(when(given, AdjustStock{sku1, Quantity{-5}, "scrapped"})) == "accepted");
}

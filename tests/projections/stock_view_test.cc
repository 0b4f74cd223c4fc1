// The stock view: every product event moves its fields like the product aggregate.
#include "projections/stock_view.h"

#include <catch2/catch.hpp>

#include "tests/projections/recorder.h"

using namespace stockroom;
using namespace stockroom::projections;
using namespace stockroom::testing;

namespace {}  // namespace

TEST_CASE("stock view after define shows name, price and no stock", "[views]") {
  Recorder log;
  const StockView v = fold<StockView>(log.record_all({ProductDefined{mug, "Mug", eur(1200)}}));
  CHECK(v.sku == mug);
  CHECK(v.name == "Mug");
  CHECK(v.price == eur(1200));
  CHECK_FALSE(v.retired);
  CHECK((v.on_hand == 0 && v.reserved == 0 && v.available() == 0));
  CHECK(v.version == StreamVersion{1});
  CHECK(v.position == Position{1});
}

TEST_CASE("stock view follows reprice and retire", "[views]") {
  Recorder log;
  const StockView v =
      fold<StockView>(log.record_all({ProductDefined{mug, "Mug", eur(1200)},
                                      ProductRepriced{mug, eur(990)}, ProductRetired{mug}}));
  CHECK(v.price == eur(990));
  CHECK(v.retired);
  CHECK(v.name == "Mug");
  CHECK(v.version == StreamVersion{3});
}

TEST_CASE("stock view: receive and adjust move on_hand", "[views]") {
  Recorder log;
  StockView v = fold<StockView>(log.record_all(
      {ProductDefined{mug, "Mug", eur(1200)}, StockReceived{mug, Quantity{10}, "PO-1"}}));
  CHECK((v.on_hand == 10 && v.available() == 10));
  apply(v, log.record(StockAdjusted{mug, Quantity{-3}, "broken"}));
  CHECK((v.on_hand == 7 && v.reserved == 0 && v.available() == 7));
  apply(v, log.record(StockAdjusted{mug, Quantity{2}, "found"}));
  CHECK(v.on_hand == 9);
  CHECK(v.version == StreamVersion{4});
}

TEST_CASE("stock view: reserve, release, ship and return keep available = on_hand - reserved",
          "[views]") {
  Recorder log;
  StockView v = fold<StockView>(log.record_all(
      {ProductDefined{mug, "Mug", eur(1200)}, StockReceived{mug, Quantity{10}, ""},
       StockReserved{mug, o1, Quantity{4}}, StockReserved{mug, OrderId("o-2"), Quantity{3}}}));
  CHECK((v.on_hand == 10 && v.reserved == 7 && v.available() == 3));
  apply(v, log.record(StockReleased{mug, OrderId("o-2"), Quantity{3}}));
  CHECK((v.on_hand == 10 && v.reserved == 4 && v.available() == 6));
  apply(v, log.record(StockShipped{mug, o1, Quantity{4}}));
  CHECK((v.on_hand == 6 && v.reserved == 0 && v.available() == 6));
  apply(v, log.record(StockReturned{mug, o1, Quantity{1}}));
  CHECK((v.on_hand == 7 && v.reserved == 0 && v.available() == 7));
  CHECK(v.version == StreamVersion{7});
  CHECK(v.position == Position{7});
}

TEST_CASE("stock view ignores other streams and other skus", "[views]") {
  Recorder log;
  StockView v = fold<StockView>(log.record_all({ProductDefined{mug, "Mug", eur(1200)}}));
  const StockView before = v;
  apply(v, log.record(ProductDefined{Sku("SKU-2"), "Plate", eur(500)}));
  apply(v, log.record(CartOpened{CartId("c-1"), CustomerId("alice"), Currency("EUR")}));
  apply(v, log.record(OrderPaid{o1}));
  CHECK(v == before);
}

TEST_CASE("stock view JSON has the documented fields in order", "[views]") {
  Recorder log;
  const StockView v = fold<StockView>(
      log.record_all({ProductDefined{mug, "Mug \"blue\"", eur(1200)},
                      StockReceived{mug, Quantity{10}, ""}, StockReserved{mug, o1, Quantity{3}}}));
  CHECK(to_json(v) ==
        R"({"sku":"SKU-1","name":"Mug \"blue\"","price":{"amount":1200,"currency":"EUR"},)"
        R"("retired":false,"on_hand":10,"reserved":3,"available":7,"version":3,"position":3})");
}

TEST_CASE("stock view JSON round-trips exactly", "[views]") {
  Recorder log;
  StockView v =
      fold<StockView>(log.record_all({ProductDefined{mug, "Tasse ☕", eur(1200)},
                                      StockReceived{mug, Quantity{10}, ""}, ProductRetired{mug}}));
  for (const StockView& original : {StockView{}, v}) {
    const std::string json = to_json(original);
    const Result<StockView> back = stock_view_from_json(json);
    REQUIRE(back);
    CHECK(*back == original);
    CHECK(to_json(*back) == json);
  }
}

TEST_CASE("stock view from junk, a missing field or a wrong available is MALFORMED", "[views]") {
  const std::string good = to_json(StockView{Sku("S"), "n", eur(1), false, 5, 2, {1}, {1}});
  REQUIRE(stock_view_from_json(good));
  for (const std::string& junk : {
           std::string("{not json"),
           std::string(""),
           std::string("[]"),
           good + "x",
           std::string(R"({"sku":"S"})"),
           std::string(R"({"sku":"S","name":"n","price":{"amount":1,"currency":"EUR"},)"
                       R"("retired":false,"on_hand":5,"reserved":2,"available":4,)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","name":"n","price":{"amount":1.5,"currency":"EUR"},)"
                       R"("retired":false,"on_hand":5,"reserved":2,"available":3,)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","name":"n","price":{"amount":1,"currency":"euro"},)"
                       R"("retired":false,"on_hand":5,"reserved":2,"available":3,)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","name":"n","price":{"amount":1,"currency":"EUR"},)"
                       R"("retired":"no","on_hand":5,"reserved":2,"available":3,)"
                       R"("version":-1,"position":1})"),
       }) {
    const Result<StockView> v = stock_view_from_json(junk);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::kMalformed);
  }
}

// fold_stream_view (as_of): one stream's events folded into its kind of view.
#include <catch2/catch.hpp>

#include "projections/cart_view.h"
#include "projections/order_view.h"
#include "projections/projection.h"
#include "projections/rating_view.h"
#include "projections/stock_view.h"
#include "tests/projections/recorder.h"
#include "tests/projections/scenario.h"

using namespace stockroom;
using namespace stockroom::projections;
using namespace stockroom::testing;

TEST_CASE("as_of a product stream is its stock view, the same as kept incrementally", "[views]") {
  Recorder log;
  log.record_all(shop_day());
  MemoryViewStore store;
  REQUIRE(feed(*projection("stock"), store, log.log()));
  for (const char* sku : {"SKU-1", "SKU-2"}) {
    const Result<std::string> json =
        fold_stream_view(std::string("product-") + sku, log.stream(std::string("product-") + sku));
    REQUIRE(json);
    CHECK(*json == store.at(sku));
  }
}

TEST_CASE("as_of an order stream is its order view, the same as kept incrementally", "[views]") {
  Recorder log;
  log.record_all(shop_day());
  MemoryViewStore store;
  REQUIRE(feed(*projection("order"), store, log.log()));
  for (const char* id : {"o-1", "o-2"}) {
    const Result<std::string> json =
        fold_stream_view(std::string("order-") + id, log.stream(std::string("order-") + id));
    REQUIRE(json);
    CHECK(*json == store.at(id));
  }
}

TEST_CASE("as_of a past position folds only the events up to it", "[views]") {
  Recorder log;
  const Sku chair("chair");
  log.record_all({ProductDefined{chair, "Chair", eur(4000)}, StockReceived{chair, Quantity{5}, ""},
                  StockReceived{chair, Quantity{20}, ""}});
  std::vector<RecordedEvent> events = log.stream("product-chair");
  events.pop_back();
  const Result<std::string> json = fold_stream_view("product-chair", events);
  REQUIRE(json);
  const Result<StockView> past = stock_view_from_json(*json);
  REQUIRE(past);
  CHECK(past->on_hand == 5);
  CHECK(past->version == StreamVersion{2});
}

TEST_CASE("as_of a cart keeps the prices its own events recorded", "[views]") {
  Recorder log;
  log.record_all(shop_day());
  const Result<std::string> json = fold_stream_view("cart-c-2", log.stream("cart-c-2"));
  REQUIRE(json);
  const Result<CartView> cart = cart_view_from_json(*json);
  REQUIRE(cart);
  CHECK(cart->status == CartViewStatus::kAbandoned);
  CHECK(cart->lines == std::vector<CartViewLine>{{Sku("SKU-1"), Quantity{1}, eur(1000)}});
  CHECK(cart->total == eur(1000));
  CHECK(cart->version == StreamVersion{3});
}

TEST_CASE("as_of a cart ignores reprices even when they are passed in", "[views]") {
  Recorder log;
  log.record_all(shop_day());
  std::vector<RecordedEvent> events = log.stream("cart-c-2");
  const std::vector<RecordedEvent> reprices = log.stream("product-SKU-1");
  events.insert(events.end(), reprices.begin(), reprices.end());
  const Result<std::string> json = fold_stream_view("cart-c-2", events);
  REQUIRE(json);
  CHECK(*json == fold_stream_view("cart-c-2", log.stream("cart-c-2")).value());
}

TEST_CASE("as_of a review stream is a ratings view of that single review", "[views]") {
  Recorder log;
  log.record_all(shop_day());
  const Result<std::string> mug =
      fold_stream_view("review-SKU-1~alice", log.stream("review-SKU-1~alice"));
  REQUIRE(mug);
  CHECK(
      *mug ==
      R"({"sku":"SKU-1","count":1,"average":5,"histogram":[0,0,0,0,1],"version":2,"position":27})");
  const Result<std::string> plate =
      fold_stream_view("review-SKU-2~alice", log.stream("review-SKU-2~alice"));
  REQUIRE(plate);
  const Result<RatingView> rejected = rating_view_from_json(*plate);
  REQUIRE(rejected);
  CHECK((rejected->count == 0 && rejected->version == 2));
}

TEST_CASE("as_of an unknown stream kind is INVALID_ARGUMENT", "[views]") {
  Recorder log;
  const auto events = log.record_all({ProductDefined{Sku("S"), "n", eur(1)}});
  for (const char* stream : {"widget-1", "product", "", "products-S"}) {
    const Result<std::string> json = fold_stream_view(stream, events);
    REQUIRE_FALSE(json);
    CHECK(json.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("as_of a stream without events is NOT_FOUND", "[views]") {
  Recorder log;
  const auto events = log.record_all({ProductDefined{Sku("S"), "n", eur(1)}});
  const std::vector<RecordedEvent> none;
  const auto check = [](std::string_view stream, const std::vector<RecordedEvent>& given) {
    const Result<std::string> json = fold_stream_view(stream, given);
    REQUIRE_FALSE(json);
    CHECK(json.error().code == ErrorCode::kNotFound);
  };
  check("product-S", none);
  check("order-o-1", none);
  check("product-T", events);  // events of another stream only
}

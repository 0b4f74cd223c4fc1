// The Projections: each keeps its views in its keyspace as exactly to_json(view).
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

namespace {

const std::string kIndexMug = std::string("\x01") + "i/SKU-1/";

// Runs every standard projection over `events`, each in its own store.
std::map<std::string, MemoryViewStore> run_all(const std::vector<RecordedEvent>& events) {
  std::map<std::string, MemoryViewStore> stores;
  for (const auto& p : standard_projections()) {
    REQUIRE(feed(*p, stores[std::string(p->name())], events));
  }
  return stores;
}

std::vector<std::string> view_keys(const MemoryViewStore& store) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : store.entries()) {
    if (!key.starts_with('\x01')) keys.push_back(key);
  }
  return keys;
}

}  // namespace

TEST_CASE("standard projections are order, stock, rating and cart", "[views]") {
  std::vector<std::string> names;
  for (const auto& p : standard_projections()) names.emplace_back(p->name());
  CHECK(names == std::vector<std::string>{"order", "stock", "rating", "cart"});
}

TEST_CASE("stock and order projections store exactly the JSON of the folded view", "[views]") {
  Recorder log;
  const auto events = log.record_all(shop_day());
  auto stores = run_all(events);
  CHECK(view_keys(stores["stock"]) == std::vector<std::string>{"SKU-1", "SKU-2"});
  CHECK(stores["stock"].at("SKU-1") == to_json(fold<StockView>(log.stream("product-SKU-1"))));
  CHECK(stores["stock"].at("SKU-2") == to_json(fold<StockView>(log.stream("product-SKU-2"))));
  CHECK(view_keys(stores["order"]) == std::vector<std::string>{"o-1", "o-2"});
  CHECK(stores["order"].at("o-1") == to_json(fold<OrderView>(log.stream("order-o-1"))));
  CHECK(stores["order"].at("o-2") == to_json(fold<OrderView>(log.stream("order-o-2"))));
  CHECK(stores["stock"].entries().size() == 2);
  CHECK(stores["order"].entries().size() == 2);
}

TEST_CASE("views kept decoded for a whole group store the same bytes as event by event",
          "[views]") {
  // The engine's overlay decodes a view at the group's first event on its key and
  // encodes it once at the end; the stored bytes must not depend on the grouping.
  Recorder log;
  const auto events = log.record_all(shop_day());
  const auto one_by_one = run_all(events);
  for (const auto& p : standard_projections()) {
    INFO("projection " << p->name());
    MemoryViewStore grouped;
    grouped.keeping(true);
    REQUIRE(feed(*p, grouped, events));
    CHECK(grouped.kept() > 0);  // the whole day was one group
    grouped.flush();
    CHECK(grouped.entries() == one_by_one.at(std::string(p->name())).entries());
  }
}

TEST_CASE("the shop day ends with the views a client expects", "[views]") {
  Recorder log;
  auto stores = run_all(log.record_all(shop_day()));
  const auto plate = stock_view_from_json(stores["stock"].at("SKU-2"));
  REQUIRE(plate);
  CHECK((plate->on_hand == 5 && plate->reserved == 0 && plate->retired));
  const auto o1 = order_view_from_json(stores["order"].at("o-1"));
  REQUIRE(o1);
  CHECK(o1->status == OrderViewStatus::kDelivered);
  CHECK((o1->captured == eur(1850) && o1->refunded == eur(250)));
  const auto o2 = order_view_from_json(stores["order"].at("o-2"));
  REQUIRE(o2);
  CHECK((o2->status == OrderViewStatus::kCancelled && o2->refund_due == eur(0)));
  const auto mug_rating = rating_view_from_json(stores["rating"].at("SKU-1"));
  REQUIRE(mug_rating);
  CHECK((mug_rating->count == 1 && mug_rating->average_hundredths() == 500));
  const auto plate_rating = rating_view_from_json(stores["rating"].at("SKU-2"));
  REQUIRE(plate_rating);
  CHECK((plate_rating->count == 0 && plate_rating->version == 2));
}

TEST_CASE("a rebuild from the same log gives byte-for-byte the same keyspaces", "[views]") {
  Recorder log;
  const auto events = log.record_all(shop_day());
  const auto first = run_all(events);
  const auto second = run_all(events);
  for (const auto& [name, store] : first) {
    INFO(name);
    CHECK(store.entries() == second.at(name).entries());
  }
}

TEST_CASE("a projection writes nothing for events of other kinds", "[views]") {
  Recorder log;
  const RecordedEvent paid = log.record(OrderPaid{OrderId("o-1")});
  for (const char* name : {"stock", "rating", "cart"}) {
    MemoryViewStore store;
    REQUIRE(projection(name)->apply(paid, store));
    CHECK(store.entries().empty());
  }
  MemoryViewStore store;
  REQUIRE(projection("order")->apply(log.record(StockReceived{Sku("S"), Quantity{1}, ""}), store));
  CHECK(store.entries().empty());
}

TEST_CASE("the rating projection keeps each customer's contribution under a control-byte key",
          "[views]") {
  Recorder log;
  MemoryViewStore store;
  REQUIRE(feed(*projection("rating"), store,
               log.record_all({ProductRated{Sku("SKU-1"), CustomerId("alice"), OrderId("o"), 4, ""},
                               RatingRejected{Sku("SKU-1"), CustomerId("alice"), "spam"}})));
  CHECK(store.at(std::string("\x01") + "r/SKU-1/alice") == R"({"stars":4,"counts":false})");
  CHECK(view_keys(store) == std::vector<std::string>{"SKU-1"});
}

TEST_CASE("the cart index lists an open cart under each sku it holds, until it closes", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const auto cart_projection = projection("cart");
  const auto& cart = *cart_projection;
  const CartId c1("c-1");
  REQUIRE(feed(cart, store,
               log.record_all({CartOpened{c1, CustomerId("alice"), Currency("EUR")},
                               CartItemAdded{c1, Sku("SKU-1"), Quantity{1}, eur(10)},
                               CartItemAdded{c1, Sku("SKU-2"), Quantity{2}, eur(20)}})));
  CHECK(store.has(kIndexMug + "c-1"));
  CHECK(store.at(kIndexMug + "c-1").empty());
  CHECK(store.has(std::string("\x01") + "i/SKU-2/c-1"));
  REQUIRE(cart.apply(log.record(CartItemRemoved{c1, Sku("SKU-2"), Quantity{1}}), store));
  CHECK(store.has(std::string("\x01") + "i/SKU-2/c-1"));
  REQUIRE(cart.apply(log.record(CartItemRemoved{c1, Sku("SKU-2"), Quantity{1}}), store));
  CHECK_FALSE(store.has(std::string("\x01") + "i/SKU-2/c-1"));
  REQUIRE(cart.apply(log.record(CartCheckedOut{c1, OrderId("o-1")}), store));
  CHECK(view_keys(store) == std::vector<std::string>{"c-1"});
  CHECK(store.entries().size() == 1);
}

TEST_CASE("a reprice updates every open cart holding the sku and no closed one", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const auto cart_projection = projection("cart");
  const auto& cart = *cart_projection;
  std::vector<EventData> events;
  for (const char* id : {"c-1", "c-2", "c-3"}) {
    events.push_back(CartOpened{CartId(id), CustomerId("alice"), Currency("EUR")});
    events.push_back(CartItemAdded{CartId(id), Sku("SKU-1"), Quantity{2}, eur(100)});
  }
  events.push_back(CartCheckedOut{CartId("c-2"), OrderId("o-2")});
  events.push_back(CartOpened{CartId("c-4"), CustomerId("bob"), Currency("EUR")});
  events.push_back(CartItemAdded{CartId("c-4"), Sku("SKU-10"), Quantity{1}, eur(5)});
  REQUIRE(feed(cart, store, log.record_all(events)));
  const std::string closed = store.at("c-2");
  const std::string other_sku = store.at("c-4");
  const RecordedEvent reprice = log.record(ProductRepriced{Sku("SKU-1"), eur(70)});
  REQUIRE(cart.apply(reprice, store));
  for (const char* id : {"c-1", "c-3"}) {
    const auto v = cart_view_from_json(store.at(id));
    REQUIRE(v);
    CHECK(v->lines[0].unit_price == eur(70));
    CHECK(v->total == eur(140));
    CHECK(v->position == reprice.position);
    CHECK(v->version == StreamVersion{2});
  }
  CHECK(store.at("c-2") == closed);
  CHECK(store.at("c-4") == other_sku);
}

TEST_CASE("a corrupt stored view fails the apply with MALFORMED naming the key", "[views]") {
  Recorder log;
  for (const char* name : {"stock", "order", "rating", "cart"}) {
    INFO(name);
    MemoryViewStore store;
    for (const char* key : {"SKU-1", "o-1", "c-1"}) store.put(key, "{broken");
    const std::vector<EventData> events = {
        StockReceived{Sku("SKU-1"), Quantity{1}, ""}, OrderPaid{OrderId("o-1")},
        ProductRated{Sku("SKU-1"), CustomerId("a"), OrderId("o-1"), 3, ""},
        CartAbandoned{CartId("c-1")}};
    bool failed = false;
    for (const EventData& e : events) {
      const Status s = projection(name)->apply(log.record(e), store);
      if (s) continue;
      failed = true;
      CHECK(s.error().code == ErrorCode::kMalformed);
      CHECK(s.error().details.back().name == "key");
    }
    CHECK(failed);
  }
}

TEST_CASE("a cart index entry without its cart view fails the reprice with MALFORMED", "[views]") {
  Recorder log;
  MemoryViewStore store;
  store.put(kIndexMug + "c-9", "");
  const Status s =
      projection("cart")->apply(log.record(ProductRepriced{Sku("SKU-1"), eur(1)}), store);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kMalformed);
}

TEST_CASE("a storage error while reading passes through unchanged", "[views]") {
  Recorder log;
  const std::vector<RecordedEvent> events =
      log.record_all({StockReceived{Sku("SKU-1"), Quantity{1}, ""}, OrderPaid{OrderId("o-1")},
                      ProductRated{Sku("SKU-1"), CustomerId("a"), OrderId("o-1"), 3, ""},
                      CartAbandoned{CartId("c-1")}, ProductRepriced{Sku("SKU-1"), eur(1)}});
  for (const auto& p : standard_projections()) {
    MemoryViewStore store;
    store.fail_reads(true);
    bool failed = false;
    for (const RecordedEvent& e : events) {
      const Status s = p->apply(e, store);
      if (s) continue;
      failed = true;
      CHECK(s.error().code == ErrorCode::kUnavailable);
    }
    CHECK(failed);
    CHECK(store.entries().empty());
  }
}

// event_json: the envelope of every event and the data fields of every event type.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "adapters/wire/wire.h"
#include "support/json_object.h"
#include "support/money.h"

using namespace stockroom;
using namespace stockroom::wire;

namespace {

using stockroom::testing::eur;

engine::LoggedEvent logged(EventData data) {
  engine::LoggedEvent e;
  e.event.position = Position{1042};
  e.event.stream = stream_of(data);
  e.event.version = StreamVersion{4};
  e.event.time = Timestamp{1'795'537'080'123'456};  // 2026-11-24T16:18:00.123456Z
  e.event.command_id = CommandId("7f3c9a");
  e.event.actor = Actor{ActorId("alice"), Role::kCustomer};
  e.event.data = std::move(data);
  for (size_t i = 0; i < e.hash.size(); ++i) e.hash[i] = static_cast<uint8_t>(i * 8);
  return e;
}

rapidjson::Document as_json(const engine::LoggedEvent& e) {
  std::string out = "stale";
  event_json(e, out);
  rapidjson::Document d;
  d.Parse(out.c_str(), out.size());
  INFO(out);
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

using stockroom::testing::keys;
using stockroom::testing::str;

template <size_t... I>
std::vector<EventData> every_event_type(std::index_sequence<I...>) {
  return {EventData(std::in_place_index<I>)...};
}

// The data fields of each event type, in the order they are written.
const std::map<std::string, std::vector<std::string>> kDataFields = {
    {"ProductDefined", {"sku", "name", "price"}},
    {"ProductRepriced", {"sku", "price"}},
    {"ProductRetired", {"sku"}},
    {"StockReceived", {"sku", "quantity", "reference"}},
    {"StockAdjusted", {"sku", "delta", "reason"}},
    {"StockReserved", {"sku", "order_id", "quantity"}},
    {"StockReleased", {"sku", "order_id", "quantity"}},
    {"StockShipped", {"sku", "order_id", "quantity"}},
    {"StockReturned", {"sku", "order_id", "quantity"}},
    {"CartOpened", {"cart_id", "customer_id", "currency"}},
    {"CartItemAdded", {"cart_id", "sku", "quantity", "unit_price"}},
    {"CartItemRemoved", {"cart_id", "sku", "quantity"}},
    {"CartAbandoned", {"cart_id"}},
    {"CartCheckedOut", {"cart_id", "order_id"}},
    {"OrderPlaced", {"order_id", "cart_id", "customer_id", "lines", "total", "expires_at"}},
    {"OrderCancelled", {"order_id", "reason", "refund_due"}},
    {"OrderExpired", {"order_id", "refund_due"}},
    {"OrderPaid", {"order_id"}},
    {"OrderShipped", {"order_id", "carrier", "tracking"}},
    {"OrderDelivered", {"order_id"}},
    {"OrderItemsReturned", {"order_id", "lines", "restock"}},
    {"PaymentAuthorized", {"order_id", "payment_id", "amount", "provider_ref"}},
    {"PaymentCaptured", {"order_id", "payment_id", "amount"}},
    {"PaymentVoided", {"order_id", "payment_id", "amount"}},
    {"PaymentFailed", {"order_id", "payment_id", "reason"}},
    {"PaymentRefunded", {"order_id", "payment_id", "amount", "reason"}},
    {"ProductRated", {"sku", "customer_id", "order_id", "stars", "comment"}},
    {"RatingRevised", {"sku", "customer_id", "order_id", "stars", "comment"}},
    {"RatingRejected", {"sku", "customer_id", "reason"}},
    {"HoldPlaced", {"sku", "order_id", "attempt", "quantity", "unit_price", "expires_at"}},
    {"HoldConfirmed", {"sku", "order_id", "attempt"}},
    {"HoldReleased", {"sku", "order_id", "attempt", "quantity", "reason", "expires_at"}},
    {"CheckoutStarted", {"cart_id", "order_id", "attempt", "expires_at"}},
    {"CheckoutFailed", {"cart_id", "order_id", "attempt", "code", "message"}},
    {"CheckoutRefused", {"cart_id", "order_id", "attempt", "code", "message"}},
};

}  // namespace

TEST_CASE("event json: the envelope has the contract's fields", "[wire]") {
  const rapidjson::Document d = as_json(logged(StockReceived{Sku("SKU-1"), Quantity{5}, "PO-1"}));
  CHECK(keys(d) == std::vector<std::string>{"position", "stream", "version", "type", "time",
                                            "command_id", "actor", "data", "hash"});
  CHECK(d["position"].GetUint64() == 1042);
  CHECK(str(d["stream"]) == "product-SKU-1");
  CHECK(d["version"].GetUint64() == 4);
  CHECK(str(d["type"]) == "StockReceived");
  CHECK(str(d["time"]) == "2026-11-24T16:18:00.123456Z");
  CHECK(str(d["command_id"]) == "7f3c9a");
  CHECK(keys(d["actor"]) == std::vector<std::string>{"id", "role"});
  CHECK(str(d["actor"]["id"]) == "alice");
  CHECK(str(d["actor"]["role"]) == "customer");
  CHECK(str(d["hash"]) == "0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8");
  CHECK(str(d["data"]["sku"]) == "SKU-1");
  CHECK(d["data"]["quantity"].GetInt64() == 5);
  CHECK(str(d["data"]["reference"]) == "PO-1");
}

TEST_CASE("event json: OrderPlaced shows its lines, total and expiry", "[wire]") {
  const OrderPlaced placed{
      OrderId("o-1"),
      CartId("c-1"),
      CustomerId("alice"),
      {OrderLine{Sku("A"), Quantity{2}, eur(1000)}, OrderLine{Sku("B"), Quantity{1}, eur(250)}},
      eur(2250),
      Timestamp{1'000'002}};
  const rapidjson::Document d = as_json(logged(placed));
  CHECK(str(d["type"]) == "OrderPlaced");
  CHECK(str(d["stream"]) == "order-o-1");
  const rapidjson::Value& data = d["data"];
  CHECK(str(data["order_id"]) == "o-1");
  CHECK(str(data["cart_id"]) == "c-1");
  CHECK(str(data["customer_id"]) == "alice");
  REQUIRE(data["lines"].Size() == 2);
  const rapidjson::Value& line = data["lines"][0];
  CHECK(keys(line) == std::vector<std::string>{"sku", "quantity", "unit_price"});
  CHECK(str(line["sku"]) == "A");
  CHECK(line["quantity"].GetInt64() == 2);
  CHECK(line["unit_price"]["amount"].GetInt64() == 1000);
  CHECK(str(line["unit_price"]["currency"]) == "EUR");
  CHECK(str(data["lines"][1]["sku"]) == "B");
  CHECK(data["total"]["amount"].GetInt64() == 2250);
  CHECK(str(data["total"]["currency"]) == "EUR");
  CHECK(str(data["expires_at"]) == "1970-01-01T00:00:01.000002Z");
}

TEST_CASE("event json: returns, payments and ratings keep every field", "[wire]") {
  rapidjson::Document d = as_json(
      logged(OrderItemsReturned{OrderId("o-1"), {ReturnLine{Sku("A"), Quantity{1}}}, true}));
  CHECK(d["data"]["restock"].GetBool());
  CHECK(keys(d["data"]["lines"][0]) == std::vector<std::string>{"sku", "quantity"});
  CHECK(d["data"]["lines"][0]["quantity"].GetInt64() == 1);

  d = as_json(logged(PaymentRefunded{OrderId("o-1"), PaymentId("p-1"), eur(300), "goodwill"}));
  CHECK(str(d["data"]["payment_id"]) == "p-1");
  CHECK(d["data"]["amount"]["amount"].GetInt64() == 300);
  CHECK(str(d["data"]["reason"]) == "goodwill");

  d = as_json(logged(StockAdjusted{Sku("S"), Quantity{-3}, "broken"}));
  CHECK(d["data"]["delta"].GetInt64() == -3);

  d = as_json(logged(RatingRevised{Sku("A"), CustomerId("bob"), OrderId("o-1"), 2, "meh \"ok\""}));
  CHECK(str(d["stream"]) == "review-A~bob");
  CHECK(d["data"]["stars"].GetInt64() == 2);
  CHECK(str(d["data"]["comment"]) == "meh \"ok\"");

  d = as_json(logged(CartOpened{CartId("c"), CustomerId("alice"), Currency("USD")}));
  CHECK(str(d["data"]["currency"]) == "USD");
}

TEST_CASE("event json: an order placed by order.place says its stock is elsewhere", "[wire]") {
  OrderPlaced placed{OrderId("o-1"),
                     CartId("c-1"),
                     CustomerId("alice"),
                     {OrderLine{Sku("A"), Quantity{2}, eur(1000)}},
                     eur(2000),
                     Timestamp{1'000'002},
                     true};
  rapidjson::Document d = as_json(logged(placed));
  CHECK(keys(d["data"]) == std::vector<std::string>{"order_id", "cart_id", "customer_id", "lines",
                                                    "total", "expires_at", "stock_elsewhere"});
  CHECK(d["data"]["stock_elsewhere"].GetBool());
  // The one exception to one shape per type: an order of one partition reads as it
  // always has (docs/api.md).
  placed.stock_elsewhere = false;
  d = as_json(logged(placed));
  CHECK_FALSE(d["data"].HasMember("stock_elsewhere"));
}

TEST_CASE("event json: optional text is written empty, so each type has one shape", "[wire]") {
  const rapidjson::Document d = as_json(logged(OrderShipped{OrderId("o-1"), "", ""}));
  CHECK(keys(d["data"]) == std::vector<std::string>{"order_id", "carrier", "tracking"});
  CHECK(str(d["data"]["carrier"]).empty());
}

TEST_CASE("event json: every event type has its type name and all its fields", "[wire]") {
  const std::vector<EventData> all =
      every_event_type(std::make_index_sequence<std::variant_size_v<EventData>>{});
  REQUIRE(all.size() == kDataFields.size());
  for (const EventData& data : all) {
    const std::string type(event_type_name(data));
    INFO(type);
    const rapidjson::Document d = as_json(logged(data));
    CHECK(str(d["type"]) == type);
    REQUIRE(kDataFields.count(type) == 1);
    CHECK(keys(d["data"]) == kDataFields.at(type));
  }
}

TEST_CASE("event json: the engine's own actor and times before 1970", "[wire]") {
  engine::LoggedEvent e = logged(OrderExpired{OrderId("o-1"), eur(0)});
  e.event.actor = engine_actor();
  e.event.time = Timestamp{-1};
  const rapidjson::Document d = as_json(e);
  CHECK(str(d["actor"]["id"]) == "engine");
  CHECK(str(d["actor"]["role"]) == "service");
  CHECK(str(d["time"]) == "1969-12-31T23:59:59.999999Z");
  CHECK(d["data"]["refund_due"]["amount"].GetInt64() == 0);
}

// The JSON codec's query side: each query name with its fields and defaults, and the
// bounds and types that refuse a query.
#include <catch2/catch.hpp>
#include <string>

#include "adapters/wire/wire.h"

using namespace stockroom;
using namespace stockroom::wire;

namespace {

Query query(std::string_view name, std::string_view body) {
  const Result<Query> r = json_codec().decode_query(name, body);
  INFO(name << " " << body << " -> " << (r ? "" : r.error().message));
  REQUIRE(r.has_value());
  return *r;
}

Error query_refusal(std::string_view name, std::string_view body) {
  const Result<Query> r = json_codec().decode_query(name, body);
  INFO(name << " " << body);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

ErrorCode query_code(std::string_view name, std::string_view body) {
  return query_refusal(name, body).code;
}

}  // namespace

TEST_CASE("json query: view queries take their key", "[wire]") {
  Query q = query("order", R"({"order_id":"o-1"})");
  CHECK(q.kind == Query::Kind::kOrder);
  CHECK(q.key == "o-1");
  q = query("stock", R"({"sku":"SKU-1"})");
  CHECK((q.kind == Query::Kind::kStock && q.key == "SKU-1"));
  q = query("rating", R"({"sku":"SKU-2","extra":true})");
  CHECK((q.kind == Query::Kind::kRating && q.key == "SKU-2"));
  q = query("cart", R"({"cart_id":"c-1"})");
  CHECK((q.kind == Query::Kind::kCart && q.key == "c-1"));
  CHECK(view_name(q.kind) == "cart");
}

TEST_CASE("json query: view keys must be non-empty strings", "[wire]") {
  CHECK(query_code("order", "{}") == ErrorCode::kMalformed);
  CHECK(query_code("order", R"({"order_id":5})") == ErrorCode::kMalformed);
  CHECK(query_code("stock", R"({"sku":""})") == ErrorCode::kInvalidArgument);
  CHECK(query_code("cart", R"({"sku":"x"})") == ErrorCode::kMalformed);
  CHECK(query_refusal("order", "{}").message == "order_id: required string");
  // Not checked here: the charset is the engine's (an unknown key is NOT_FOUND there).
  CHECK(query("order", R"({"order_id":"has.dot"})").key == "has.dot");
}

TEST_CASE("json query: history takes a stream, from_version and limit", "[wire]") {
  Query q = query("history", R"({"stream":"order-o-1"})");
  CHECK(q.kind == Query::Kind::kHistory);
  CHECK(q.stream == "order-o-1");
  CHECK(q.from_version == StreamVersion{1});
  CHECK(q.limit == Query::kMaxQueryLimit);
  q = query("history", R"({"stream":"cart-c","from_version":4,"limit":10})");
  CHECK(q.from_version == StreamVersion{4});
  CHECK(q.limit == 10);
  CHECK(query_code("history", R"({"stream":""})") == ErrorCode::kInvalidArgument);
  CHECK(query_code("history", R"({})") == ErrorCode::kMalformed);
  CHECK(query_code("history", R"({"stream":"s","from_version":0})") == ErrorCode::kInvalidArgument);
}

TEST_CASE("json query: events take from_position, limit and types", "[wire]") {
  Query q = query("events", R"({"from_position":42})");
  CHECK(q.kind == Query::Kind::kEvents);
  CHECK(q.from_position == Position{42});
  CHECK(q.limit == 1000);
  CHECK(q.types.empty());
  q = query("events", R"({"from_position":1,"limit":1,"types":["OrderPlaced","StockReserved"]})");
  CHECK(q.limit == 1);
  CHECK(q.types == std::vector<std::string>{"OrderPlaced", "StockReserved"});
  CHECK(query_refusal("events", "{}").message == "from_position: required integer");
  CHECK(query_code("events", R"({"from_position":0})") == ErrorCode::kInvalidArgument);
  CHECK(query_code("events", R"({"from_position":-1})") == ErrorCode::kInvalidArgument);
  CHECK(query_code("events", R"({"from_position":"1"})") == ErrorCode::kMalformed);
  CHECK(query_code("events", R"({"from_position":1,"types":"OrderPlaced"})") ==
        ErrorCode::kMalformed);
  const Error e = query_refusal("events", R"({"from_position":1,"types":["A",7]})");
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.message == "types[1]: expected string, got number");
}

TEST_CASE("json query: limit is 1 to 1000", "[wire]") {
  CHECK(query("events", R"({"from_position":1,"limit":1000})").limit == 1000);
  for (const std::string_view limit : {"0", "1001", "-5", "18446744073709551615"}) {
    INFO(limit);
    CHECK(query_code("events", R"({"from_position":1,"limit":)" + std::string(limit) + "}") ==
          ErrorCode::kInvalidArgument);
  }
  for (const std::string_view limit : {"\"10\"", "10.5", "1e2", "[]"}) {
    INFO(limit);
    CHECK(query_code("history", R"({"stream":"s","limit":)" + std::string(limit) + "}") ==
          ErrorCode::kMalformed);
  }
  CHECK(query_refusal("history", R"({"stream":"s","limit":1001})").message ==
        "limit: must be 1-1000, got 1001");
}

TEST_CASE("json query: as_of takes at most one of position or time", "[wire]") {
  Query q = query("as_of", R"({"stream":"product-S","position":17})");
  CHECK(q.kind == Query::Kind::kAsOf);
  CHECK(q.stream == "product-S");
  CHECK(q.position == Position{17});
  CHECK_FALSE(q.time.has_value());

  q = query("as_of", R"({"stream":"product-S","time":"2026-11-24T16:18:00.123456Z"})");
  CHECK_FALSE(q.position.has_value());
  REQUIRE(q.time.has_value());
  CHECK(q.time->micros == 1'795'537'080'123'456);

  CHECK(query_code("as_of", R"({"stream":"s","position":1,"time":"2026-11-24T16:18:00Z"})") ==
        ErrorCode::kInvalidArgument);
  CHECK(query_code("as_of", R"({"stream":"s","position":0})") == ErrorCode::kInvalidArgument);
  CHECK(query_code("as_of", R"({"position":1})") == ErrorCode::kMalformed);
  CHECK(query_code("as_of", R"({"stream":"s","time":12})") == ErrorCode::kMalformed);
}

TEST_CASE("json query: as_of with neither position nor time asks for the current state", "[wire]") {
  const Query q = query("as_of", R"({"stream":"product-S"})");
  CHECK(q.kind == Query::Kind::kAsOf);
  CHECK(q.stream == "product-S");
  CHECK_FALSE(q.position.has_value());
  CHECK_FALSE(q.time.has_value());
}

TEST_CASE("json query: as_of time is RFC 3339 UTC with any sub-second precision", "[wire]") {
  const auto micros = [](std::string_view time) {
    return query("as_of", R"({"stream":"s","time":")" + std::string(time) + "\"}").time->micros;
  };
  constexpr int64_t kWhole = 1'795'537'080'000'000;  // 2026-11-24T16:18:00Z
  CHECK(micros("2026-11-24T16:18:00Z") == kWhole);
  CHECK(micros("2026-11-24T16:18:00.123Z") == kWhole + 123'000);  // JavaScript's toISOString
  CHECK(micros("2026-11-24T16:18:00.1Z") == kWhole + 100'000);
  CHECK(micros("2026-11-24T16:18:00.123456789Z") == kWhole + 123'456);  // cut, not rounded
  CHECK(micros("1970-01-01T00:00:00Z") == 0);
  for (const std::string_view bad :
       {"", "yesterday", "2026-11-24T16:18:00", "2026-11-24T16:18:00+01:00",
        "2026-11-24T16:18:00.Z", "2026-11-24T16:18:00.1234567890Z", "2026-11-24T16:18:00.12aZ",
        "2026-02-30T00:00:00Z", "2026-11-24 16:18:00Z"}) {
    INFO(bad);
    const Error e = query_refusal("as_of", R"({"stream":"s","time":")" + std::string(bad) + "\"}");
    CHECK(e.code == ErrorCode::kInvalidArgument);
    CHECK(e.message.find("time: must be RFC 3339") == 0);
  }
}

TEST_CASE("json query: verify defaults to the whole log", "[wire]") {
  for (const std::string_view body : {"{}", ""}) {
    const Query q = query("verify", body);
    CHECK(q.kind == Query::Kind::kVerify);
    CHECK(q.from_position == Position{1});
    CHECK_FALSE(q.to_position.has_value());
  }
  const Query q = query("verify", R"({"from_position":5,"to_position":9})");
  CHECK(q.from_position == Position{5});
  CHECK(q.to_position == Position{9});
  CHECK(query("verify", R"({"to_position":1})").to_position == Position{1});
  CHECK(query_code("verify", R"({"from_position":5,"to_position":4})") ==
        ErrorCode::kInvalidArgument);
  CHECK(query_code("verify", R"({"from_position":0})") == ErrorCode::kInvalidArgument);
  CHECK(query_code("verify", R"({"to_position":"x"})") == ErrorCode::kMalformed);
}

TEST_CASE("json query: unknown names and bad bodies", "[wire]") {
  CHECK(query_code("orders", R"({"order_id":"o"})") == ErrorCode::kUnknownCommand);
  CHECK(query_code("teleport", "{not json") == ErrorCode::kUnknownCommand);
  CHECK(query_code("order", "{not json") == ErrorCode::kMalformed);
  CHECK(query_code("order", "[]") == ErrorCode::kMalformed);
  CHECK(query_code("order", "") == ErrorCode::kMalformed);  // empty is {}: order_id is missing
  CHECK(query_code("stock", std::string(100'000, '{')) == ErrorCode::kMalformed);
}

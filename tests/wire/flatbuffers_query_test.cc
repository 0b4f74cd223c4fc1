// FlatBuffers query requests: one QueryRequest table under <p>.query.<name>, read by
// the same rules as the JSON form.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "adapters/wire/wire.h"
#include "schemas/api_generated.h"

namespace stockroom::wire {
namespace {

// The fields of a QueryRequest to send; unset ones stay absent.
struct Fields {
  std::optional<std::string> order_id, sku, cart_id, stream;
  std::optional<uint64_t> from_version, from_position, to_position;
  std::optional<uint32_t> limit;
  std::vector<std::string> types;
  std::optional<uint64_t> position;
  std::optional<int64_t> time_us;
};

template <class T>
flatbuffers::Optional<T> opt(const std::optional<T>& v) {
  return v ? flatbuffers::Optional<T>(*v) : flatbuffers::nullopt;
}

std::string request(const Fields& f) {
  flatbuffers::FlatBufferBuilder b;
  auto text = [&b](const std::optional<std::string>& s) {
    return s ? b.CreateString(*s) : flatbuffers::Offset<flatbuffers::String>();
  };
  const auto order_id = text(f.order_id);
  const auto sku = text(f.sku);
  const auto cart_id = text(f.cart_id);
  const auto stream = text(f.stream);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> types;
  if (!f.types.empty()) types = b.CreateVectorOfStrings(f.types);
  b.Finish(fb::CreateQueryRequest(b, order_id, sku, cart_id, stream, opt(f.from_version),
                                  opt(f.from_position), opt(f.to_position), opt(f.limit), types,
                                  opt(f.position), opt(f.time_us)));
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

Query decoded(std::string_view name, const Fields& fields) {
  const Result<Query> query = flatbuffers_codec().decode_query(name, request(fields));
  INFO((query ? std::string() : query.error().message));
  REQUIRE(query.has_value());
  return *query;
}

Error refused(std::string_view name, std::string_view body) {
  const Result<Query> query = flatbuffers_codec().decode_query(name, body);
  REQUIRE_FALSE(query.has_value());
  return query.error();
}

Error refused(std::string_view name, const Fields& fields) {
  return refused(name, request(fields));
}

TEST_CASE("the view queries read their key", "[wire][flatbuffers]") {
  const Query order = decoded("order", {.order_id = "o-1"});
  CHECK(order.kind == Query::Kind::kOrder);
  CHECK(order.key == "o-1");
  const Query stock = decoded("stock", {.sku = "SKU-1"});
  CHECK(stock.kind == Query::Kind::kStock);
  CHECK(stock.key == "SKU-1");
  const Query rating = decoded("rating", {.sku = "SKU-2"});
  CHECK(rating.kind == Query::Kind::kRating);
  CHECK(rating.key == "SKU-2");
  const Query cart = decoded("cart", {.cart_id = "c-1"});
  CHECK(cart.kind == Query::Kind::kCart);
  CHECK(cart.key == "c-1");
}

TEST_CASE("a query reads only its own fields", "[wire][flatbuffers]") {
  const Query stock = decoded("stock", {.order_id = "o-1", .sku = "SKU-1", .limit = 0});
  CHECK(stock.key == "SKU-1");
  CHECK(stock.limit == Query::kMaxQueryLimit);
}

TEST_CASE("history reads its stream, from_version and limit, with defaults",
          "[wire][flatbuffers]") {
  const Query given = decoded("history", {.stream = "order-o-1", .from_version = 4, .limit = 20});
  CHECK(given.kind == Query::Kind::kHistory);
  CHECK(given.stream == "order-o-1");
  CHECK(given.from_version == StreamVersion{4});
  CHECK(given.limit == 20);
  const Query defaults = decoded("history", {.stream = "order-o-1"});
  CHECK(defaults.from_version == StreamVersion{1});
  CHECK(defaults.limit == Query::kMaxQueryLimit);
  CHECK(decoded("history", {.stream = "s", .limit = 1000}).limit == 1000);
  CHECK(decoded("history", {.stream = "s", .limit = 1}).limit == 1);
}

TEST_CASE("events reads from_position, limit and types", "[wire][flatbuffers]") {
  const Query q = decoded(
      "events", {.from_position = 17, .limit = 100, .types = {"StockReserved", "OrderPlaced"}});
  CHECK(q.kind == Query::Kind::kEvents);
  CHECK(q.from_position == Position{17});
  CHECK(q.limit == 100);
  CHECK(q.types == std::vector<std::string>{"StockReserved", "OrderPlaced"});
  const Query defaults = decoded("events", {.from_position = 1});
  CHECK(defaults.limit == Query::kMaxQueryLimit);
  CHECK(defaults.types.empty());
}

TEST_CASE("as_of reads a stream and a position or a time", "[wire][flatbuffers]") {
  const Query at = decoded("as_of", {.stream = "product-SKU-1", .position = 42});
  CHECK(at.kind == Query::Kind::kAsOf);
  CHECK(at.stream == "product-SKU-1");
  CHECK(at.position == Position{42});
  CHECK_FALSE(at.time.has_value());
  const Query then = decoded("as_of", {.stream = "cart-c-1", .time_us = 1'700'000'000'123'456});
  CHECK(then.time == Timestamp{1'700'000'000'123'456});
  CHECK_FALSE(then.position.has_value());
}

TEST_CASE("as_of with neither position nor time_us asks for the current state",
          "[wire][flatbuffers]") {
  const Query now = decoded("as_of", {.stream = "order-o-1"});
  CHECK(now.kind == Query::Kind::kAsOf);
  CHECK(now.stream == "order-o-1");
  CHECK_FALSE(now.position.has_value());
  CHECK_FALSE(now.time.has_value());
}

TEST_CASE("verify reads an optional range, an empty body asks for the defaults",
          "[wire][flatbuffers]") {
  const Query range = decoded("verify", {.from_position = 3, .to_position = 9});
  CHECK(range.kind == Query::Kind::kVerify);
  CHECK(range.from_position == Position{3});
  CHECK(range.to_position == Position{9});
  const Result<Query> whole = flatbuffers_codec().decode_query("verify", "");
  REQUIRE(whole.has_value());
  CHECK(whole->from_position == Position{1});
  CHECK_FALSE(whole->to_position.has_value());
}

TEST_CASE("a query body at an odd address decodes like an aligned one", "[wire][flatbuffers]") {
  const std::string shifted = "x" + request({.stream = "order-o-1", .from_version = 2});
  const Result<Query> q =
      flatbuffers_codec().decode_query("history", std::string_view(shifted).substr(1));
  REQUIRE(q.has_value());
  CHECK(q->from_version == StreamVersion{2});
}

TEST_CASE("an unknown query name is UNKNOWN_COMMAND whatever the body", "[wire][flatbuffers]") {
  const Error e = refused("orders", request({.order_id = "o-1"}));
  CHECK(e.code == ErrorCode::kUnknownCommand);
  CHECK(e.details == std::vector<ErrorDetail>{{"query", std::string("orders")}});
  CHECK(refused("", "junk").code == ErrorCode::kUnknownCommand);
}

TEST_CASE("junk and truncated query bodies are MALFORMED", "[wire][flatbuffers]") {
  CHECK(refused("order", "not a flatbuffer, just some text").code == ErrorCode::kMalformed);
  CHECK(refused("verify", "abc").code == ErrorCode::kMalformed);
  const std::string body = request({.order_id = "order-with-a-longer-id"});
  for (size_t size = 1; size + 8 <= body.size(); ++size) {
    INFO(size);
    CHECK(refused("order", body.substr(0, size)).code == ErrorCode::kMalformed);
  }
}

TEST_CASE("a missing key is MALFORMED and an empty one INVALID_ARGUMENT, naming the field",
          "[wire][flatbuffers]") {
  const Error missing = refused("order", {.sku = "SKU-1"});
  CHECK(missing.code == ErrorCode::kMalformed);
  CHECK(missing.details == std::vector<ErrorDetail>{{"field", std::string("order_id")}});
  CHECK(refused("order", "").code == ErrorCode::kMalformed);
  CHECK(refused("stock", Fields{}).code == ErrorCode::kMalformed);
  CHECK(refused("cart", {.order_id = "o-1"}).code == ErrorCode::kMalformed);
  CHECK(refused("history", {.from_version = 1}).code == ErrorCode::kMalformed);
  CHECK(refused("as_of", {.position = 3}).code == ErrorCode::kMalformed);
  const Error empty = refused("rating", {.sku = ""});
  CHECK(empty.code == ErrorCode::kInvalidArgument);
  CHECK(empty.details == std::vector<ErrorDetail>{{"field", std::string("sku")}});
  CHECK(refused("history", {.stream = ""}).code == ErrorCode::kInvalidArgument);
}

TEST_CASE("a limit outside 1..1000 is INVALID_ARGUMENT", "[wire][flatbuffers]") {
  const Error zero = refused("history", {.stream = "s", .limit = 0});
  CHECK(zero.code == ErrorCode::kInvalidArgument);
  CHECK(zero.details == std::vector<ErrorDetail>{{"field", std::string("limit")}});
  CHECK(refused("events", {.from_position = 1, .limit = 1001}).code == ErrorCode::kInvalidArgument);
}

TEST_CASE("events needs a from_position of 1 or more", "[wire][flatbuffers]") {
  CHECK(refused("events", {.limit = 10}).code == ErrorCode::kMalformed);
  CHECK(refused("events", {.from_position = 0}).code == ErrorCode::kInvalidArgument);
  CHECK(refused("verify", {.from_position = 0}).code == ErrorCode::kInvalidArgument);
  CHECK(refused("history", {.stream = "s", .from_version = 0}).code == ErrorCode::kInvalidArgument);
}

TEST_CASE("as_of takes at most one of position and time_us", "[wire][flatbuffers]") {
  CHECK(refused("as_of", {.stream = "s", .position = 4, .time_us = 5}).code ==
        ErrorCode::kInvalidArgument);
  CHECK(refused("as_of", {.stream = "s", .position = 0}).code == ErrorCode::kInvalidArgument);
}

TEST_CASE("verify refuses a range that ends before it starts", "[wire][flatbuffers]") {
  const Error e = refused("verify", {.from_position = 10, .to_position = 9});
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK(e.details == std::vector<ErrorDetail>{{"field", std::string("to_position")}});
  CHECK(decoded("verify", {.from_position = 9, .to_position = 9}).to_position == Position{9});
}

}  // namespace
}  // namespace stockroom::wire

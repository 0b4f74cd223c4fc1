// Keyed subjects (adapters/wire/keyed_subject.h): splitting a subject into its name
// and key, the key check against the body, and the keyed form `send` uses.
#include "adapters/wire/keyed_subject.h"

#include <catch2/catch.hpp>
#include <string>

using namespace stockroom;
using namespace stockroom::wire;

namespace {

Command decoded(std::string_view name, std::string_view body) {
  Result<CommandEnvelope> r = json_codec().decode_command(name, body);
  REQUIRE(r.has_value());
  return r->command;
}

Query decoded_query(std::string_view name, std::string_view body) {
  Result<Query> r = json_codec().decode_query(name, body);
  REQUIRE(r.has_value());
  return *r;
}

const char* kHead = R"("command_id":"c1","actor":{"id":"ops","role":"staff"})";

}  // namespace

TEST_CASE("keyed subject: name and key split at the contract's token count", "[wire]") {
  KeyedName k = split_command_subject("cart.add_item.c-1");
  CHECK(k.name == "cart.add_item");
  CHECK(k.key == "c-1");
  k = split_command_subject("cart.add_item");
  CHECK(k.name == "cart.add_item");
  CHECK_FALSE(k.key.has_value());
  k = split_command_subject("cart.add_item.c.1");  // a key with a dot stays whole
  CHECK(k.key == "c.1");
  k = split_command_subject("cart");
  CHECK((k.name == "cart" && !k.key));
  k = split_query_subject("stock.SKU-1");
  CHECK((k.name == "stock" && k.key == "SKU-1"));
  k = split_query_subject("verify");
  CHECK((k.name == "verify" && !k.key));
}

TEST_CASE("keyed subject: the key must be the body's, or INVALID_ARGUMENT", "[wire]") {
  const Command add = decoded(
      "cart.add_item", std::string("{") + kHead + R"(,"cart_id":"c-1","sku":"S","quantity":1})");
  CHECK(check_command_key(add, "c-1").has_value());
  const Status other = check_command_key(add, "c-2");
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == ErrorCode::kInvalidArgument);
  CHECK(other.error().message == "the subject's key 'c-2' differs from the body's cart_id 'c-1'");
  // The sku is not a cart's key.
  CHECK_FALSE(check_command_key(add, "S").has_value());
  const Command rate = decoded(
      "rating.submit", std::string("{") + kHead + R"(,"order_id":"o-1","sku":"S","stars":5})");
  CHECK(check_command_key(rate, "o-1").has_value());
  CHECK_FALSE(check_command_key(rate, "S").has_value());
}

TEST_CASE("keyed subject: queries on one aggregate take its key, partition queries none",
          "[wire]") {
  CHECK(check_query_key(decoded_query("order", R"({"order_id":"o-1"})"), "o-1").has_value());
  CHECK(check_query_key(decoded_query("stock", R"({"sku":"S"})"), "S").has_value());
  const Status wrong = check_query_key(decoded_query("cart", R"({"cart_id":"c"})"), "d");
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == ErrorCode::kInvalidArgument);
  CHECK(wrong.error().message == "the subject's key 'd' differs from the body's cart_id 'c'");
  CHECK(check_query_key(decoded_query("history", R"({"stream":"review-S~bob"})"), "S").has_value());
  CHECK(check_query_key(decoded_query("as_of", R"({"stream":"product-S","position":3})"), "S")
            .has_value());
  CHECK_FALSE(check_query_key(decoded_query("history", R"({"stream":"product-S"})"), "T"));
  CHECK_FALSE(check_query_key(decoded_query("verify", "{}"), "x").has_value());
  CHECK_FALSE(check_query_key(decoded_query("head", "{}"), "x").has_value());
  CHECK(query_routing_key(decoded_query("events", R"({"from_position":1})")) == std::nullopt);
}

TEST_CASE("keyed subject: send's keyed form reads the key from the body", "[wire]") {
  const std::string add = std::string("{") + kHead + R"(,"cart_id":"c-1","sku":"S","quantity":1})";
  CHECK(keyed_subject_tail("cmd.cart.add_item", add) == "cmd.cart.add_item.c-1");
  CHECK(keyed_subject_tail("cmd.cart.add_item.c-1", add) == "cmd.cart.add_item.c-1");
  CHECK(keyed_subject_tail("cmd.cart.add_item", "{bad json") == "cmd.cart.add_item");
  CHECK(keyed_subject_tail("query.stock", R"({"sku":"MUG"})") == "query.stock.MUG");
  CHECK(keyed_subject_tail("query.history", R"({"stream":"review-MUG~ann"})") ==
        "query.history.MUG");
  CHECK(keyed_subject_tail("query.verify", "{}") == "query.verify");
  CHECK(keyed_subject_tail("admin.checkpoint", "{}") == "admin.checkpoint");
}

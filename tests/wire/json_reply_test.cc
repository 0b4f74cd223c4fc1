// The JSON codec's replies: parsed back with RapidJSON, with the contract's exact
// field names and no field written twice.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "adapters/wire/wire.h"
#include "support/json_object.h"

using namespace stockroom;
using namespace stockroom::wire;
using stockroom::testing::parse_object;

namespace {

using stockroom::testing::keys;
using stockroom::testing::str;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

Error out_of_stock(std::vector<Shortage> shortages) {
  Error e{ErrorCode::kOutOfStock, "SKU-1: requested 3, available 1", {}, std::move(shortages)};
  return e;
}

}  // namespace

TEST_CASE("json reply: an accepted command lists its events", "[wire]") {
  engine::CommandResult result{CommandId("7f3c9a"), false, Position{1042}, {}};
  result.events.push_back({"CartItemAdded", "cart-c-1", StreamVersion{4}, Position{1042}});
  std::string out = "stale bytes";
  json_codec().command_reply("7f3c9a", result, out);
  const rapidjson::Document d = parse_object(out);
  CHECK(keys(d) == std::vector<std::string>{"ok", "command_id", "duplicate", "position", "events"});
  CHECK(d["ok"].GetBool());
  CHECK(str(d["command_id"]) == "7f3c9a");
  CHECK_FALSE(d["duplicate"].GetBool());
  CHECK(d["position"].GetUint64() == 1042);
  REQUIRE(d["events"].Size() == 1);
  const rapidjson::Value& e = d["events"][0];
  CHECK(keys(e) == std::vector<std::string>{"type", "stream", "version", "position"});
  CHECK(str(e["type"]) == "CartItemAdded");
  CHECK(str(e["stream"]) == "cart-c-1");
  CHECK(e["version"].GetUint64() == 4);
  CHECK(e["position"].GetUint64() == 1042);

  result.duplicate = true;
  json_codec().command_reply("7f3c9a", result, out);
  CHECK(parse_object(out)["duplicate"].GetBool());
}

TEST_CASE("json reply: a refused command carries code, message and details", "[wire]") {
  const Result<engine::CommandResult> refused =
      fail(ErrorCode::kInvalidArgument, "quantity must be 1-1000000, got 0",
           {{"field", std::string("quantity")}, {"got", int64_t{0}}});
  std::string out;
  json_codec().command_reply("c-9", refused, out);
  const rapidjson::Document d = parse_object(out);
  CHECK(keys(d) == std::vector<std::string>{"ok", "command_id", "error"});
  CHECK_FALSE(d["ok"].GetBool());
  CHECK(str(d["command_id"]) == "c-9");
  const rapidjson::Value& error = d["error"];
  CHECK(keys(error) == std::vector<std::string>{"code", "message", "details"});
  CHECK(str(error["code"]) == "INVALID_ARGUMENT");
  CHECK(str(error["message"]) == "quantity must be 1-1000000, got 0");
  CHECK(str(error["details"]["field"]) == "quantity");
  CHECK(error["details"]["got"].IsInt64());
  CHECK(error["details"]["got"].GetInt64() == 0);
}

TEST_CASE("json reply: a refusal quoting bytes that are not UTF-8 is still valid UTF-8 JSON",
          "[wire]") {
  // An unknown subject name and the command_id of a body that did not decode are echoed
  // as they came (found by the command fuzzer, tests/fuzz): stray bytes become U+FFFD.
  const Result<CommandEnvelope> unknown = json_codec().decode_command(
      "cart.ad\xFF\xC3", R"({"command_id":"x","actor":{"id":"a","role":"staff"}})");
  REQUIRE_FALSE(unknown.has_value());
  std::string out;
  json_codec().command_reply("c\xE2\x82",
                             Result<engine::CommandResult>(std::unexpected(unknown.error())), out);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(out.c_str(), out.size());
  INFO(out);
  REQUIRE_FALSE(d.HasParseError());
  CHECK(str(d["command_id"]) == "c\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(str(d["error"]["code"]) == "UNKNOWN_COMMAND");
  CHECK(str(d["error"]["message"]).find("cart.ad\xEF\xBF\xBD\xEF\xBF\xBD") != std::string::npos);
  out.clear();
  json_codec().error_reply(
      fail(ErrorCode::kNotFound, "no order \xC0\xAF", {{"order_id", std::string("\xFF")}}).error(),
      out);
  d.Parse<rapidjson::kParseValidateEncodingFlag>(out.c_str(), out.size());
  INFO(out);
  REQUIRE_FALSE(d.HasParseError());
  CHECK(str(d["error"]["details"]["order_id"]) == "\xEF\xBF\xBD");
}

TEST_CASE("json reply: an error without details has no details object", "[wire]") {
  std::string out;
  json_codec().error_reply(Error{ErrorCode::kNotFound, "no order o-1", {}, {}}, out);
  const rapidjson::Document d = parse_object(out);
  CHECK(keys(d) == std::vector<std::string>{"ok", "error"});
  CHECK_FALSE(d["ok"].GetBool());
  CHECK(keys(d["error"]) == std::vector<std::string>{"code", "message"});
  CHECK(str(d["error"]["code"]) == "NOT_FOUND");
}

TEST_CASE("json reply: one shortage is shown flat and in the shortages array", "[wire]") {
  std::string out;
  json_codec().error_reply(out_of_stock({{"SKU-1", 3, 1}}), out);
  const rapidjson::Document d = parse_object(out);
  const rapidjson::Value& details = d["error"]["details"];
  CHECK(str(d["error"]["code"]) == "OUT_OF_STOCK");
  CHECK(str(details["sku"]) == "SKU-1");
  CHECK(details["requested"].GetInt64() == 3);
  CHECK(details["available"].GetInt64() == 1);
  REQUIRE(details["shortages"].Size() == 1);
  CHECK(keys(details["shortages"][0]) == std::vector<std::string>{"sku", "requested", "available"});
}

TEST_CASE("json reply: several shortages are listed, none flat", "[wire]") {
  std::string out;
  json_codec().error_reply(out_of_stock({{"A", 3, 1}, {"B", 2, 0}}), out);
  const rapidjson::Document d = parse_object(out);
  const rapidjson::Value& details = d["error"]["details"];
  CHECK(keys(details) == std::vector<std::string>{"shortages"});
  REQUIRE(details["shortages"].Size() == 2);
  CHECK(str(details["shortages"][1]["sku"]) == "B");
  CHECK(details["shortages"][1]["requested"].GetInt64() == 2);
  CHECK(details["shortages"][1]["available"].GetInt64() == 0);
}

TEST_CASE("json reply: a detail name is never written twice", "[wire]") {
  Error e = out_of_stock({{"SKU-1", 3, 1}});
  e.details = {{"sku", std::string("SKU-1")}, {"n", int64_t{1}}, {"n", int64_t{2}}};
  std::string out;
  json_codec().error_reply(e, out);
  CHECK(count(out, "\"sku\"") == 2);  // once flat, once in the array element
  CHECK(count(out, "\"n\"") == 1);
  CHECK(parse_object(out)["error"]["details"]["n"].GetInt64() == 1);
}

TEST_CASE("json reply: messages are escaped", "[wire]") {
  std::string out;
  json_codec().error_reply(
      Error{ErrorCode::kMalformed, "bad \"name\"\n\\ \x01 caf\xC3\xA9", {}, {}}, out);
  CHECK(str(parse_object(out)["error"]["message"]) == "bad \"name\"\n\\ \x01 caf\xC3\xA9");
}

TEST_CASE("json reply: a view is sent as it is stored", "[wire]") {
  const std::string view = R"({"sku":"SKU-1","on_hand":7,"reserved":0,"available":7})";
  std::string out = "previous reply";
  json_codec().view_reply("stock", view, out);
  CHECK(out == view);
}

TEST_CASE("json reply: event pages end with the next version or position", "[wire]") {
  engine::LoggedEvent e;
  e.event.position = Position{7};
  e.event.stream = "product-S";
  e.event.version = StreamVersion{2};
  e.event.command_id = CommandId("c");
  e.event.data = ProductRetired{Sku("S")};
  std::string out;
  json_codec().events_reply({e, e}, "next_position", 8, out);
  rapidjson::Document d = parse_object(out);
  CHECK(keys(d) == std::vector<std::string>{"events", "next_position"});
  CHECK(d["events"].Size() == 2);
  CHECK(str(d["events"][1]["type"]) == "ProductRetired");
  CHECK(d["next_position"].GetUint64() == 8);

  json_codec().events_reply({}, "next_version", 1, out);
  d = parse_object(out);
  CHECK(keys(d) == std::vector<std::string>{"events", "next_version"});
  CHECK(d["events"].Empty());
  CHECK(d["next_version"].GetUint64() == 1);
}

TEST_CASE("json reply: a page is the events one writer would write, in order", "[wire]") {
  engine::LoggedEvent e;
  e.event.position = Position{7};
  e.event.stream = "product-S";
  e.event.version = StreamVersion{2};
  e.event.command_id = CommandId("c");
  e.event.data = ProductRetired{Sku("S")};
  std::string one;
  event_json(e, one);
  std::string out;
  json_codec().events_reply({e, e}, "next_position", 8, out);
  CHECK(out == R"({"events":[)" + one + "," + one + R"(],"next_position":8})");
}

TEST_CASE("json reply: a page keeps to a byte limit, next naming the first event left out",
          "[wire]") {
  std::vector<engine::LoggedEvent> events(5);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].event.position = Position{10 + i};
    events[i].event.stream = "product-S";
    events[i].event.version = StreamVersion{1 + i};
    events[i].event.command_id = CommandId("c");
    events[i].event.data = ProductDefined{Sku("S"), std::string(100 + 10 * i, 'n'), Money{}};
  }
  const auto next = [&](size_t kept) { return kept == 0 ? 10 : 10 + kept; };
  std::string whole;
  json_codec().events_reply(events, "next_position", 15, whole);
  std::string three;
  json_codec().events_reply({events[0], events[1], events[2]}, "next_position", 13, three);
  std::string out;
  // Exactly the size of the first three: three fit, the fourth does not.
  const size_t limit = three.size() + 20 - 2;  // "13" stands for up to 20 digits
  CHECK(json_codec().events_page(events, "next_position", next, limit, out) == 3);
  CHECK(out == three);
  CHECK(json_codec().events_page(events, "next_position", next, limit - 1, out) == 2);
  CHECK(out.size() <= limit - 1);
  CHECK(parse_object(out)["next_position"].GetUint64() == 12);
  CHECK(json_codec().events_page(events, "next_position", next, whole.size() + 18, out) == 5);
  CHECK(out == whole);
  // Not even the first: none, and the caller says why.
  CHECK(json_codec().events_page(events, "next_position", next, 200, out) == 0);
  CHECK(json_codec().events_page({}, "next_position", next, 200, out) == 0);
}

TEST_CASE("json reply: an accepted command without its event list says how many it left out",
          "[wire]") {
  engine::CommandResult result{CommandId("c-1"), true, Position{9}, {}};
  result.events.push_back({"CartCheckedOut", "cart-c-1", StreamVersion{4}, Position{8}});
  result.events.push_back({"OrderPlaced", "order-o-1", StreamVersion{1}, Position{9}});
  std::string out;
  json_codec().command_reply_without_events("c-1", result, out);
  CHECK(out == R"({"ok":true,"command_id":"c-1","duplicate":true,"position":9,"events":[],)"
               R"("events_omitted":2})");
}

TEST_CASE("json reply: verify shows the head and the first bad position", "[wire]") {
  events::VerifyReport report;
  report.checked = 12;
  report.head.position = Position{12};
  report.head.hash.fill(0xab);
  std::string out;
  json_codec().verify_reply(report, out);
  rapidjson::Document d = parse_object(out);
  CHECK(keys(d) == std::vector<std::string>{"ok", "checked", "head_position", "head_hash"});
  CHECK(d["ok"].GetBool());
  CHECK(d["checked"].GetUint64() == 12);
  CHECK(d["head_position"].GetUint64() == 12);
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "ab";
  CHECK(str(d["head_hash"]) == hex);

  report.ok = false;
  report.first_bad = Position{5};
  report.reason = "hash mismatch";
  json_codec().verify_reply(report, out);
  d = parse_object(out);
  CHECK_FALSE(d["ok"].GetBool());
  CHECK(d["first_bad_position"].GetUint64() == 5);
}

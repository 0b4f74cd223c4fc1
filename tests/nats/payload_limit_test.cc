// Replies that would be above the NATS server's max_payload (a server configured with
// 1024 bytes here): a catch-up reader gets through every position in JSON and in
// FlatBuffers, pages cut by bytes and the one event too large alone named with where
// to go on; every other oversized reply is PAYLOAD_TOO_LARGE; an accepted command's
// reply comes without its event list. Before, NATS.c refused to publish these replies
// ("Maximum Payload Exceeded") and the client timed out.
#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "adapters/wire/wire.h"
#include "engine/support/commands.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "schemas/api_generated.h"
#include "support/json_object.h"

namespace stockroom::testing {
namespace {

constexpr size_t kMaxPayload = 1024;
constexpr int kLines = 12;
const std::string kAnn = R"("actor":{"id":"ann","role":"customer"})";

std::string code_of(const rapidjson::Document& reply) {
  if (!reply.HasMember("error")) return "answered";
  return reply["error"]["code"].GetString();
}

// 64 characters: the longest sku, so that the order below is large.
std::string sku_of(int i) {
  const std::string s = "SKU-" + std::to_string(i) + "-";
  return s + std::string(64 - s.size(), 'x');
}

// A log with events of every size: ProductDefined with 120-character names (one or
// two to a page), StockReceived, small cart events, and one OrderPlaced of 12 lines
// with 64-character skus that alone is above 1024 bytes in either encoding. The
// checkout goes over NATS; its reply would list 14 events.
struct Fixture {
  NatsServer server{"max_payload: " + std::to_string(kMaxPayload)};
  ServeHarness h{server};

  Fixture() {
    engine::Engine& e = h.engine();
    for (int i = 0; i < kLines; ++i) {
      const Sku sku(sku_of(i));
      const std::string n = std::to_string(i);
      REQUIRE(e.execute(
          envelope("def-" + n, staff(), DefineProduct{sku, std::string(120, 'n'), eur(100)})));
      REQUIRE(e.execute(envelope("rcv-" + n, staff(), ReceiveStock{sku, Quantity{5}, ""})));
    }
    send_ok("cart.open", R"("cart_id":"k1","customer_id":"ann","currency":"EUR")");
    for (int i = 0; i < kLines; ++i) {
      send_ok("cart.add_item", R"("cart_id":"k1","sku":")" + sku_of(i) + R"(","quantity":1)");
    }
  }

  rapidjson::Document send(const std::string& name, const std::string& fields) {
    return send_as("c-" + std::to_string(++seq), name, fields);
  }
  rapidjson::Document send_as(const std::string& id, const std::string& name,
                              const std::string& fields) {
    const std::string body = R"({"command_id":")" + id + R"(",)" + kAnn + "," + fields + "}";
    return parse_object(h.send("cmd." + name, body));
  }
  // In process, so that a query test does not depend on the command reply's size.
  void checkout() {
    REQUIRE(h.engine().execute(
        envelope("co", customer("ann"), CheckOutCart{CartId("k1"), OrderId("o1")})));
  }
  void send_ok(const std::string& name, const std::string& fields) {
    auto r = send(name, fields);
    INFO(name);
    REQUIRE(r["ok"].GetBool());
  }

  int seq = 0;
};

// What a catch-up reader saw: positions read, positions refused as too large.
struct Walk {
  std::vector<uint64_t> read;
  std::vector<uint64_t> too_large;
  size_t largest_page = 0;
};

std::vector<uint64_t> one_to(uint64_t head) {
  std::vector<uint64_t> all;
  for (uint64_t p = 1; p <= head; ++p) all.push_back(p);
  return all;
}

// Checks a refusal of the event at `from` and returns where it says to go on.
uint64_t past_refused_event(const rapidjson::Value& details, uint64_t from, uint64_t limit) {
  CHECK(details["position"].GetUint64() == from);
  CHECK(details["size"].GetUint64() > limit);
  CHECK(details["limit"].GetUint64() == limit);
  CHECK(details["stream"].IsString());
  REQUIRE(details["next_position"].GetUint64() == from + 1);
  return from + 1;
}

Walk walk_json(ServeHarness& h, uint64_t head) {
  Walk walk;
  uint64_t from = 1;
  for (int request = 0; from <= head; ++request) {
    REQUIRE(request < 200);  // never stuck
    auto r = h.client().request(h.prefix() + ".query.events",
                                R"({"from_position":)" + std::to_string(from) + "}");
    REQUIRE(r.has_value());
    CHECK(r->data.size() <= kMaxPayload);
    const rapidjson::Document d = parse_object(r->data);
    if (d.HasMember("error")) {
      REQUIRE(code_of(d) == "PAYLOAD_TOO_LARGE");
      walk.too_large.push_back(from);
      from = past_refused_event(d["error"]["details"], from, kMaxPayload);
      continue;
    }
    const auto& events = d["events"];
    REQUIRE(events.Size() > 0);
    walk.largest_page = std::max<size_t>(walk.largest_page, events.Size());
    for (const auto& e : events.GetArray()) walk.read.push_back(e["position"].GetUint64());
    CHECK(d["next_position"].GetUint64() == walk.read.back() + 1);
    from = d["next_position"].GetUint64();
  }
  return walk;
}

std::string fb_events_request(uint64_t from) {
  flatbuffers::FlatBufferBuilder b;
  fb::QueryRequestBuilder q(b);
  q.add_from_position(from);
  b.Finish(q.Finish());
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

const fb::QueryReply& fb_reply(const std::string& data) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
  return *fb::GetQueryReply(data.data());
}

int64_t fb_detail(const fb::ErrorInfo& error, std::string_view name) {
  REQUIRE(error.details() != nullptr);
  for (const fb::Detail* d : *error.details()) {
    if (d->name() != nullptr && d->name()->string_view() == name) return d->int_value().value_or(0);
  }
  FAIL("no detail " << name);
  return 0;
}

Walk walk_flatbuffers(ServeHarness& h, uint64_t head) {
  Walk walk;
  uint64_t from = 1;
  for (int request = 0; from <= head; ++request) {
    REQUIRE(request < 200);
    auto r = h.client().request(h.prefix() + ".query.events", fb_events_request(from),
                                wire::kFlatBuffersContentType);
    REQUIRE(r.has_value());
    CHECK(r->data.size() + 53 <= kMaxPayload);  // 53: the Content-Type header
    const fb::QueryReply& reply = fb_reply(r->data);
    if (!reply.ok()) {
      REQUIRE(reply.error() != nullptr);
      REQUIRE(reply.error()->code()->string_view() == "PAYLOAD_TOO_LARGE");
      CHECK(static_cast<uint64_t>(fb_detail(*reply.error(), "position")) == from);
      CHECK(fb_detail(*reply.error(), "limit") == static_cast<int64_t>(kMaxPayload));
      REQUIRE(static_cast<uint64_t>(fb_detail(*reply.error(), "next_position")) == from + 1);
      walk.too_large.push_back(from);
      ++from;
      continue;
    }
    const fb::EventsReply* page = reply.body_as_EventsReply();
    REQUIRE(page != nullptr);
    REQUIRE(page->events() != nullptr);
    REQUIRE(page->events()->size() > 0);
    walk.largest_page = std::max<size_t>(walk.largest_page, page->events()->size());
    for (const fb::LoggedEvent* e : *page->events()) {
      walk.read.push_back(e->record_nested_root()->position());
    }
    REQUIRE(page->next_position().has_value());
    CHECK(*page->next_position() == walk.read.back() + 1);
    from = *page->next_position();
  }
  return walk;
}

}  // namespace

TEST_CASE("an accepted command whose reply would not fit comes back without its event list",
          "[nats][payload]") {
  Fixture f;
  const std::string checkout = R"("cart_id":"k1","order_id":"o1")";
  const rapidjson::Document r = f.send_as("co-1", "cart.checkout", checkout);
  REQUIRE(r["ok"].GetBool());
  CHECK_FALSE(r["duplicate"].GetBool());
  CHECK(r["events"].Empty());
  CHECK(r["events_omitted"].GetUint64() == kLines + 2);
  CHECK(r["position"].GetUint64() == f.h.engine().head().position.value);
  // Resent: the duplicate's reply is as large, and shortened the same way.
  const rapidjson::Document again = f.send_as("co-1", "cart.checkout", checkout);
  REQUIRE(again["ok"].GetBool());
  CHECK(again["duplicate"].GetBool());
  CHECK(again["events_omitted"].GetUint64() == kLines + 2);
  CHECK_THAT(f.h.logs(), Catch::Contains(R"("event":"reply_too_large")"));
}

TEST_CASE("a catch-up reader gets through every position past events too large for a reply",
          "[nats][payload]") {
  Fixture f;
  f.checkout();
  const uint64_t head = f.h.engine().head().position.value;
  auto placed = f.h.engine().history("order-o1", StreamVersion{1}, 1);
  REQUIRE(placed.has_value());
  const uint64_t order_placed = placed->front().event.position.value;

  SECTION("in JSON") {
    const Walk walk = walk_json(f.h, head);
    CHECK(walk.too_large == std::vector<uint64_t>{order_placed});
    std::vector<uint64_t> all = walk.read;
    all.insert(all.end(), walk.too_large.begin(), walk.too_large.end());
    std::sort(all.begin(), all.end());
    CHECK(all == one_to(head));
    CHECK(walk.largest_page > 1);     // pages are cut by bytes, not one event each
    CHECK(walk.largest_page < head);  // and not by the count (1000)
  }
  SECTION("in FlatBuffers") {
    const Walk walk = walk_flatbuffers(f.h, head);
    CHECK(walk.too_large == std::vector<uint64_t>{order_placed});
    std::vector<uint64_t> all = walk.read;
    all.insert(all.end(), walk.too_large.begin(), walk.too_large.end());
    std::sort(all.begin(), all.end());
    CHECK(all == one_to(head));
    CHECK(walk.largest_page > 1);
    CHECK(walk.largest_page < head);
  }
}

TEST_CASE("history names the version too large for a reply and where to go on", "[nats][payload]") {
  Fixture f;
  f.checkout();
  REQUIRE(
      f.h.engine().execute(envelope("x1", staff(), CancelOrder{OrderId("o1"), "changed mind"})));
  const rapidjson::Document first =
      parse_object(f.h.send("query.history", R"({"stream":"order-o1"})"));
  REQUIRE(code_of(first) == "PAYLOAD_TOO_LARGE");
  const auto& details = first["error"]["details"];
  CHECK(std::string(details["stream"].GetString()) == "order-o1");
  CHECK(details["version"].GetUint64() == 1);
  CHECK(details["next_version"].GetUint64() == 2);
  CHECK_THAT(first["error"]["message"].GetString(), Catch::Contains("order-o1 version 1"));
  const rapidjson::Document rest =
      parse_object(f.h.send("query.history", R"({"stream":"order-o1","from_version":2})"));
  REQUIRE(code_of(rest) == "answered");
  REQUIRE(rest["events"].Size() == 1);  // StockReleased are in the product streams
  CHECK(std::string(rest["events"][0]["type"].GetString()) == "OrderCancelled");
}

TEST_CASE(
    "a view or as_of reply too large is PAYLOAD_TOO_LARGE in both encodings, and small ones "
    "answer",
    "[nats][payload]") {
  Fixture f;
  f.checkout();
  for (const auto& [query, body] :
       std::vector<std::pair<std::string, std::string>>{{"query.order", R"({"order_id":"o1"})"},
                                                        {"query.as_of", R"({"stream":"order-o1"})"},
                                                        {"query.cart", R"({"cart_id":"k1"})"}}) {
    INFO(query);
    const rapidjson::Document d = parse_object(f.h.send(query, body));
    REQUIRE(code_of(d) == "PAYLOAD_TOO_LARGE");
    CHECK(d["error"]["details"]["limit"].GetUint64() == kMaxPayload);
    CHECK(d["error"]["details"]["size"].GetUint64() > kMaxPayload);
    CHECK_THAT(d["error"]["message"].GetString(), Catch::Contains(query));
  }
  CHECK(code_of(parse_object(f.h.send("query.stock", R"({"sku":")" + sku_of(0) + R"("})"))) ==
        "answered");

  flatbuffers::FlatBufferBuilder b;
  const auto order_id = b.CreateString("o1");
  fb::QueryRequestBuilder q(b);
  q.add_order_id(order_id);
  b.Finish(q.Finish());
  auto r = f.h.client().request(
      f.h.prefix() + ".query.order",
      std::string_view(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()),
      wire::kFlatBuffersContentType);
  REQUIRE(r.has_value());
  const fb::QueryReply& reply = fb_reply(r->data);
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error()->code()->string_view() == "PAYLOAD_TOO_LARGE");
  CHECK(fb_detail(*reply.error(), "limit") == static_cast<int64_t>(kMaxPayload));
}

}  // namespace stockroom::testing

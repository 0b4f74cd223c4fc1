// FlatBuffers replies: CommandReply for commands; QueryReply (refusal, events page,
// verify report) for queries. Each must verify and read back what was put in.
#include <catch2/catch.hpp>
#include <span>
#include <string>
#include <vector>

#include "adapters/wire/wire.h"
#include "events/codec_support/samples.h"
#include "events/record_codec.h"
#include "schemas/api_generated.h"
#include "wire/flatbuffers_text.h"

namespace stockroom::wire {
namespace {

using codec_test::eur;
using codec_test::recorded;

using stockroom::testing::text;

const fb::CommandReply& command_reply_of(const std::string& out) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  REQUIRE(verifier.VerifyBuffer<fb::CommandReply>(nullptr));
  return *flatbuffers::GetRoot<fb::CommandReply>(out.data());
}

const fb::QueryReply& query_reply_of(const std::string& out) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
  return *fb::GetQueryReply(out.data());
}

Error out_of_stock() {
  Error e{ErrorCode::kOutOfStock,
          "SKU-1: requested 3, available 1; SKU-2: requested 2, available 0",
          {{"sku", std::string("SKU-1")}, {"requested", int64_t{3}}},
          {}};
  e.shortages = {{"SKU-1", 3, 1}, {"SKU-2", 2, 0}};
  return e;
}

TEST_CASE("an accepted command's reply carries its result and events", "[wire][flatbuffers]") {
  const engine::CommandResult result{
      CommandId("cmd-1"),
      true,
      Position{1042},
      {{"CartCheckedOut", "cart-c-1", StreamVersion{4}, Position{1041}},
       {"OrderPlaced", "order-o-1", StreamVersion{1}, Position{1042}}}};
  std::string out = "left over from an earlier reply";
  flatbuffers_codec().command_reply("cmd-1", result, out);
  const fb::CommandReply& reply = command_reply_of(out);
  CHECK(reply.ok());
  CHECK(text(reply.command_id()) == "cmd-1");
  CHECK(reply.duplicate());
  CHECK(reply.position() == 1042);
  CHECK(reply.error() == nullptr);
  REQUIRE(reply.events() != nullptr);
  REQUIRE(reply.events()->size() == 2);
  const fb::EventRef& placed = *reply.events()->Get(1);
  CHECK(text(placed.type()) == "OrderPlaced");
  CHECK(text(placed.stream()) == "order-o-1");
  CHECK(placed.version() == 1);
  CHECK(placed.position() == 1042);
  CHECK(text(reply.events()->Get(0)->type()) == "CartCheckedOut");
  CHECK(reply.events()->Get(0)->version() == 4);
}

TEST_CASE("a refused command's reply carries the code, details and every shortage",
          "[wire][flatbuffers]") {
  std::string out;
  flatbuffers_codec().command_reply("cmd-2", std::unexpected(out_of_stock()), out);
  const fb::CommandReply& reply = command_reply_of(out);
  CHECK_FALSE(reply.ok());
  CHECK(text(reply.command_id()) == "cmd-2");
  CHECK(reply.events() == nullptr);
  REQUIRE(reply.error() != nullptr);
  const fb::ErrorInfo& error = *reply.error();
  CHECK(text(error.code()) == "OUT_OF_STOCK");
  CHECK(text(error.message()) == out_of_stock().message);
  REQUIRE(error.details() != nullptr);
  REQUIRE(error.details()->size() == 2);
  CHECK(text(error.details()->Get(0)->name()) == "sku");
  CHECK(text(error.details()->Get(0)->string_value()) == "SKU-1");
  CHECK_FALSE(error.details()->Get(0)->int_value().has_value());
  CHECK(text(error.details()->Get(1)->name()) == "requested");
  CHECK(error.details()->Get(1)->int_value() == int64_t{3});
  CHECK(error.details()->Get(1)->string_value() == nullptr);
  REQUIRE(error.shortages() != nullptr);
  REQUIRE(error.shortages()->size() == 2);
  CHECK(text(error.shortages()->Get(0)->sku()) == "SKU-1");
  CHECK(error.shortages()->Get(0)->requested() == 3);
  CHECK(error.shortages()->Get(0)->available() == 1);
  CHECK(text(error.shortages()->Get(1)->sku()) == "SKU-2");
  CHECK(error.shortages()->Get(1)->requested() == 2);
  CHECK(error.shortages()->Get(1)->available() == 0);
}

TEST_CASE("a refused query's reply is a QueryReply with the error and no body",
          "[wire][flatbuffers]") {
  std::string out;
  flatbuffers_codec().error_reply(
      Error{ErrorCode::kNotFound, "no order o-9", {{"order_id", std::string("o-9")}}, {}}, out);
  const fb::QueryReply& reply = query_reply_of(out);
  CHECK_FALSE(reply.ok());
  CHECK(reply.body_type() == fb::QueryBody::NONE);
  REQUIRE(reply.error() != nullptr);
  CHECK(text(reply.error()->code()) == "NOT_FOUND");
  CHECK(text(reply.error()->message()) == "no order o-9");
  REQUIRE(reply.error()->details() != nullptr);
  CHECK(text(reply.error()->details()->Get(0)->string_value()) == "o-9");
  CHECK(reply.error()->shortages() == nullptr);
}

engine::LoggedEvent logged(EventData data, Position position, uint8_t hash_seed) {
  engine::LoggedEvent e;
  e.event = recorded(std::move(data));
  e.event.position = position;
  for (size_t i = 0; i < e.hash.size(); ++i) e.hash[i] = static_cast<uint8_t>(hash_seed + i);
  return e;
}

std::vector<engine::LoggedEvent> two_events() {
  const OrderLine line{Sku("sku-1"), Quantity{2}, eur(1250)};
  return {logged(OrderPlaced{OrderId("o-1"),
                             CartId("c-1"),
                             CustomerId("cust-9"),
                             {line},
                             eur(2500),
                             Timestamp{1'700'000'900'000'000}},
                 Position{7}, 0x10),
          logged(StockReserved{Sku("sku-1"), OrderId("o-1"), Quantity{2}}, Position{8}, 0xa0)};
}

TEST_CASE("an events page carries each stored record, its hash and its type",
          "[wire][flatbuffers]") {
  const std::vector<engine::LoggedEvent> events = two_events();
  std::string out;
  flatbuffers_codec().events_reply(events, "next_position", 9, out);
  const fb::QueryReply& reply = query_reply_of(out);
  CHECK(reply.ok());
  CHECK(reply.error() == nullptr);
  const fb::EventsReply* page = reply.body_as_EventsReply();
  REQUIRE(page != nullptr);
  CHECK(page->next_position() == uint64_t{9});
  CHECK_FALSE(page->next_version().has_value());
  REQUIRE(page->events() != nullptr);
  REQUIRE(page->events()->size() == 2);
  for (size_t i = 0; i < events.size(); ++i) {
    INFO(i);
    const fb::LoggedEvent& e = *page->events()->Get(static_cast<flatbuffers::uoffset_t>(i));
    REQUIRE(e.record() != nullptr);
    const std::span<const uint8_t> record(e.record()->data(), e.record()->size());
    // The exact bytes the log stores and hashes, aligned for reading in place.
    std::string stored;
    events::encode_event(events[i].event, stored);
    CHECK(std::string_view(reinterpret_cast<const char*>(record.data()), record.size()) == stored);
    CHECK(reinterpret_cast<uintptr_t>(record.data()) % 8 == 0);
    const Result<RecordedEvent> decoded = events::decode_event(record);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == events[i].event);
    REQUIRE(e.record_nested_root() != nullptr);
    CHECK(e.record_nested_root()->position() == events[i].event.position.value);
    REQUIRE(e.hash() != nullptr);
    CHECK(std::vector<uint8_t>(e.hash()->begin(), e.hash()->end()) ==
          std::vector<uint8_t>(events[i].hash.begin(), events[i].hash.end()));
    CHECK(text(e.type()) == event_type_name(events[i].event.data));
  }
  CHECK(text(page->events()->Get(0)->type()) == "OrderPlaced");
}

TEST_CASE("a history page names next_version, an empty page still verifies",
          "[wire][flatbuffers]") {
  std::string out;
  flatbuffers_codec().events_reply(two_events(), "next_version", 3, out);
  const fb::EventsReply* page = query_reply_of(out).body_as_EventsReply();
  REQUIRE(page != nullptr);
  CHECK(page->next_version() == uint64_t{3});
  CHECK_FALSE(page->next_position().has_value());

  flatbuffers_codec().events_reply({}, "next_position", 1, out);
  const fb::EventsReply* empty = query_reply_of(out).body_as_EventsReply();
  REQUIRE(empty != nullptr);
  REQUIRE(empty->events() != nullptr);
  CHECK(empty->events()->size() == 0);
  CHECK(empty->next_position() == uint64_t{1});
}

TEST_CASE("an events page keeps to a byte limit and stays a valid buffer", "[wire][flatbuffers]") {
  std::vector<engine::LoggedEvent> events;
  for (uint64_t i = 0; i < 6; ++i) {
    events.push_back(logged(ProductDefined{Sku("sku-1"), std::string(100 + 10 * i, 'n'), eur(1)},
                            Position{20 + i}, static_cast<uint8_t>(i)));
  }
  const auto next = [](size_t kept) { return uint64_t{20} + kept; };
  std::string whole;
  flatbuffers_codec().events_reply(events, "next_position", 26, whole);
  std::string out;
  CHECK(flatbuffers_codec().events_page(events, "next_position", next, whole.size() + 200, out) ==
        events.size());
  for (size_t limit = whole.size(); limit >= 200; limit -= 37) {
    INFO(limit);
    const size_t kept = flatbuffers_codec().events_page(events, "next_position", next, limit, out);
    if (kept == 0) break;
    CHECK(out.size() <= limit);
    const fb::EventsReply* page = query_reply_of(out).body_as_EventsReply();
    REQUIRE(page != nullptr);
    REQUIRE(page->events()->size() == kept);
    CHECK(page->next_position() == 20 + kept);
    for (size_t i = 0; i < kept; ++i) {
      const auto* e = page->events()->Get(static_cast<flatbuffers::uoffset_t>(i));
      CHECK(e->record_nested_root()->position() == 20 + i);
    }
  }
  // Not even the first event.
  CHECK(flatbuffers_codec().events_page(events, "next_position", next, 300, out) == 0);
}

TEST_CASE("an accepted command's reply without its events says how many it left out",
          "[wire][flatbuffers]") {
  const engine::CommandResult result{
      CommandId("cmd-1"),
      false,
      Position{1042},
      {{"CartCheckedOut", "cart-c-1", StreamVersion{4}, Position{1041}},
       {"OrderPlaced", "order-o-1", StreamVersion{1}, Position{1042}}}};
  std::string out;
  flatbuffers_codec().command_reply_without_events("cmd-1", result, out);
  const fb::CommandReply& reply = command_reply_of(out);
  CHECK(reply.ok());
  CHECK(text(reply.command_id()) == "cmd-1");
  CHECK(reply.position() == 1042);
  REQUIRE(reply.events() != nullptr);
  CHECK(reply.events()->size() == 0);
  CHECK(reply.events_omitted() == 2);
  flatbuffers_codec().command_reply("cmd-1", result, out);
  CHECK(command_reply_of(out).events_omitted() == 0);
}

TEST_CASE("a verify reply carries the report, first_bad_position only when set",
          "[wire][flatbuffers]") {
  events::VerifyReport good;
  good.ok = true;
  good.checked = 120;
  good.head.position = Position{120};
  good.head.hash.fill(0xab);
  std::string out;
  flatbuffers_codec().verify_reply(good, out);
  const fb::VerifyReply* ok = query_reply_of(out).body_as_VerifyReply();
  REQUIRE(ok != nullptr);
  CHECK(ok->ok());
  CHECK(ok->checked() == 120);
  CHECK(ok->head_position() == 120);
  CHECK(text(ok->head_hash()) == events::to_hex(good.head.hash));
  CHECK(text(ok->head_hash()).size() == 64);
  CHECK_FALSE(ok->first_bad_position().has_value());

  events::VerifyReport bad = good;
  bad.ok = false;
  bad.checked = 41;
  bad.first_bad = Position{41};
  bad.reason = "hash mismatch";
  flatbuffers_codec().verify_reply(bad, out);
  const fb::QueryReply& reply = query_reply_of(out);
  CHECK(reply.ok());  // the query succeeded; the chain did not
  const fb::VerifyReply* failed = reply.body_as_VerifyReply();
  REQUIRE(failed != nullptr);
  CHECK_FALSE(failed->ok());
  CHECK(failed->checked() == 41);
  CHECK(failed->first_bad_position() == uint64_t{41});
}

}  // namespace
}  // namespace stockroom::wire

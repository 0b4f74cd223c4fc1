// Record codec: bad input is an error value (kMalformed), never a crash.
#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "events/codec_support/samples.h"
#include "events/record_codec.h"
#include "schemas/commands_generated.h"
#include "schemas/events_generated.h"

namespace stockroom::events {
namespace {

using codec_test::as_bytes;
using codec_test::envelope;
using codec_test::recorded;
using codec_test::sample_commands;
using codec_test::sample_events;

std::span<const uint8_t> bytes_of(const flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetSize()};
}

template <class T>
bool is_malformed(const Result<T>& r) {
  return !r.has_value() && r.error().code == ErrorCode::kMalformed;
}

template <class T>
std::string message_of(const Result<T>& r) {
  return r.has_value() ? std::string("(decoded)") : r.error().message;
}

std::string order_placed_record() {
  std::string out;
  encode_event(recorded(sample_events()[14]), out);
  return out;
}

TEST_CASE("empty input is malformed", "[codec]") {
  CHECK(is_malformed(decode_event({})));
  CHECK(is_malformed(decode_command({})));
}

TEST_CASE("random junk is malformed", "[codec]") {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> junk(static_cast<size_t>(i % 300));
    for (uint8_t& b : junk) b = static_cast<uint8_t>(byte(rng));
    CHECK(is_malformed(decode_event(junk)));
    CHECK(is_malformed(decode_command(junk)));
    // With the right identifier the junk reaches flatbuffers::Verifier.
    if (junk.size() >= 8) {
      std::memcpy(junk.data() + 4, "SREV", 4);
      CHECK(is_malformed(decode_event(junk)));
      std::memcpy(junk.data() + 4, "SRCM", 4);
      CHECK(is_malformed(decode_command(junk)));
    }
  }
}

TEST_CASE("a truncated record is malformed", "[codec]") {
  for (const EventData& data : sample_events()) {
    std::string record;
    encode_event(recorded(data), record);
    const RecordedEvent whole = *decode_event(as_bytes(record));
    for (size_t n = 0; n < record.size(); ++n) {
      const auto prefix = as_bytes(record).first(n);
      const Result<RecordedEvent> r = decode_event(prefix);
      // Cutting only the alignment padding at the very end (under 8 bytes, bytes no
      // object covers) leaves every object whole; any deeper cut is malformed.
      if (n + 8 > record.size() && r.has_value()) {
        CHECK(*r == whole);
      } else {
        INFO(event_type_name(data) << " cut to " << n << " of " << record.size());
        CHECK(is_malformed(r));
      }
    }
  }
}

TEST_CASE("a truncated command is malformed", "[codec]") {
  for (const Command& command : sample_commands()) {
    std::string bytes;
    encode_command(envelope(command), bytes);
    for (size_t n = 0; n + 8 <= bytes.size(); ++n) {
      CHECK(is_malformed(decode_command(as_bytes(bytes).first(n))));
    }
  }
}

TEST_CASE("flipped bits in a record never crash the decoder", "[codec]") {
  // Either the flip still verifies (it hit a value, e.g. a quantity) or it is
  // malformed; under ASan/UBSan this also proves no out-of-bounds read.
  std::string record = order_placed_record();
  for (size_t i = 0; i < record.size(); ++i) {
    for (uint8_t mask : {0x01, 0x10, 0x80, 0xff}) {
      std::string bent = record;
      bent[i] = static_cast<char>(bent[i] ^ mask);
      const Result<RecordedEvent> r = decode_event(as_bytes(bent));
      CHECK((r.has_value() || r.error().code == ErrorCode::kMalformed));
    }
  }
}

TEST_CASE("a command buffer is not an event record, and the other way round", "[codec]") {
  std::string command;
  encode_command(envelope(sample_commands()[0]), command);
  const Result<RecordedEvent> as_event = decode_event(as_bytes(command));
  CHECK(is_malformed(as_event));
  CHECK_THAT(message_of(as_event), Catch::Contains("SREV"));

  const Result<CommandEnvelope> as_command = decode_command(as_bytes(order_placed_record()));
  CHECK(is_malformed(as_command));
  CHECK_THAT(message_of(as_command), Catch::Contains("SRCM"));
}

TEST_CASE("a record at an unaligned address decodes the same", "[codec]") {
  const std::string record = order_placed_record();
  std::vector<uint8_t> shifted(record.size() + 1);
  std::memcpy(shifted.data() + 1, record.data(), record.size());
  const Result<RecordedEvent> r = decode_event(std::span<const uint8_t>(shifted).subspan(1));
  REQUIRE(r.has_value());
  CHECK(*r == recorded(sample_events()[14]));
}

// Builds an EventRecord by hand; `edit` may leave out or bend any field.
struct RecordParts {
  uint16_t schema_version = 1;
  bool with_stream = true;
  bool with_command_id = true;
  bool with_actor = true;
  fb::Role role = fb::Role::staff;
  fb::EventPayload payload_type = fb::EventPayload::ProductRetired;
  bool with_payload = true;
  bool with_sku = true;
};

flatbuffers::FlatBufferBuilder build_record(const RecordParts& p) {
  flatbuffers::FlatBufferBuilder b;
  const auto sku = p.with_sku ? b.CreateString("sku-1") : 0;
  const auto payload = fb::CreateProductRetired(b, sku);
  const auto stream = p.with_stream ? b.CreateString("product-sku-1") : 0;
  const auto command_id = p.with_command_id ? b.CreateString("cmd-1") : 0;
  const auto actor_id = b.CreateString("clerk-3");
  const auto actor = p.with_actor ? fb::CreateActor(b, actor_id, p.role) : 0;
  fb::FinishEventRecordBuffer(
      b, fb::CreateEventRecord(b, p.schema_version, 1, stream, 1, 0, command_id, actor,
                               p.payload_type, p.with_payload ? payload.Union() : 0));
  return b;
}

TEST_CASE("a hand-built well-formed record decodes", "[codec]") {
  const auto b = build_record({});
  const Result<RecordedEvent> r = decode_event(bytes_of(b));
  REQUIRE(r.has_value());
  CHECK(r->data == EventData(ProductRetired{Sku("sku-1")}));
}

TEST_CASE("a record missing a required part is malformed and says which", "[codec]") {
  struct Case {
    RecordParts parts;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{.schema_version = 0}, "schema_version"},
      {{.with_stream = false}, "EventRecord.stream is missing"},
      {{.with_command_id = false}, "EventRecord.command_id is missing"},
      {{.with_actor = false}, "EventRecord.actor is missing"},
      {{.role = static_cast<fb::Role>(9)}, "role 9"},
      {{.payload_type = fb::EventPayload::NONE}, "no payload type"},
      {{.payload_type = static_cast<fb::EventPayload>(200)}, "payload_type 200"},
      {{.with_payload = false}, "EventRecord.payload is missing"},
      {{.with_sku = false}, "ProductRetired.sku is missing"},
  };
  for (const Case& c : cases) {
    const auto b = build_record(c.parts);
    const Result<RecordedEvent> r = decode_event(bytes_of(b));
    INFO(c.says);
    CHECK(is_malformed(r));
    CHECK_THAT(message_of(r), Catch::Contains(c.says));
  }
}

TEST_CASE("a payload whose money or line lacks its parts is malformed", "[codec]") {
  flatbuffers::FlatBufferBuilder b;
  const auto sku = b.CreateString("sku-1");
  const auto no_currency = fb::CreateMoney(b, 5, 0);
  const auto line = fb::CreateOrderLine(b, 0, 2, no_currency);  // no sku
  const auto lines = b.CreateVector(std::vector{line});
  const auto ids = b.CreateString("o-1");
  const auto placed = fb::CreateOrderPlaced(b, ids, ids, ids, lines, no_currency, 0);
  const auto stream = b.CreateString("order-o-1");
  const auto actor = fb::CreateActor(b, sku, fb::Role::customer);
  fb::FinishEventRecordBuffer(
      b, fb::CreateEventRecord(b, 1, 1, stream, 1, 0, ids, actor, fb::EventPayload::OrderPlaced,
                               placed.Union()));
  const Result<RecordedEvent> r = decode_event(bytes_of(b));
  CHECK(is_malformed(r));
  CHECK_THAT(message_of(r), Catch::Contains("OrderPlaced.lines[0].sku is missing"));
}

TEST_CASE("a command missing a required part is malformed", "[codec]") {
  flatbuffers::FlatBufferBuilder b;
  const auto command_id = b.CreateString("cmd-1");
  const auto actor_id = b.CreateString("cust-9");
  const auto body = fb::CreateDefineProduct(b, 0, 0, 0);  // no sku, no name, no price
  const auto actor = fb::CreateActor(b, actor_id, fb::Role::customer);
  fb::FinishCommandEnvelopeBuffer(
      b, fb::CreateCommandEnvelope(b, command_id, actor, flatbuffers::nullopt,
                                   fb::CommandBody::DefineProduct, body.Union()));
  const Result<CommandEnvelope> r = decode_command(bytes_of(b));
  CHECK(is_malformed(r));
  CHECK_THAT(message_of(r), Catch::Contains("DefineProduct.sku is missing"));

  flatbuffers::FlatBufferBuilder no_body;
  const auto id = no_body.CreateString("cmd-1");
  fb::FinishCommandEnvelopeBuffer(no_body, fb::CreateCommandEnvelope(no_body, id));
  const Result<CommandEnvelope> r2 = decode_command(bytes_of(no_body));
  CHECK(is_malformed(r2));
  CHECK_THAT(message_of(r2), Catch::Contains("no body type"));
}

}  // namespace
}  // namespace stockroom::events

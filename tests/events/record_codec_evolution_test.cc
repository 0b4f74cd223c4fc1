// Record codec: the stored format is pinned, and records of other schema versions
// stay readable (docs/schemas.md, "Evolution").
#include <catch2/catch.hpp>
#include <string>

#include "events/codec_support/samples.h"
#include "events/record_codec.h"
#include "schemas/commands_generated.h"
#include "schemas/events_generated.h"

namespace stockroom::events {
namespace {

using codec_test::as_bytes;
using codec_test::eur;
using codec_test::hex;
using codec_test::unhex;

// An OrderPlaced record as schema version 1 wrote it. NEVER regenerate this to make
// the test pass: if it stops decoding to golden_event(), the change broke every
// record already stored.
constexpr std::string_view kGoldenEventV1 =
    "2000000053524556000016003200060018000800200028000c00100005001400"
    "16000000000f01005800000040000000280000006c000000d204000000000000"
    "010000000000000040222018240a060000000600080004000600000004000000"
    "06000000637573742d3900000e000000636d642d636865636b6f75742d310000"
    "090000006f726465722d6f2d3100000010002000040008000c00100014001800"
    "10000000d4000000c8000000b8000000280000000c000000400bc54d240a0600"
    "88ffffff0c000000270a00000000000003000000455552000200000048000000"
    "04000000caffffff280000000c0000000100000000000000c0ffffff0c000000"
    "6300000000000000030000004555520005000000736b755f32000a0014000400"
    "0c0008000a000000300000001400000002000000000000000800100008000400"
    "080000000c000000e204000000000000030000004555520005000000736b752d"
    "3100000006000000637573742d39000003000000632d3100030000006f2d3100";

RecordedEvent golden_event() {
  RecordedEvent e;
  e.position = Position{1234};
  e.stream = "order-o-1";
  e.version = StreamVersion{1};
  e.time = Timestamp{1'700'000'000'123'456};
  e.command_id = CommandId("cmd-checkout-1");
  e.actor = Actor{ActorId("cust-9"), Role::kCustomer};
  e.schema_version = 1;
  e.data = OrderPlaced{OrderId("o-1"),
                       CartId("c-1"),
                       CustomerId("cust-9"),
                       {OrderLine{Sku("sku-1"), Quantity{2}, eur(1250)},
                        OrderLine{Sku("sku_2"), Quantity{1}, eur(99)}},
                       eur(2599),
                       Timestamp{1'700'000'900'123'456}};
  return e;
}

// A command as the first schema encodes it, and its fingerprint. Fingerprints are
// stored in the idempotency records, so the encoding of an unchanged command must
// stay byte-identical across releases: a retry after an upgrade must still match.
constexpr std::string_view kGoldenCommandV1 =
    "1c0000005352434d0000000000000e001c0008000c001400070010000e000000"
    "0000000f340000001800000048000000050000000000000008000c0008000700"
    "080000000000000204000000070000007376632d706179000a000000636d642d"
    "617574682d3100000c001400040008000c0010000c000000480000003c000000"
    "20000000040000000a0000007073702d7265662d343200000800100008000400"
    "080000000c000000270a000000000000030000004555520003000000702d3100"
    "030000006f2d3100";
constexpr std::string_view kGoldenFingerprint =
    "a1c6967ee4bd89423105380ba305e0f4426e69726898aff8e2f7a200b7cb304d";

CommandEnvelope golden_command() {
  return CommandEnvelope{
      CommandId("cmd-auth-1"), Actor{ActorId("svc-pay"), Role::kService}, StreamVersion{5},
      AuthorizePayment{OrderId("o-1"), PaymentId("p-1"), eur(2599), "psp-ref-42"}};
}

TEST_CASE("a record written by schema version 1 still decodes", "[codec]") {
  const std::string bytes = unhex(kGoldenEventV1);
  const Result<RecordedEvent> decoded = decode_event(as_bytes(bytes));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_event());
}

TEST_CASE("the writer still produces the v1 golden bytes for a v1 event", "[codec]") {
  // Appended fields left at their defaults are not written, so this holds across
  // schema growth. Only a deliberate change to what the writer emits may update it;
  // the decode test above must never change.
  std::string out;
  encode_event(golden_event(), out);
  CHECK(hex(std::string_view(out)) == kGoldenEventV1);
}

TEST_CASE("a command's encoding and fingerprint are pinned", "[codec]") {
  std::string out;
  encode_command(golden_command(), out);
  CHECK(hex(std::string_view(out)) == kGoldenCommandV1);
  const Hash fingerprint = command_fingerprint(golden_command());
  CHECK(hex(std::span<const uint8_t>(fingerprint)) == kGoldenFingerprint);
  const Result<CommandEnvelope> decoded = decode_command(as_bytes(unhex(kGoldenCommandV1)));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_command());
}

using flatbuffers::FieldIndexToOffset;

// A ProductDefined record as a NEWER writer (schema version 2) would produce it:
// each table carries a field beyond the ids this build knows.
std::string record_from_a_newer_writer() {
  flatbuffers::FlatBufferBuilder b;
  const auto sku = b.CreateString("sku-1");
  const auto name = b.CreateString("Blue mug");
  const auto currency = b.CreateString("EUR");
  const auto future_text = b.CreateString("a field from the future");
  const auto stream = b.CreateString("product-sku-1");
  const auto command_id = b.CreateString("cmd-1");
  const auto actor_id = b.CreateString("clerk-3");

  fb::MoneyBuilder money(b);
  money.add_amount(1250);
  money.add_currency(currency);
  b.AddElement<int32_t>(FieldIndexToOffset(2), 77, 0);
  const auto price = money.Finish();

  fb::ProductDefinedBuilder payload(b);
  payload.add_sku(sku);
  payload.add_name(name);
  payload.add_price(price);
  b.AddOffset(FieldIndexToOffset(3), future_text);
  b.AddElement<int64_t>(FieldIndexToOffset(4), -1, 0);
  const auto product = payload.Finish();

  fb::ActorBuilder actor(b);
  actor.add_id(actor_id);
  actor.add_role(fb::Role::staff);
  b.AddElement<uint8_t>(FieldIndexToOffset(2), 1, 0);
  const auto who = actor.Finish();

  fb::EventRecordBuilder record(b);
  record.add_schema_version(2);
  record.add_position(9);
  record.add_stream(stream);
  record.add_version(1);
  record.add_time_us(1'700'000'000'000'000);
  record.add_command_id(command_id);
  record.add_actor(who);
  record.add_payload_type(fb::EventPayload::ProductDefined);
  record.add_payload(product.Union());
  b.AddElement<uint64_t>(FieldIndexToOffset(9), 424242, 0);
  b.AddOffset(FieldIndexToOffset(10), future_text);
  fb::FinishEventRecordBuffer(b, record.Finish());
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

TEST_CASE("a record from a newer schema decodes, ignoring the fields it added", "[codec]") {
  const std::string bytes = record_from_a_newer_writer();
  const Result<RecordedEvent> decoded = decode_event(as_bytes(bytes));
  REQUIRE(decoded.has_value());
  RecordedEvent expected;
  expected.position = Position{9};
  expected.stream = "product-sku-1";
  expected.version = StreamVersion{1};
  expected.time = Timestamp{1'700'000'000'000'000};
  expected.command_id = CommandId("cmd-1");
  expected.actor = Actor{ActorId("clerk-3"), Role::kStaff};
  expected.schema_version = 2;  // kept as stored: it names the writer's schema
  expected.data = ProductDefined{Sku("sku-1"), "Blue mug", eur(1250)};
  CHECK(*decoded == expected);
}

TEST_CASE("a command from a newer client decodes, ignoring the fields it added", "[codec]") {
  flatbuffers::FlatBufferBuilder b;
  const auto cart_id = b.CreateString("c-1");
  const auto command_id = b.CreateString("cmd-1");
  const auto actor_id = b.CreateString("cust-9");
  fb::AbandonCartBuilder body(b);
  body.add_cart_id(cart_id);
  b.AddElement<int64_t>(FieldIndexToOffset(1), 5, 0);
  const auto abandon = body.Finish();
  const auto actor = fb::CreateActor(b, actor_id, fb::Role::customer);
  fb::CommandEnvelopeBuilder env(b);
  env.add_command_id(command_id);
  env.add_actor(actor);
  env.add_body_type(fb::CommandBody::AbandonCart);
  env.add_body(abandon.Union());
  b.AddElement<uint32_t>(FieldIndexToOffset(5), 3, 0);
  fb::FinishCommandEnvelopeBuffer(b, env.Finish());

  const Result<CommandEnvelope> decoded =
      decode_command(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == CommandEnvelope{CommandId("cmd-1"), Actor{ActorId("cust-9"), Role::kCustomer},
                                    std::nullopt, AbandonCart{CartId("c-1")}});
}

TEST_CASE("fields a record lacks read as their defaults", "[codec]") {
  // As an older writer that had only order_id would have produced it.
  flatbuffers::FlatBufferBuilder b;
  const auto order_id = b.CreateString("o-1");
  const auto stream = b.CreateString("order-o-1");
  const auto command_id = b.CreateString("cmd-1");
  const auto actor_id = b.CreateString("clerk-3");
  fb::OrderItemsReturnedBuilder payload(b);
  payload.add_order_id(order_id);
  const auto returned = payload.Finish();
  const auto actor = fb::CreateActor(b, actor_id, fb::Role::staff);
  const auto record = fb::CreateEventRecord(b, 1, 3, stream, 2, 0, command_id, actor,
                                            fb::EventPayload::OrderItemsReturned, returned.Union());
  fb::FinishEventRecordBuffer(b, record);

  const Result<RecordedEvent> decoded =
      decode_event(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()));
  REQUIRE(decoded.has_value());
  CHECK(std::get<OrderItemsReturned>(decoded->data) ==
        OrderItemsReturned{OrderId("o-1"), {}, false});
}

}  // namespace
}  // namespace stockroom::events

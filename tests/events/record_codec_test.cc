// Record codec: round trips, determinism and fingerprints.
#include "events/record_codec.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <variant>

#include "events/codec_support/samples.h"
#include "events/sha256.h"
#include "schemas/commands_generated.h"
#include "schemas/events_generated.h"

namespace stockroom::events {
namespace {

using codec_test::as_bytes;
using codec_test::envelope;
using codec_test::eur;
using codec_test::recorded;
using codec_test::sample_commands;
using codec_test::sample_events;

std::string encoded(const RecordedEvent& event) {
  std::string out;
  encode_event(event, out);
  return out;
}

std::string encoded(const CommandEnvelope& command) {
  std::string out;
  encode_command(command, out);
  return out;
}

TEST_CASE("the samples cover every event and every command", "[codec]") {
  std::set<size_t> events;
  for (const EventData& e : sample_events()) events.insert(e.index());
  CHECK(events.size() == std::variant_size_v<EventData>);
  std::set<size_t> commands;
  for (const Command& c : sample_commands()) commands.insert(c.index());
  CHECK(commands.size() == std::variant_size_v<Command>);
}

TEST_CASE("every event type survives encode then decode unchanged", "[codec]") {
  for (const EventData& data : sample_events()) {
    const RecordedEvent event = recorded(data);
    INFO(event_type_name(data));
    const std::string bytes = encoded(event);
    const Result<RecordedEvent> decoded = decode_event(as_bytes(bytes));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
  }
}

TEST_CASE("each event is stored as the union member of the same name", "[codec]") {
  for (const EventData& data : sample_events()) {
    const std::string bytes = encoded(recorded(data));
    const fb::EventRecord* record = fb::GetEventRecord(bytes.data());
    CHECK(std::string_view(fb::EnumNameEventPayload(record->payload_type())) ==
          event_type_name(data));
  }
}

TEST_CASE("record envelope fields survive a round trip", "[codec]") {
  RecordedEvent event = recorded(OrderPaid{OrderId("o-1")});
  event.position = Position{UINT64_MAX};
  event.version = StreamVersion{UINT64_MAX - 1};
  event.time = Timestamp{-5};  // before the epoch: still representable
  event.actor = engine_actor();
  event.command_id = CommandId("");  // an id is written even when empty
  const Result<RecordedEvent> decoded = decode_event(as_bytes(encoded(event)));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == event);
}

TEST_CASE("empty optional text and empty line lists round trip", "[codec]") {
  const std::vector<EventData> events = {
      StockReceived{Sku("s"), Quantity{1}, ""},
      OrderShipped{OrderId("o"), "", ""},
      PaymentAuthorized{OrderId("o"), PaymentId("p"), eur(0), ""},
      ProductRated{Sku("s"), CustomerId("c"), OrderId("o"), 1, ""},
      OrderItemsReturned{OrderId("o"), {}, false},
      OrderPlaced{OrderId("o"), CartId("c"), CustomerId("u"), {}, eur(0), Timestamp{0}},
      OrderCancelled{OrderId("o"), "", Money{}},  // a Money with no currency at all
  };
  for (const EventData& data : events) {
    INFO(event_type_name(data));
    const RecordedEvent event = recorded(data);
    const Result<RecordedEvent> decoded = decode_event(as_bytes(encoded(event)));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
  }
}

TEST_CASE("every command type survives encode then decode unchanged", "[codec]") {
  for (const Command& command : sample_commands()) {
    const CommandEnvelope env = envelope(command);
    INFO("command variant index " << command.index());
    const Result<CommandEnvelope> decoded = decode_command(as_bytes(encoded(env)));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == env);
  }
}

TEST_CASE("optional command fields round trip when absent", "[codec]") {
  const std::vector<CommandEnvelope> envelopes = {
      envelope(RemoveCartItem{CartId("c"), Sku("s"), std::nullopt}),
      envelope(RemoveCartItem{CartId("c"), Sku("s"), Quantity{0}}),
      envelope(CapturePayment{OrderId("o"), PaymentId("p"), std::nullopt}),
      envelope(ShipOrder{OrderId("o"), "", ""}),
      envelope(SubmitRating{OrderId("o"), Sku("s"), 3, ""}),
      CommandEnvelope{CommandId("k"), Actor{ActorId("a"), Role::kService}, std::nullopt,
                      ExpireOrder{OrderId("o")}},
      CommandEnvelope{CommandId("k"), Actor{ActorId("a"), Role::kStaff}, StreamVersion{0},
                      RetireProduct{Sku("s")}},
  };
  for (const CommandEnvelope& env : envelopes) {
    const Result<CommandEnvelope> decoded = decode_command(as_bytes(encoded(env)));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == env);
  }
}

TEST_CASE("encoding is deterministic, whatever was encoded before", "[codec]") {
  const RecordedEvent event = recorded(sample_events()[14]);  // OrderPlaced
  const std::string first = encoded(event);
  for (const EventData& other : sample_events()) (void)encoded(recorded(other));
  CHECK(encoded(event) == first);

  const CommandEnvelope command = envelope(sample_commands()[13]);  // ReturnOrderItems
  const std::string first_command = encoded(command);
  for (const Command& other : sample_commands()) (void)encoded(envelope(other));
  CHECK(encoded(command) == first_command);
}

TEST_CASE("encode_event replaces what the output string held", "[codec]") {
  std::string out = "left over from before";
  encode_event(recorded(OrderPaid{OrderId("o-1")}), out);
  CHECK(out == encoded(recorded(OrderPaid{OrderId("o-1")})));
  encode_command(envelope(AbandonCart{CartId("c-1")}), out);
  CHECK(out == encoded(envelope(AbandonCart{CartId("c-1")})));
}

TEST_CASE("command fingerprint is SHA-256 of the command encoding", "[codec]") {
  const CommandEnvelope env = envelope(sample_commands()[0]);
  CHECK(command_fingerprint(env) == sha256(as_bytes(encoded(env))));
}

TEST_CASE("equal envelopes have equal fingerprints", "[codec]") {
  for (const Command& command : sample_commands()) {
    CHECK(command_fingerprint(envelope(command)) == command_fingerprint(envelope(command)));
  }
}

TEST_CASE("fingerprints differ when any part of the envelope differs", "[codec]") {
  const CommandEnvelope base =
      envelope(AuthorizePayment{OrderId("o-1"), PaymentId("p-1"), eur(2599), "psp-ref-42"});
  std::vector<CommandEnvelope> variants(8, base);
  variants[0].command_id = CommandId("cmd-0002");
  variants[1].actor.id = ActorId("cust-8");
  variants[2].actor.role = Role::kStaff;
  variants[3].expected_version = std::nullopt;
  variants[4].expected_version = StreamVersion{4};
  std::get<AuthorizePayment>(variants[5].command).amount.amount = 2598;
  std::get<AuthorizePayment>(variants[6].command).amount.currency = Currency("USD");
  std::get<AuthorizePayment>(variants[7].command).provider_ref = "";
  variants.push_back(base);
  variants.back().command = CapturePayment{OrderId("o-1"), PaymentId("p-1"), eur(2599)};

  std::set<Hash> seen = {command_fingerprint(base)};
  for (const CommandEnvelope& v : variants) {
    REQUIRE(v != base);
    CHECK(seen.insert(command_fingerprint(v)).second);
  }
}

TEST_CASE("every sample command has its own fingerprint", "[codec]") {
  std::set<Hash> seen;
  for (const Command& command : sample_commands()) {
    CHECK(seen.insert(command_fingerprint(envelope(command))).second);
  }
}

TEST_CASE("absent and zero optional scalars fingerprint differently", "[codec]") {
  const auto whole = envelope(RemoveCartItem{CartId("c"), Sku("s"), std::nullopt});
  const auto zero = envelope(RemoveCartItem{CartId("c"), Sku("s"), Quantity{0}});
  CHECK(command_fingerprint(whole) != command_fingerprint(zero));
  CommandEnvelope any = whole;
  any.expected_version = std::nullopt;
  CommandEnvelope empty_stream = whole;
  empty_stream.expected_version = StreamVersion{0};
  CHECK(command_fingerprint(any) != command_fingerprint(empty_stream));
}

}  // namespace
}  // namespace stockroom::events

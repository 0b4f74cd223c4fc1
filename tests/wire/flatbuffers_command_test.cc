// FlatBuffers command requests: a CommandEnvelope under <p>.cmd.<name>, checked
// against the subject, and the command_id of a body that is refused.
#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "adapters/wire/wire.h"
#include "events/codec_support/samples.h"
#include "events/record_codec.h"
#include "schemas/api_generated.h"
#include "schemas/commands_generated.h"

namespace stockroom::wire {
namespace {

using codec_test::envelope;
using codec_test::sample_commands;

std::string encoded(const CommandEnvelope& command) {
  std::string out;
  events::encode_command(command, out);
  return out;
}

const Codec& codec() { return flatbuffers_codec(); }

std::string add_item_body() {
  return encoded(envelope(AddCartItem{CartId("c-1"), Sku("sku-1"), Quantity{2}}));
}

ErrorCode fb_command_code(std::string_view name, std::string_view body) {
  const Result<CommandEnvelope> decoded = codec().decode_command(name, body);
  REQUIRE_FALSE(decoded.has_value());
  return decoded.error().code;
}

TEST_CASE("every contract command decodes from its FlatBuffer under its own subject",
          "[wire][flatbuffers]") {
  int decoded_commands = 0;
  for (const Command& command : sample_commands()) {
    if (is_engine_command(command)) continue;
    const std::string_view name = command_name(command);
    INFO(name);
    REQUIRE(command_for_name(name).has_value());
    const CommandEnvelope sent = envelope(command);
    const Result<CommandEnvelope> decoded = codec().decode_command(name, encoded(sent));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == sent);
    ++decoded_commands;
  }
  // the 21 of domain.md, the 3 hold commands, rating.record, order.place, stock.settle
  CHECK(decoded_commands == 27);
}

TEST_CASE("an absent expected_version decodes as absent, not as 0", "[wire][flatbuffers]") {
  CommandEnvelope sent = envelope(RetireProduct{Sku("sku-1")});
  sent.expected_version.reset();
  const Result<CommandEnvelope> decoded = codec().decode_command("product.retire", encoded(sent));
  REQUIRE(decoded.has_value());
  CHECK_FALSE(decoded->expected_version.has_value());
  CHECK(decoded->command_id == CommandId("cmd-0001"));
}

TEST_CASE("a body at an odd address decodes like an aligned one", "[wire][flatbuffers]") {
  const std::string body = add_item_body();
  const std::string shifted = "x" + body;
  const Result<CommandEnvelope> decoded =
      codec().decode_command("cart.add_item", std::string_view(shifted).substr(1));
  REQUIRE(decoded.has_value());
  CHECK(std::get<AddCartItem>(decoded->command).quantity == Quantity{2});
}

TEST_CASE("a body holding another command than the subject is INVALID_ARGUMENT naming both",
          "[wire][flatbuffers]") {
  const Result<CommandEnvelope> decoded = codec().decode_command("cart.open", add_item_body());
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == ErrorCode::kInvalidArgument);
  CHECK(decoded.error().message.find("cart.open") != std::string::npos);
  CHECK(decoded.error().message.find("cart.add_item") != std::string::npos);
  CHECK(decoded.error().details ==
        std::vector<ErrorDetail>{{"command", std::string("cart.open")},
                                 {"body", std::string("cart.add_item")}});
}

TEST_CASE("an unknown subject is UNKNOWN_COMMAND before the body is looked at",
          "[wire][flatbuffers]") {
  CHECK(fb_command_code("cart.fly", add_item_body()) == ErrorCode::kUnknownCommand);
  CHECK(fb_command_code("cart.fly", "junk") == ErrorCode::kUnknownCommand);
  CHECK(fb_command_code("", "") == ErrorCode::kUnknownCommand);
  const Result<CommandEnvelope> decoded = codec().decode_command("cart.fly", "");
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().details == std::vector<ErrorDetail>{{"command", std::string("cart.fly")}});
}

TEST_CASE("ExpireOrder is never accepted from outside", "[wire][flatbuffers]") {
  const std::string body = encoded(envelope(ExpireOrder{OrderId("o-1")}));
  // Its own name has no subject, and its body is refused under every public name.
  CHECK(fb_command_code("order.expire", body) == ErrorCode::kUnknownCommand);
  CHECK(fb_command_code("order.cancel", body) == ErrorCode::kUnknownCommand);
  CHECK(fb_command_code("cart.add_item", body) == ErrorCode::kUnknownCommand);
}

TEST_CASE("junk, empty, JSON and foreign FlatBuffers bodies are MALFORMED", "[wire][flatbuffers]") {
  CHECK(fb_command_code("cart.add_item", "") == ErrorCode::kMalformed);
  CHECK(fb_command_code("cart.add_item", "not a flatbuffer, just some text") ==
        ErrorCode::kMalformed);
  CHECK(fb_command_code("cart.add_item",
                        R"({"command_id":"c","cart_id":"c-1","sku":"s","quantity":1})") ==
        ErrorCode::kMalformed);
  CHECK(fb_command_code("cart.add_item", std::string(64, '\0')) == ErrorCode::kMalformed);
  // A valid FlatBuffer of another schema: the "SRCM" identifier is missing.
  flatbuffers::FlatBufferBuilder b;
  const auto order_id = b.CreateString("o-1");
  b.Finish(fb::CreateQueryRequest(b, order_id));
  const std::string query(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  CHECK(fb_command_code("cart.add_item", query) == ErrorCode::kMalformed);
}

TEST_CASE("every truncation of a command that cuts into its objects is MALFORMED",
          "[wire][flatbuffers]") {
  const std::string body = add_item_body();
  // The last bytes may be alignment padding that no object covers; 8 or more bytes
  // off always cut into an object.
  for (size_t size = 0; size + 8 <= body.size(); ++size) {
    INFO(size);
    CHECK(fb_command_code("cart.add_item", body.substr(0, size)) == ErrorCode::kMalformed);
  }
}

TEST_CASE("a verified envelope that misses a required field is MALFORMED naming it",
          "[wire][flatbuffers]") {
  flatbuffers::FlatBufferBuilder b;
  const auto id = b.CreateString("cmd-9");
  const auto actor_id = b.CreateString("alice");
  const auto actor = fb::CreateActor(b, actor_id, fb::Role::staff);
  const auto sku = b.CreateString("sku-1");
  const auto body = fb::CreateDefineProduct(b, sku, 0, 0);  // no name (optional), no price
  b.Finish(fb::CreateCommandEnvelope(b, id, actor, flatbuffers::nullopt,
                                     fb::CommandBody::DefineProduct, body.Union()),
           fb::CommandEnvelopeIdentifier());
  const std::string bytes(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  const Result<CommandEnvelope> decoded = codec().decode_command("product.define", bytes);
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == ErrorCode::kMalformed);
  CHECK(decoded.error().message.find("price") != std::string::npos);
  // The reply to it can still name the command.
  CHECK(codec().command_id_of(bytes) == "cmd-9");
}

TEST_CASE("command_id_of reads the id of any verified envelope and nothing of junk",
          "[wire][flatbuffers]") {
  const std::string body = add_item_body();
  CHECK(codec().command_id_of(body) == "cmd-0001");
  CHECK(codec().command_id_of("") == "");
  CHECK(codec().command_id_of("not a flatbuffer, just some text") == "");
  CHECK(codec().command_id_of(body.substr(0, body.size() / 2)) == "");
}

}  // namespace
}  // namespace stockroom::wire

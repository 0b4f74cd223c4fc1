#include "adapters/wire/fb_command_request.h"

#include <span>
#include <utility>
#include <variant>

#include "adapters/wire/fb_buffer.h"
#include "events/record_codec.h"
#include "schemas/commands_generated.h"

namespace stockroom::wire::fbcodec {

Result<CommandEnvelope> read_command_request(std::string_view name, std::string_view body) {
  // The subject alone decides "no such command": a client learns that before any
  // question about its bytes. command_for_name knows no name for ExpireOrder.
  const std::optional<Command> named = command_for_name(name);
  if (!named) {
    return fail(ErrorCode::kUnknownCommand, "no command named \"" + std::string(name) + "\"",
                {{"command", std::string(name)}});
  }
  Result<CommandEnvelope> envelope =
      events::decode_command(std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  if (!envelope) return envelope;
  // The schema has tables for the engine's own commands; no client may send them.
  if (is_engine_command(envelope->command)) {
    return fail(ErrorCode::kUnknownCommand,
                std::string(command_name(envelope->command)) + " is not a public command");
  }
  if (envelope->command.index() != named->index()) {
    const std::string body_name(command_name(envelope->command));
    return fail(ErrorCode::kInvalidArgument,
                "the subject names " + std::string(name) + " but the body holds " + body_name,
                {{"command", std::string(name)}, {"body", body_name}});
  }
  return envelope;
}

std::string command_id_in(std::string_view body) {
  const Result<std::span<const uint8_t>> bytes = request_bytes(body, "command");
  if (!bytes || !flatbuffers::BufferHasIdentifier(bytes->data(), fb::CommandEnvelopeIdentifier())) {
    return {};
  }
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  if (!fb::VerifyCommandEnvelopeBuffer(verifier)) return {};
  const flatbuffers::String* id = fb::GetCommandEnvelope(bytes->data())->command_id();
  return id == nullptr ? std::string() : id->str();
}

}  // namespace stockroom::wire::fbcodec

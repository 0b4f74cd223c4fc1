// The one body of the two command fuzzers (JSON and FlatBuffers): what the service does
// with a command request before the engine, and the properties every outcome keeps.
#pragma once

#include <span>
#include <string>

#include "adapters/wire/keyed_subject.h"
#include "adapters/wire/wire.h"
#include "engine/domain/decide.h"
#include "events/record_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockroom::fuzz {

// Decodes `data` as a command request with `codec`:
// - a refusal is a decode code, and its reply (with the command_id the codec finds in
//   the body) is well formed: for JSON, valid JSON in UTF-8 whatever the body held;
// - an accepted command survives its stored form (encode_command, decode_command) and
//   the checks that need no state (check_stateless, the subject's key) answer a value.
inline void fuzz_command(const wire::Codec& codec, bool json, const uint8_t* data, size_t size) {
  const Request request = split_request(data, size);
  const wire::KeyedName name = wire::split_command_subject(request.tail);
  const Result<CommandEnvelope> decoded = codec.decode_command(name.name, request.body);
  std::string reply;
  if (!decoded.has_value()) {
    FUZZ_CHECK(is_decode_error(decoded.error().code));
    const std::string id = codec.command_id_of(request.body);
    codec.command_reply(id, Result<engine::CommandResult>(std::unexpected(decoded.error())), reply);
    if (json) FUZZ_CHECK(is_json(reply));
    return;
  }
  if (name.key.has_value()) {
    const Status key = wire::check_command_key(decoded->command, *name.key);
    if (!key.has_value()) FUZZ_CHECK(key.error().code == ErrorCode::kInvalidArgument);
  }
  const Status stateless = check_stateless(*decoded);
  if (!stateless.has_value()) {
    codec.command_reply(decoded->command_id.str(),
                        Result<engine::CommandResult>(std::unexpected(stateless.error())), reply);
    if (json) FUZZ_CHECK(is_json(reply));
  }
  std::string stored;
  events::encode_command(*decoded, stored);
  const Result<CommandEnvelope> again = events::decode_command(
      std::span(reinterpret_cast<const uint8_t*>(stored.data()), stored.size()));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *decoded);
}

}  // namespace stockroom::fuzz

// The stored and wire forms of events and commands: FlatBuffers (schemas/*.fbs).
//
// encode_event() produces the exact bytes the log stores and hashes; decode_event()
// verifies the buffer (flatbuffers::Verifier) before reading, so a corrupt or
// foreign record is an error value, never a crash. Records of every schema version
// up to kEventSchemaVersion decode (fields added later read as their defaults).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/model/command.h"
#include "engine/model/error.h"
#include "engine/model/event.h"
#include "events/event_log.h"

namespace stockroom::events {

// Appends the record bytes of `event` to `out` (cleared first). Reuse `out` across
// calls to avoid reallocating on the hot path.
void encode_event(const RecordedEvent& event, std::string& out);

// kMalformed when the bytes are not a valid record.
[[nodiscard]] Result<RecordedEvent> decode_event(std::span<const uint8_t> record);

// The FlatBuffers encoding of a command with its envelope (the NATS FlatBuffers
// body). Deterministic: the same envelope always gives the same bytes, so its
// SHA-256 is the command's idempotency fingerprint.
void encode_command(const CommandEnvelope& envelope, std::string& out);

// kMalformed when the bytes are not a valid command buffer.
[[nodiscard]] Result<CommandEnvelope> decode_command(std::span<const uint8_t> bytes);

// SHA-256 of encode_command(envelope).
[[nodiscard]] Hash command_fingerprint(const CommandEnvelope& envelope);

}  // namespace stockroom::events

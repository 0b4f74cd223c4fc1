// The command bodies of an envelope: Command <-> the CommandBody union of
// schemas/commands.fbs, one table per command struct with the same name and fields.
#pragma once

#include "engine/model/command.h"
#include "engine/model/error.h"
#include "events/internal/codec_values.h"
#include "schemas/commands_generated.h"

namespace stockroom::events::codec {

struct EncodedBody {
  fb::CommandBody type = fb::CommandBody::NONE;
  flatbuffers::Offset<void> table;
};

// Adds the body table of `command` to `b` (call before starting the envelope table).
[[nodiscard]] EncodedBody put_command_body(Builder& b, const Command& command);

// Reads the body of a VERIFIED envelope. kMalformed when the body is absent, of a
// union member this build does not know, or lacks a required field.
[[nodiscard]] Result<Command> read_command_body(const fb::CommandEnvelope& envelope);

}  // namespace stockroom::events::codec

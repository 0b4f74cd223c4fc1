// A command request in FlatBuffers: a CommandEnvelope buffer (schemas/commands.fbs,
// identifier "SRCM") sent to <p>.cmd.<name>. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "engine/model/command.h"
#include "engine/model/error.h"

namespace stockroom::wire::fbcodec {

// The envelope of `body` sent as command `name` (e.g. "cart.add_item"):
//   kUnknownCommand   `name` is no contract command (checked before the body), or the
//                     body holds the engine's own ExpireOrder
//   kMalformed        not a valid CommandEnvelope (events::decode_command)
//   kInvalidArgument  the body holds another command than `name`
[[nodiscard]] Result<CommandEnvelope> read_command_request(std::string_view name,
                                                           std::string_view body);

// The command_id of a body that failed to decode, when the buffer is a valid
// CommandEnvelope that carries one; empty otherwise.
[[nodiscard]] std::string command_id_in(std::string_view body);

}  // namespace stockroom::wire::fbcodec

// Form checks of a command, before any state is read (INVALID_ARGUMENT).
//
// Ids are 1-64 chars of [A-Za-z0-9_-] (a command id too, except the engine's own
// commands': expiry_command_id() in command.h), currencies three upper-case letters, amounts
// of money >= 0, quantities 1..1,000,000, stars 1..5, names 1..200 and comments at most
// 2,000 characters (Unicode code points of UTF-8 text). Pure.
#pragma once

#include "engine/model/command.h"
#include "engine/model/error.h"

namespace stockroom {

[[nodiscard]] Status validate(const CommandEnvelope& envelope);

}  // namespace stockroom

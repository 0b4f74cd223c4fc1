// The stored form of a CommandResult, kept in the idempotency record so that a
// duplicate gets the original reply. Format (docs/storage.md): u8 format version (1),
// u64 position, u32 event count, then per event: u8 length + type name, u8 length +
// stream name, u64 version, u64 position; integers little-endian.
#pragma once

#include <string>
#include <string_view>

#include "engine/engine.h"

namespace stockroom::engine::internal {

void encode_result(const CommandResult& result, std::string& out);

// kMalformed when the bytes are not an encoded result. command_id is not stored
// (it is the record's key): the caller fills it in.
[[nodiscard]] Result<CommandResult> decode_result(std::string_view bytes);

}  // namespace stockroom::engine::internal

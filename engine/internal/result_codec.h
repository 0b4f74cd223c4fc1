// The stored form of a CommandResult, kept in the idempotency record so that a
// duplicate gets the original reply (docs/storage.md).
//
// Written as format 2: u8 version (2), u64 position of the command's first event, u32
// event count; integers little-endian. The events themselves are in the log: a
// command's events are adjacent, and their types, streams and versions are read from
// there when a duplicate is answered (rare) rather than repeated in every record.
// Format 1, which repeated them (per event: u8 length + type name, u8 length + stream
// name, u64 version, u64 position, after u64 last position and u32 count), is still
// read: logs written before keep their records until the retention drops them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

void encode_result(const CommandResult& result, std::string& out);

// Which positions a stored result names: [first, first + count). A command with no
// event has count 0 and `first` its position.
struct ResultSpan {
  Position first;
  uint32_t count = 0;
  [[nodiscard]] bool holds(Position p) const noexcept {
    return p.value >= first.value && p.value < first.value + count;
  }
};

// Either format. kMalformed when the bytes are not a stored result.
[[nodiscard]] Result<ResultSpan> decode_result_span(std::string_view bytes);

// The whole result: format 1 from its bytes, format 2 with its events read from `log`
// (kNotFound when one is missing there, kMalformed when one does not decode).
// command_id is not stored (it is the record's key): the caller fills it in.
[[nodiscard]] Result<CommandResult> load_result(std::string_view bytes,
                                                const events::EventLog& log);

}  // namespace stockroom::engine::internal

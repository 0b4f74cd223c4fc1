// The history of one stream for an auditor (cli.md, `history`): every event with its
// position, version, time, type, short hash, actor and command id, as a table a person
// reads or as JSON lines (the event shape of nats-api.md). Streams in chunks: a
// product's stream may hold millions of events.
// Threads: the caller's.
#pragma once

#include <cstdint>
#include <string_view>

#include "adapters/tools/replay.h"
#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::tools {

enum class HistoryFormat : uint8_t { kTable, kJsonLines };

// How many hex digits of each hash the table shows.
inline constexpr size_t kShortHash = 12;

// Writes the history through `sink`; returns how many events. kNotFound when the
// stream has no events, kInvalidArgument for a name that is no stream name.
[[nodiscard]] Result<uint64_t> write_history(const events::EventLog& log, std::string_view stream,
                                             HistoryFormat format, const Sink& sink);

}  // namespace stockroom::tools

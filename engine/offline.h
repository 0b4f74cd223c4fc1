// Reading a data directory without an Engine: what the offline tools (`stockroom
// replay`, `history`, `verify`, `checkpoint`) build on. Nothing here writes: the log
// is opened read-only (or as a follower of a running serve), never created.
// Threads: the functions are pure over the log they are given; the log's own
// contract (events/event_log.h) says which of its calls may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/model/error.h"
#include "engine/model/types.h"
#include "events/event_log.h"

namespace stockroom::engine {

// How an offline tool opens a data directory.
enum class OfflineMode : uint8_t {
  kSnapshot,           // read-only as of the open, with every index and view
  kFollow,             // a follower of a running serve (refresh()), the log alone
  kFollowWithIndexes,  // a follower with the stream, time and command indexes too
};

// Opens `dir` read-only, also while a serve holds it. A snapshot has the engine's
// keyspaces (views, expiry); a follower is a secondary instance whose refresh() sees what
// the running serve appends, and keeps up at the cost of replaying serve's WAL for each
// family it has open: the fewer, the cheaper (events::LogOptions::follow). Errors, one line each,
// name what is wrong: kNotFound for a missing path or a directory that holds no Stockroom log,
// kInvalidArgument for a dangling symbolic link or a file that is not a directory
// (events/data_dir.h), kInvalidState for a damaged store (events/event_log.h, open),
// kUnavailable when RocksDB cannot open it.
[[nodiscard]] Result<std::unique_ptr<events::EventLog>> open_offline(
    const std::string& dir, OfflineMode mode = OfflineMode::kSnapshot);

// `stream` folded into its view's shape up to a position (inclusive) or a time
// (inclusive): projections::fold_stream_view over the log's events. kNotFound when
// the stream had no event by then. Engine::as_of is this on the engine's log.
[[nodiscard]] Result<std::string> fold_as_of(const events::EventLog& log, const std::string& stream,
                                             Position position);
[[nodiscard]] Result<std::string> fold_as_of(const events::EventLog& log, const std::string& stream,
                                             Timestamp time);

}  // namespace stockroom::engine

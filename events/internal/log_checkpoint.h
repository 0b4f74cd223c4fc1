// write_checkpoint: EventLog::checkpoint on the open RocksDB database of a log; and
// read_head, the head of a data directory read through a read-only open.
// Threads: any thread, concurrently with the database's writer.
#pragma once

#include <rocksdb/db.h>

#include <string>

#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::events::internal {

// The contract is EventLog::checkpoint's (events/event_log.h).
[[nodiscard]] Result<Head> write_checkpoint(rocksdb::DB& db, const std::string& target);

// Opens `dir` read-only and returns its head (kNotFound when it holds no log).
[[nodiscard]] Result<Head> read_head(const std::string& dir);

}  // namespace stockroom::events::internal

// The clean-stop record: the head a writer left when it closed cleanly, kept in the
// file CLEAN_STOP of the data directory, outside RocksDB (docs/storage.md, "Corruption
// on open").
//
// RocksDB cannot tell a write-ahead log cut short by a crash mid-append (legitimate:
// that write was never acknowledged) from one cut short, or deleted, afterwards
// (acknowledged events lost): both end at a record boundary or inside a record. This
// record can: a writer that closes cleanly makes its WAL durable and writes its head
// here; the next open compares the head it finds with it and refuses a store that no
// longer holds it. A writer removes the record as it opens, before any write, so after
// a crash there is none and the tail of the WAL is trusted as RocksDB recovers it.
//
// Format: one line, "<position> <hash as 64 lowercase hex digits>\n". Written to
// CLEAN_STOP.tmp, fsynced, renamed over CLEAN_STOP and the directory fsynced, so it is
// either the old record or the new one. Deleting it accepts the store as it is.
// Threads: free functions; the writer's LOCK on the directory serialises writers.
#pragma once

#include <optional>
#include <string>

#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::events::internal {

inline constexpr std::string_view kCleanStopFile = "CLEAN_STOP";

// The record in `dir`: nullopt when there is none (a new store, a crash, a writer
// running, a directory from before the record existed). kInvalidState when the file
// does not have the format above; kUnavailable when it cannot be read.
[[nodiscard]] Result<std::optional<Head>> read_clean_stop(const std::string& dir);

// Writes the record durably. REQUIRES: every write up to `head` is durable (the WAL
// was synced) and no other write will follow from this open.
[[nodiscard]] Status write_clean_stop(const std::string& dir, const Head& head);

// Removes the record (and a CLEAN_STOP.tmp a failed write left) durably; success when
// there is none.
[[nodiscard]] Status remove_clean_stop(const std::string& dir);

}  // namespace stockroom::events::internal

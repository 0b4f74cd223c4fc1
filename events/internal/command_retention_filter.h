// CommandRetentionFilter: drops idempotency records older than the retention while
// RocksDB compacts the "commands" column family, so no scan ever deletes keys.
//
// A record is dropped when recorded_at + retention < clock(). Until a compaction
// reaches it an expired record stays readable: retention is a lower bound.
// Threads: Filter() runs on RocksDB's compaction threads, possibly several at once,
// so `clock` must be safe to call concurrently. Owned by the log's store, which
// keeps it alive until the database is closed.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <functional>
#include <string>

#include "engine/model/types.h"

namespace stockroom::events::internal {

class CommandRetentionFilter final : public rocksdb::CompactionFilter {
 public:
  CommandRetentionFilter(Duration retention, std::function<Timestamp()> clock);

  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& existing_value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "stockroom.CommandRetentionFilter"; }

 private:
  Duration retention_;
  std::function<Timestamp()> clock_;
};

// Microseconds since the Unix epoch from the system clock (the default clock).
[[nodiscard]] Timestamp system_now();

}  // namespace stockroom::events::internal

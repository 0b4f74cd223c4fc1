// The RocksDB options of the log's store, tuned for an append-only log (see
// docs/storage.md, "Tuning"). Kept apart from opening so the choices read in one place.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>

#include <memory>
#include <string_view>

#include "events/event_log.h"

namespace stockroom::events::internal {

// The column families of the log besides "default" (which holds the head).
inline constexpr std::string_view kLogFamily = "log";
inline constexpr std::string_view kChainFamily = "chain";
inline constexpr std::string_view kStreamsFamily = "streams";
inline constexpr std::string_view kTimeFamily = "time";
inline constexpr std::string_view kCommandsFamily = "commands";

// True for "default" and the five families above: names a space may not take.
[[nodiscard]] bool is_core_family(std::string_view name) noexcept;

// What the column families of one store share. The store owns it and keeps it alive
// until the database is closed (RocksDB holds raw pointers into it).
struct StoreTuning {
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<const rocksdb::SliceTransform> stream_prefix;
  const rocksdb::CompactionFilter* command_filter = nullptr;
};

[[nodiscard]] StoreTuning make_tuning(const rocksdb::CompactionFilter* command_filter);

// `env` may be null (rocksdb::Env::Default()).
[[nodiscard]] rocksdb::DBOptions make_db_options(const LogOptions& options, rocksdb::Env* env);

// The options of the family `name` (a core family, a space, or a family found in the
// store that the options do not name).
[[nodiscard]] rocksdb::ColumnFamilyOptions make_family_options(std::string_view name,
                                                               const StoreTuning& tuning);

}  // namespace stockroom::events::internal

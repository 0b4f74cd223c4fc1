#include "events/internal/store_options.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <array>

#include "events/internal/stream_prefix_extractor.h"

namespace stockroom::events::internal {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kBlockCacheBytes = 32 * kMiB;
// All memtables of the store together; bounds memory however many spaces there are.
constexpr size_t kAllMemtablesBytes = 128 * kMiB;
// A stale WAL pins every family's memtable; past this RocksDB flushes the laggards.
constexpr uint64_t kMaxWalBytes = 256 * kMiB;
// The writer keeps at most this many table files open; tools opening read-only keep
// all of theirs (see make_db_options).
constexpr int kWriterOpenFiles = 128;
constexpr double kBloomBitsPerKey = 10.0;

std::shared_ptr<rocksdb::TableFactory> table_factory(const StoreTuning& tuning, bool bloom) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = tuning.block_cache;
  // Index and filter blocks live in the bounded cache, not outside it, so memory stays
  // bounded as the log grows; L0's stay pinned because every read touches them.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned: a point read loads one 4 KiB partition of a file's index and filter,
  // not the whole of them. With whole blocks, once the families had files below L0
  // every command's reads (stream version, command record, views) evicted and re-read
  // megabyte-sized filter blocks, and serve fell from ~12k to ~1.5k events/s by 1M
  // events in one run (docs/benchmarks.md). The small top-level blocks stay pinned, and
  // index and filter blocks are cached with high priority, ahead of data blocks.
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  if (bloom) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
    table.partition_filters = true;
  }
  return std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(table));
}

rocksdb::ColumnFamilyOptions base_options(size_t write_buffer_bytes) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = write_buffer_bytes;
  // Keys arrive mostly in order, so most data settles in the last level; sizing levels
  // from the bottom keeps space amplification near 1.1.
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

}  // namespace

bool is_core_family(std::string_view name) noexcept {
  constexpr std::array<std::string_view, 5> kCore = {kLogFamily, kChainFamily, kStreamsFamily,
                                                     kTimeFamily, kCommandsFamily};
  return name == rocksdb::kDefaultColumnFamilyName || std::ranges::find(kCore, name) != kCore.end();
}

StoreTuning make_tuning(const rocksdb::CompactionFilter* command_filter) {
  // Half the cache is reserved for index and filter blocks (high priority).
  return StoreTuning{rocksdb::NewLRUCache(kBlockCacheBytes, -1, false, 0.5),
                     std::make_shared<StreamPrefixExtractor>(), command_filter};
}

rocksdb::DBOptions make_db_options(const LogOptions& options, rocksdb::Env* env) {
  rocksdb::DBOptions db;
  db.create_if_missing = !options.read_only;
  db.create_missing_column_families = !options.read_only;
  if (env != nullptr) db.env = env;
  // A read-only instance may run beside a writer that compacts and deletes table
  // files; holding every file open from the start keeps its view readable.
  db.max_open_files = options.read_only ? -1 : kWriterOpenFiles;
  // A follower's every catch-up loads the table files the writer added, by default on
  // 16 threads started for the purpose: a few new files a second need none.
  if (options.follow) db.max_file_opening_threads = 1;
  db.db_write_buffer_size = kAllMemtablesBytes;
  db.max_total_wal_size = kMaxWalBytes;
  db.max_background_jobs = 2;
  db.bytes_per_sync = kMiB;
  db.keep_log_file_num = 4;
  // Damage to the write-ahead logs is refused, not recovered around (docs/storage.md,
  // "Corruption on open"). A follower tails a live WAL and keeps RocksDB's defaults.
  if (!options.follow) {
    // An incomplete last record is the write a crash interrupted (kill -9 mid-append, a
    // full disk, power loss; a checkpoint's last WAL is copied up to a size): never
    // acknowledged in kSync, whose fsync had not returned. RocksDB drops it. Any other
    // bad record (checksum, length, a fragment without its start) is refused: the
    // default kPointInTimeRecovery would stop the replay there and silently drop every
    // acknowledged write after it. kAbsoluteConsistency would refuse the legitimate
    // incomplete tail too; a WAL cut short after a clean stop is caught by the
    // clean-stop record instead (clean_stop.h).
    db.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    // The tail tolerated above must be the newest WAL's: a closed WAL that is missing or
    // shorter than when it was synced would otherwise leave a hole in the middle of the
    // log that nothing at open notices. RocksDB records closed WALs' synced sizes in the
    // MANIFEST and checks them on open ("Missing WAL", "Size mismatch").
    db.track_and_verify_wals_in_manifest = true;
  }
  return db;
}

rocksdb::ColumnFamilyOptions make_family_options(std::string_view name, const StoreTuning& tuning) {
  if (name == kLogFamily) {
    // Records are read by position (point lookups of keys that exist, or scans):
    // a Bloom filter would not save a read.
    rocksdb::ColumnFamilyOptions cf = base_options(32 * kMiB);
    cf.table_factory = table_factory(tuning, false);
    return cf;
  }
  rocksdb::ColumnFamilyOptions cf = base_options(8 * kMiB);
  const bool bloom =
      name != kChainFamily && name != kTimeFamily && name != rocksdb::kDefaultColumnFamilyName;
  cf.table_factory = table_factory(tuning, bloom);
  if (name == kStreamsFamily) {
    cf.prefix_extractor = tuning.stream_prefix;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
  }
  if (name == kCommandsFamily) {
    cf.compaction_filter = tuning.command_filter;
    // Every new command is looked up before it is decided, and nearly all are absent:
    // a memtable Bloom filter answers those without searching the skiplist.
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
  }
  return cf;
}

}  // namespace stockroom::events::internal

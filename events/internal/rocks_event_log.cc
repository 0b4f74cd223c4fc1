#include "events/internal/rocks_event_log.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <utility>

#include "events/internal/chain_verifier.h"
#include "events/internal/clean_stop.h"
#include "events/internal/index_verifier.h"
#include "events/internal/keys.h"
#include "events/internal/log_batch.h"
#include "events/internal/log_checkpoint.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

bool same(const Head& a, const Head& b) { return a.position == b.position && a.hash == b.hash; }

// The head and the log are written in one batch, so the last position in the log
// must be the head's; anything else means the store was altered outside the log.
Status check_log_end(const LogStore& store, const Head& head) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db().NewIterator(rocksdb::ReadOptions(), store.families().log));
  it->SeekToLast();
  if (Status ok = check(it->status(), "reading the end of the log"); !ok) return ok;
  const std::optional<Position> last =
      it->Valid() ? decode_position(std::string_view(it->key().data(), it->key().size()))
                  : std::optional<Position>(Position{});
  if (!last) return std::unexpected(corrupt_value("the last log key"));
  if (*last != head.position) {
    return fail(ErrorCode::kInvalidState,
                fmt::format("the head is at position {} but the log ends at {}: the store was "
                            "changed outside the log",
                            head.position.value, last->value));
  }
  return {};
}

// The head a clean stop recorded must still be in the log: at its position, with its
// hash. A log that ends before it lost acknowledged events after that stop (a WAL cut
// short or deleted: RocksDB recovers what it finds and cannot know what is missing).
Status check_clean_stop(const std::string& dir, const LogReader& reader, const Head& head,
                        const Head& stopped) {
  const std::string what_now = fmt::format(
      "Restore it from a checkpoint, or delete {}/{} to open it as it is (docs/storage.md, "
      "\"Corruption on open\")",
      dir, kCleanStopFile);
  if (stopped.position > head.position) {
    return fail(ErrorCode::kInvalidState,
                fmt::format("{} is damaged: it was stopped cleanly at position {}, but its log "
                            "now ends at position {}: events {} to {} are missing (a "
                            "write-ahead log, *.log, cut short or deleted?). {}",
                            dir, stopped.position.value, head.position.value,
                            head.position.value + 1, stopped.position.value, what_now));
  }
  if (stopped.position.value == 0) return {};
  Result<std::optional<StoredEvent>> there = reader.read(stopped.position, head.position);
  if (!there) return std::unexpected(there.error());
  if (!*there || (*there)->hash != stopped.hash) {
    return fail(ErrorCode::kInvalidState,
                fmt::format("{} is damaged: it was stopped cleanly at position {} with hash {}, "
                            "but its log holds another event there. {}",
                            dir, stopped.position.value, to_hex(stopped.hash), what_now));
  }
  return {};
}

// What a clean stop left is checked on every open but a follower's (which follows a
// running writer, and there is no record while one runs); a writer then removes it
// before its first write, so that a crash leaves none. `stopped` is the record as read
// before the store opened: a writer stopping cleanly after that open would record a
// head the open does not see.
Status settle_clean_stop(const std::string& dir, const LogStore& store, const Head& head,
                         const Result<std::optional<Head>>& stopped) {
  if (store.follower()) return {};
  if (!stopped) return std::unexpected(stopped.error());
  if (*stopped) {
    if (Status ok = check_clean_stop(dir, LogReader(store), head, **stopped); !ok) return ok;
  }
  if (store.read_only()) return {};
  return remove_clean_stop(dir);
}

}  // namespace

Status RocksEventLog::check_stop_read_only(const std::string& dir, const LogOptions& options) {
  // A writable open replays the WALs into new table files and deletes them before the
  // head can be compared with the record: checked on a read-only open first, a
  // refused directory is left exactly as it was (the damaged WAL too). Only after a
  // clean stop; it costs one more replay of the WALs.
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / kCleanStopFile, ec)) return {};
  LogOptions probe = options;
  probe.read_only = true;
  Result<std::unique_ptr<EventLog>> checked = open(dir, probe);
  if (!checked) return std::unexpected(checked.error());
  return {};
}

Result<std::unique_ptr<EventLog>> RocksEventLog::open(const std::string& dir,
                                                      const LogOptions& options) {
  if (options.durability == Durability::kBatch && options.batch_sync_interval_ms <= 0) {
    return fail(ErrorCode::kInvalidArgument, "batch_sync_interval_ms must be positive");
  }
  if (!options.read_only) {
    if (Status ok = check_stop_read_only(dir, options); !ok) return std::unexpected(ok.error());
  }
  // A failure to read it is told only if the store opens: what is wrong with the path
  // is said better by the store's open (open_failure.h).
  const Result<std::optional<Head>> stopped = read_clean_stop(dir);
  Result<std::unique_ptr<LogStore>> store = LogStore::open(dir, options);
  if (!store) return std::unexpected(store.error());
  Result<Head> head = LogReader(**store).stored_head();
  if (!head) return std::unexpected(head.error());
  if (Status ok = check_log_end(**store, *head); !ok) return std::unexpected(ok.error());
  if (Status ok = settle_clean_stop(dir, **store, *head, stopped); !ok) {
    return std::unexpected(ok.error());
  }
  return std::unique_ptr<EventLog>(new RocksEventLog(dir, std::move(*store), options, *head));
}

RocksEventLog::RocksEventLog(std::string dir, std::unique_ptr<LogStore> store,
                             const LogOptions& options, const Head& head)
    : dir_(std::move(dir)), store_(std::move(store)), reader_(*store_), head_(head) {
  write_options_.sync = options.durability == Durability::kSync;
  if (options.durability == Durability::kBatch && !store_->read_only()) {
    syncer_ = std::make_unique<WalSyncer>(std::chrono::milliseconds(options.batch_sync_interval_ms),
                                          [this] { return sync_wal(); });
  }
}

RocksEventLog::~RocksEventLog() {
  syncer_.reset();  // its last sync, before anything below
  if (store_->read_only()) return;
  std::lock_guard io(io_mutex_);
  if (refusal()) return;  // a failed log vouches for nothing
  // In kBatch and kNone the last writes may not be durable yet; the record must never
  // claim more than the disk holds.
  if (!store_->db().SyncWAL().ok()) return;
  // Without a record the next open trusts the WAL as after a crash: no worse than
  // before the record existed, so a failure to write it is ignored.
  static_cast<void>(write_clean_stop(dir_, head()));
}

Head RocksEventLog::head() const {
  std::lock_guard lock(mutex_);
  return head_;
}

Result<Head> RocksEventLog::refresh() {
  if (!store_->follower()) return head();
  if (Status ok = check(store_->db().TryCatchUpWithPrimary(), "following the writer"); !ok) {
    return std::unexpected(ok.error());
  }
  Result<Head> stored = reader_.stored_head();
  if (!stored) return std::unexpected(stored.error());
  std::lock_guard lock(mutex_);
  // The writer only ever moves the head forward; a head behind ours means the
  // directory was replaced under the follower.
  if (stored->position < head_.position) {
    return fail(ErrorCode::kInvalidState,
                fmt::format("the log's head went back from {} to {}: was the directory replaced?",
                            head_.position.value, stored->position.value));
  }
  head_ = *stored;
  return head_;
}

Result<StreamVersion> RocksEventLog::stream_version(std::string_view stream) const {
  if (Status ok = store_->require_indexes("reading a stream's version"); !ok)
    return std::unexpected(ok.error());
  return reader_.stream_version(stream);
}

std::unique_ptr<LogBatch> RocksEventLog::begin_batch() { return begin_batch_after(head()); }

std::unique_ptr<LogBatch> RocksEventLog::begin_batch_after(const Head& base) {
  return std::make_unique<RocksLogBatch>(this, *store_, reader_, base, refusal());
}

Status RocksEventLog::commit(LogBatch& batch) {
  auto* rocks = dynamic_cast<RocksLogBatch*>(&batch);
  if (rocks == nullptr || rocks->owner() != this) {
    return fail(ErrorCode::kInvalidArgument, "the batch was begun on another log");
  }
  if (std::optional<Error> refused = refusal()) return std::unexpected(std::move(*refused));
  if (rocks->error()) return std::unexpected(*rocks->error());
  const Head current = head();
  if (!same(rocks->base(), current)) {
    return fail(ErrorCode::kConflict,
                fmt::format("the log moved to position {} after the batch began at {}",
                            current.position.value, rocks->base().position.value));
  }
  {
    std::lock_guard io(io_mutex_);
    // The background sync may have failed since the check above; RocksDB must not
    // write to a WAL that has seen an error.
    if (std::optional<Error> refused = refusal()) return std::unexpected(std::move(*refused));
    const rocksdb::Status status = store_->db().Write(write_options_, &rocks->seal());
    if (!status.ok()) {
      enter_failed(status);
      return std::unexpected(*refusal());
    }
  }
  rocks->mark_committed();
  {
    std::lock_guard lock(mutex_);
    head_ = rocks->tip();
  }
  if (syncer_) syncer_->note_write();
  if (write_options_.sync) sync_commits_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

uint64_t RocksEventLog::syncs() const {
  return sync_commits_.load(std::memory_order_relaxed) + (syncer_ ? syncer_->syncs() : 0);
}

Result<std::optional<StoredEvent>> RocksEventLog::read(Position position) const {
  return reader_.read(position, head().position);
}

Result<std::vector<StoredEvent>> RocksEventLog::read_stream(std::string_view stream,
                                                            StreamVersion from_version,
                                                            size_t limit) const {
  if (Status ok = store_->require_indexes("reading a stream"); !ok)
    return std::unexpected(ok.error());
  return reader_.read_stream(stream, from_version, limit, head().position);
}

Result<std::vector<StoredEvent>> RocksEventLog::read_range(Position from, Position to,
                                                           size_t limit) const {
  return reader_.read_range(from, to, limit, head().position);
}

Result<size_t> RocksEventLog::visit_range(Position from, Position to, size_t limit,
                                          const EventVisitor& visit) const {
  return reader_.visit_range(from, to, limit, head().position, visit);
}

Result<std::vector<Position>> RocksEventLog::positions_in_time(Timestamp from, Timestamp until,
                                                               size_t limit) const {
  if (Status ok = store_->require_indexes("reading a time range"); !ok)
    return std::unexpected(ok.error());
  return reader_.positions_in_time(from, until, limit, head().position);
}

Result<std::optional<EventLog::PositionSpan>> RocksEventLog::span_in_time(Timestamp from,
                                                                          Timestamp until) const {
  if (Status ok = store_->require_indexes("reading a time range"); !ok)
    return std::unexpected(ok.error());
  return reader_.span_in_time(from, until, head().position);
}

Result<std::optional<CommandRecord>> RocksEventLog::find_command(
    const CommandId& command_id) const {
  if (Status ok = store_->require_indexes("reading a command record"); !ok)
    return std::unexpected(ok.error());
  return reader_.find_command(command_id);
}

Result<VerifyReport> RocksEventLog::verify(Position from, Position to) const {
  if (Status ok = store_->require_indexes("verifying"); !ok) return std::unexpected(ok.error());
  return verify_chain(*store_, reader_, head(), from, to);
}

Result<VerifyReport> RocksEventLog::verify_indexes(const TimeOf& time_of) const {
  if (Status ok = store_->require_indexes("verifying the indexes"); !ok)
    return std::unexpected(ok.error());
  return internal::verify_indexes(*store_, reader_, head(), time_of);
}

Status RocksEventLog::visit_commands(const CommandVisitor& visit) const {
  if (Status ok = store_->require_indexes("reading the command records"); !ok) return ok;
  return reader_.visit_commands(visit);
}

Result<std::optional<std::string>> RocksEventLog::get(std::string_view space,
                                                      std::string_view key) const {
  return reader_.get(space, key);
}

Result<std::vector<std::pair<std::string, std::string>>> RocksEventLog::scan(std::string_view space,
                                                                             std::string_view begin,
                                                                             std::string_view end,
                                                                             size_t limit) const {
  return reader_.scan(space, begin, end, limit);
}

Status RocksEventLog::compact() {
  if (store_->read_only()) return std::unexpected(*refusal());
  rocksdb::CompactRangeOptions options;
  // Rewrites even a lone bottom-level file, so the retention filter sees every record.
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (rocksdb::ColumnFamilyHandle* family : store_->all_families()) {
    if (Status ok = check(store_->db().CompactRange(options, family, nullptr, nullptr),
                          "compacting " + family->GetName());
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<Head> RocksEventLog::checkpoint(const std::string& target) const {
  return write_checkpoint(store_->db(), target);
}

Status RocksEventLog::verify_table_files() const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;  // one pass over every file would only evict what reads need
  return check(store_->db().VerifyChecksum(options), "checking the table files");
}

std::optional<Error> RocksEventLog::refusal() const {
  if (store_->read_only()) {
    return Error{ErrorCode::kUnavailable, "the log is open read-only: it refuses writes", {}, {}};
  }
  std::lock_guard lock(mutex_);
  return failure_;
}

bool RocksEventLog::sync_wal() {
  std::lock_guard io(io_mutex_);
  if (refusal()) return false;
  const rocksdb::Status status = store_->db().SyncWAL();
  if (status.ok()) return true;
  enter_failed(status);
  return false;
}

void RocksEventLog::enter_failed(const rocksdb::Status& status) {
  std::lock_guard lock(mutex_);
  if (failure_) return;
  failure_ =
      Error{ErrorCode::kUnavailable,
            fmt::format("storage failed: {}; reopen after fixing the disk", status.ToString()),
            {},
            {}};
}

}  // namespace stockroom::events::internal

// RocksEventLog: the EventLog on RocksDB (docs/storage.md).
//
// Holds the store, the head (published only after a successful write) and the
// failure state: after a failed write or background fsync every batch is refused with
// kUnavailable until the log is reopened, while reads keep working. A writer that
// closes without having failed leaves its head in the clean-stop record, which the
// next open checks (clean_stop.h).
// Threads: head() and the reads from any thread; batches built by one thread and
// committed in order, possibly by another (event_log.h).
#pragma once

#include <rocksdb/options.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "events/event_log.h"
#include "events/internal/log_reader.h"
#include "events/internal/log_store.h"
#include "events/internal/wal_syncer.h"

namespace stockroom::events::internal {

class RocksEventLog final : public EventLog {
 public:
  [[nodiscard]] static Result<std::unique_ptr<EventLog>> open(const std::string& dir,
                                                              const LogOptions& options);
  // A writable log that has not failed syncs its WAL and writes the clean-stop record.
  ~RocksEventLog() override;

  [[nodiscard]] Head head() const override;
  [[nodiscard]] Result<Head> refresh() override;
  [[nodiscard]] uint64_t syncs() const override;
  [[nodiscard]] Result<StreamVersion> stream_version(std::string_view stream) const override;
  // On a read-only or failed log the batch refuses every append with the reason.
  [[nodiscard]] std::unique_ptr<LogBatch> begin_batch() override;
  [[nodiscard]] std::unique_ptr<LogBatch> begin_batch_after(const Head& base) override;
  [[nodiscard]] Status commit(LogBatch& batch) override;

  [[nodiscard]] Result<std::optional<StoredEvent>> read(Position position) const override;
  [[nodiscard]] Result<std::vector<StoredEvent>> read_stream(std::string_view stream,
                                                             StreamVersion from_version,
                                                             size_t limit) const override;
  [[nodiscard]] Result<std::vector<StoredEvent>> read_range(Position from, Position to,
                                                            size_t limit) const override;
  [[nodiscard]] Result<size_t> visit_range(Position from, Position to, size_t limit,
                                           const EventVisitor& visit) const override;
  [[nodiscard]] Result<std::vector<Position>> positions_in_time(Timestamp from, Timestamp until,
                                                                size_t limit) const override;
  [[nodiscard]] Result<std::optional<PositionSpan>> span_in_time(Timestamp from,
                                                                 Timestamp until) const override;
  [[nodiscard]] Result<std::optional<CommandRecord>> find_command(
      const CommandId& command_id) const override;
  [[nodiscard]] Result<VerifyReport> verify(Position from, Position to) const override;
  [[nodiscard]] Result<VerifyReport> verify_indexes(const TimeOf& time_of) const override;
  [[nodiscard]] Status visit_commands(const CommandVisitor& visit) const override;
  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view space,
                                                       std::string_view key) const override;
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> scan(
      std::string_view space, std::string_view begin, std::string_view end,
      size_t limit) const override;
  [[nodiscard]] Status compact() override;
  [[nodiscard]] Result<Head> checkpoint(const std::string& target) const override;
  [[nodiscard]] Status verify_table_files() const override;

 private:
  RocksEventLog(std::string dir, std::unique_ptr<LogStore> store, const LogOptions& options,
                const Head& head);
  // Why batches are refused now (read-only or failed), if they are.
  [[nodiscard]] std::optional<Error> refusal() const;
  void enter_failed(const rocksdb::Status& status);
  // After a clean stop, the checks of open() on a read-only open (a writer's changes
  // the directory before they can run).
  [[nodiscard]] static Status check_stop_read_only(const std::string& dir,
                                                   const LogOptions& options);
  // The kBatch sync, run by the syncer: false once the log has failed.
  [[nodiscard]] bool sync_wal();

  std::string dir_;
  std::unique_ptr<LogStore> store_;
  LogReader reader_;
  rocksdb::WriteOptions write_options_;
  mutable std::mutex mutex_;
  Head head_;                     // guarded by mutex_
  std::optional<Error> failure_;  // guarded by mutex_
  // Held across each write and each background WAL sync: RocksDB 7.8 aborts on an
  // assertion when SyncWAL() runs after a failed WAL write, so a sync must never start
  // between a write failing and the log entering its failed state.
  std::mutex io_mutex_;
  std::atomic<uint64_t> sync_commits_{0};  // kSync commits
  std::unique_ptr<WalSyncer> syncer_;      // kBatch only; last, so it stops first
};

}  // namespace stockroom::events::internal

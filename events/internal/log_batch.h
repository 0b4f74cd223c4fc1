// RocksLogBatch: the LogBatch of RocksEventLog, one rocksdb::WriteBatch across all
// column families.
//
// It checks each append (the next position, the stream's next version, a valid stream
// name) and keeps the running chain hash. The first refused append or write poisons
// the batch: its error is kept and the log refuses to commit it, so a batch is never
// written with part of a command missing. The caller then discards it and begins a new
// one. Threads: used by the single writer only. The log that made it must outlive it.
#pragma once

#include <rocksdb/write_batch.h>

#include <map>
#include <optional>
#include <string>

#include "events/event_log.h"
#include "events/internal/log_reader.h"
#include "events/internal/log_store.h"

namespace stockroom::events::internal {

class RocksLogBatch final : public LogBatch {
 public:
  // A batch appending after `base`. With `refusal` every append fails with it (a
  // read-only or failed log).
  RocksLogBatch(const void* owner, const LogStore& store, const LogReader& reader, const Head& base,
                std::optional<Error> refusal);

  [[nodiscard]] Result<Hash> append(Position position, std::string_view stream,
                                    StreamVersion version, Timestamp time,
                                    std::span<const uint8_t> record,
                                    VersionCheck check = VersionCheck::kIndex) override;
  void put_command(const CommandId& command_id, const CommandRecord& record) override;
  void put(std::string_view space, std::string_view key, std::string_view value) override;
  void remove(std::string_view space, std::string_view key) override;
  void remove_range(std::string_view space, std::string_view begin, std::string_view end) override;
  [[nodiscard]] size_t event_count() const override { return events_; }

  // For EventLog::commit.
  [[nodiscard]] const void* owner() const { return owner_; }
  [[nodiscard]] const Head& base() const { return base_; }
  [[nodiscard]] Head tip() const override { return tip_; }
  // Why the batch must not be written, if it must not.
  [[nodiscard]] const std::optional<Error>& error() const { return error_; }
  // The writes with the new head added. REQUIRES: !error(); call once.
  [[nodiscard]] rocksdb::WriteBatch& seal();
  // After a successful write: any further use is refused.
  void mark_committed();

 private:
  [[nodiscard]] Status check_append(Position position, std::string_view stream,
                                    StreamVersion version, VersionCheck check);
  // The stream's last version: appended in this batch, else (kIndex) stored, else
  // (kCaller) the one before `version`.
  [[nodiscard]] Result<StreamVersion> last_version(std::string_view stream, StreamVersion version,
                                                   VersionCheck check) const;
  void write_event(Position position, std::string_view stream, StreamVersion version,
                   Timestamp time, std::span<const uint8_t> record, const Hash& hash);
  // Keeps the first failure; RocksDB's WriteBatch reports one only past a size limit.
  void note(const rocksdb::Status& status);
  std::unexpected<Error> refuse(Error error);

  const void* owner_;
  const LogStore& store_;
  const LogReader& reader_;
  Head base_;
  Head tip_;
  size_t events_ = 0;
  std::optional<Error> error_;
  bool sealed_ = false;
  // The last version of each stream this batch appended to.
  std::map<std::string, StreamVersion, std::less<>> versions_;
  rocksdb::WriteBatch writes_;
  std::string key_;    // reused across appends
  std::string value_;  // reused across appends
};

}  // namespace stockroom::events::internal

// LogStore: the open RocksDB database of one log and its column families.
//
// Owns, and destroys in a safe order, everything RocksDB holds raw pointers to while
// the database is open: the Env, the compaction filter and the shared table options.
// Threads: after open() every method is const and safe to call from any thread
// (rocksdb::DB is thread-safe).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "events/event_log.h"
#include "events/internal/command_retention_filter.h"
#include "events/internal/store_options.h"

namespace stockroom::events::internal {

struct Families {
  rocksdb::ColumnFamilyHandle* meta = nullptr;  // "default": the head
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* chain = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* time = nullptr;
  rocksdb::ColumnFamilyHandle* commands = nullptr;
};

class LogStore {
 public:
  // Opens `dir` (creating the database and missing families unless read_only).
  // Read-only: kNotFound when `dir` holds no log; spaces the store lacks stay absent.
  [[nodiscard]] static Result<std::unique_ptr<LogStore>> open(const std::string& dir,
                                                              const LogOptions& options);
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  [[nodiscard]] rocksdb::DB& db() const { return *db_; }
  [[nodiscard]] const Families& families() const { return families_; }
  // Every open family, for whole-store work such as compaction.
  [[nodiscard]] const std::vector<rocksdb::ColumnFamilyHandle*>& all_families() const {
    return handles_;
  }
  // The family of a space: kInvalidArgument for a name not in LogOptions::spaces,
  // kNotFound for one a read-only store does not have.
  [[nodiscard]] Result<rocksdb::ColumnFamilyHandle*> space(std::string_view name) const;
  [[nodiscard]] bool read_only() const { return read_only_; }
  // Opened as a secondary instance (LogOptions::follow).
  [[nodiscard]] bool follower() const { return !secondary_dir_.empty(); }
  // kUnavailable for a follower opened without its indexes (LogOptions::follow_indexes).
  [[nodiscard]] Status require_indexes(std::string_view what) const;

 private:
  LogStore(const LogOptions& options);
  [[nodiscard]] Status open_db(const std::string& dir, const LogOptions& options);
  [[nodiscard]] Status adopt_handles(std::vector<rocksdb::ColumnFamilyHandle*> handles);

  // Declared before db_ so they are destroyed after it.
  std::shared_ptr<rocksdb::Env> env_;
  CommandRetentionFilter command_filter_;
  StoreTuning tuning_;
  std::vector<std::string> spaces_;  // as configured
  bool read_only_ = false;
  std::string secondary_dir_;  // a follower's own directory (info log), removed last
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  Families families_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> space_handles_;
};

}  // namespace stockroom::events::internal

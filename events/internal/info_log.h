// RocksDB's own diagnostic log (the file LOG in the data directory), written with
// stdio instead of RocksDB's logger.
//
// Why: RocksDB 7.8's logger writes through a WritableFileWriter, and Debian builds
// RocksDB with assertions on: a writer that failed once aborts the process at its next
// write (writable_file_writer.h:312, ../shared/DEPENDENCIES.md). On a full disk the
// first line RocksDB could not log (it logs the failure itself) made the next one an
// abort. Here a line that cannot be written is lost and the next is tried again.
//
// Files: as RocksDB does on open, a LOG left by an earlier run becomes LOG.old.<micros>
// (RocksDB deletes all but keep_log_file_num of those). Thread-safe: RocksDB logs from
// all its threads.
#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace stockroom::events::internal {

// The logger for the store in `dir` (created when missing, not its parents), or nullptr when the
// file cannot be opened: then RocksDB opens its own, and reports what is wrong with `dir`.
[[nodiscard]] std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir);

}  // namespace stockroom::events::internal

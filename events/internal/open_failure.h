// Why a data directory did not open, said so that an operator knows what to fix.
//
// RocksDB's own text for a bad path is about its internals ("`d' exists but is not a
// directory" for a dangling symlink, "While lock file: d/LOCK: Resource temporarily
// unavailable" for a directory another process has open). Here the path itself is
// looked at once RocksDB refused it, and the error names what is wrong:
//   kInvalidArgument  a dangling symbolic link (and its target), a path that is not a
//                     directory, a missing parent directory (only the last component
//                     is created), no permission
//   kUnavailable      the directory's lock is held by another process (another serve)
//   kInvalidState     a damaged store (damaged_store below)
//   otherwise         storage_error() of the status, as for any RocksDB failure.
#pragma once

#include <rocksdb/status.h>

#include <optional>
#include <string>

#include "engine/model/error.h"

namespace stockroom::events::internal {

// REQUIRES: !status.ok(); `status` is what opening the store at `dir` returned.
[[nodiscard]] Error open_failure(const std::string& dir, const rocksdb::Status& status);

// When `status` says that RocksDB found the store at `dir` damaged, kInvalidState
// saying what, in the words of a data directory rather than RocksDB's ("its table file
// 000033.sst, which the MANIFEST lists, is missing" for RocksDB's "…000033.ldb: No such
// file or directory…"), what to do, and RocksDB's text. A Corruption whose text names
// no table file (RocksDB 7.8 blames the MANIFEST for a damaged properties block) opens
// each table file in `dir` alone and names the first that fails. nullopt for any other
// status.
[[nodiscard]] std::optional<Error> damaged_store(const std::string& dir,
                                                 const rocksdb::Status& status);

}  // namespace stockroom::events::internal

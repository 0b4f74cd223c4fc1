// Where RocksDB errors enter Stockroom: a rocksdb::Status becomes an Error here, once.
//
// Codes follow what the caller should do next: a corrupt store cannot be fixed by
// retrying (kInvalidState); an I/O error, a full disk or a busy store may heal
// (kUnavailable); a bad option or argument is the caller's to fix (kInvalidArgument).
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "engine/model/error.h"

namespace stockroom::events::internal {

// REQUIRES: !status.ok(). `context` says what was being done, e.g. "reading position 7".
[[nodiscard]] Error storage_error(const rocksdb::Status& status, std::string_view context);

// Success for an ok status, else storage_error().
[[nodiscard]] Status check(const rocksdb::Status& status, std::string_view context);

// True for the error RocksDB gives when the directory's LOCK is held: by another
// process ("While lock file: …"), or by another open in this one ("lock hold by
// current process"). Both mean a writer has the directory open.
[[nodiscard]] bool is_lock_busy(const rocksdb::Status& status);

// The error of a stored value whose bytes do not have the documented layout.
[[nodiscard]] Error corrupt_value(std::string_view what);

}  // namespace stockroom::events::internal

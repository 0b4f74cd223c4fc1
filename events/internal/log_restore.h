// copy_log_files: the file step of a restore (events/checkpoint.h): fills an empty
// directory with the files of a log's directory, table files hard-linked.
// Threads: any thread; the caller holds the source's LOCK (DirLock).
#pragma once

#include <cstddef>
#include <string>

#include "engine/model/error.h"

namespace stockroom::events::internal {

struct CopiedFiles {
  size_t linked = 0;
  size_t copied = 0;
};

// Puts every file of `source` into the empty directory `into` and fsyncs it: table
// (`.sst`) and blob files, which RocksDB never changes once written, as hard links
// when the file system allows, every other file (MANIFEST, CURRENT, OPTIONS, IDENTITY,
// write-ahead logs) as a fsynced copy, since a database opened on either directory
// may write to those. RocksDB's own LOCK and info logs (LOG, LOG.old.*) are left
// out. kInvalidState for an entry that is not a regular file.
[[nodiscard]] Result<CopiedFiles> copy_log_files(const std::string& source,
                                                 const std::string& into);

}  // namespace stockroom::events::internal

// DirLock: RocksDB's LOCK on a data directory, taken as a writer's open takes it
// (rocksdb::Env::LockFile on "<dir>/LOCK"), so that no serve can open the directory,
// and change its files, while a checkpoint or restore reads it through a read-only
// instance (which takes no lock).
// Threads: acquire from any thread; the lock is released by the destructor.
#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <string>

#include "engine/model/error.h"

namespace stockroom::events::internal {

class DirLock {
 public:
  // Locks `dir`, which must hold a RocksDB database (its CURRENT file): kNotFound
  // otherwise, so that no LOCK file is ever created in a directory that is not one.
  // kUnavailable with the detail kLockedDetail (events/checkpoint.h) when another
  // process, or another open in this one, holds it.
  [[nodiscard]] static Result<std::unique_ptr<DirLock>> acquire(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  DirLock(rocksdb::Env* env, rocksdb::FileLock* lock) : env_(env), lock_(lock) {}
  rocksdb::Env* env_;
  rocksdb::FileLock* lock_;
};

}  // namespace stockroom::events::internal

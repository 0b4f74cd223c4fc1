// SlowWalFileSystem: the real file system, except that every sync of RocksDB's
// write-ahead log (*.log) first sleeps for a set delay, as a slow disk would make it.
// With durability sync this slows every group commit by the delay: a writer that
// cannot keep up with what is offered (overload tests).
//
// Header-only: test support beside the tests, not a library. Threads: the delay is
// atomic; change it from the test thread while RocksDB's threads sync.
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "events/support/wal_file_system.h"

namespace stockroom::events::testing {

using SyncDelay = std::shared_ptr<std::atomic<int>>;  // milliseconds

class SlowWalFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  SlowWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, SyncDelay delay)
      : FSWritableFileOwnerWrapper(std::move(file)), delay_(std::move(delay)) {}

  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    wait();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    wait();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  void wait() const { std::this_thread::sleep_for(std::chrono::milliseconds(delay_->load())); }

  SyncDelay delay_;
};

class SlowWalFileSystem final : public WalFileSystem {
 public:
  SlowWalFileSystem() : delay_(std::make_shared<std::atomic<int>>(0)) {}

  const char* Name() const override { return "StockroomSlowWalFileSystem"; }

  // From now on every WAL sync takes at least `delay` longer.
  void slow_syncs(std::chrono::milliseconds delay) {
    delay_->store(static_cast<int>(delay.count()));
  }

 protected:
  std::unique_ptr<rocksdb::FSWritableFile> wrap_wal(
      std::unique_ptr<rocksdb::FSWritableFile> file) override {
    return std::make_unique<SlowWalFile>(std::move(file), delay_);
  }

 private:
  SyncDelay delay_;
};

}  // namespace stockroom::events::testing

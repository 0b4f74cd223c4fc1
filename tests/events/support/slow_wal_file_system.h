// SlowWalFileSystem: the real file system, except that every sync of RocksDB's
// write-ahead log (*.log) first sleeps for a set delay, as a slow disk would make it.
// With durability sync this slows every group commit by the delay: a writer that
// cannot keep up with what is offered (overload tests).
//
// Header-only: test support beside the tests, not a library. Threads: the delay is
// atomic; change it from the test thread while RocksDB's threads sync.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

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

class SlowWalFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  SlowWalFileSystem()
      : FileSystemWrapper(rocksdb::FileSystem::Default()),
        delay_(std::make_shared<std::atomic<int>>(0)) {}

  const char* Name() const override { return "StockroomSlowWalFileSystem"; }

  // From now on every WAL sync takes at least `delay` longer.
  void slow_syncs(std::chrono::milliseconds delay) {
    delay_->store(static_cast<int>(delay.count()));
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    return wrap(name, target()->NewWritableFile(name, options, result, dbg), result);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    return wrap(name, target()->ReopenWritableFile(name, options, result, dbg), result);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    return wrap(name, target()->ReuseWritableFile(name, old_name, options, result, dbg), result);
  }

 private:
  rocksdb::IOStatus wrap(const std::string& name, rocksdb::IOStatus status,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (status.ok() && name.ends_with(".log")) {
      *result = std::make_unique<SlowWalFile>(std::move(*result), delay_);
    }
    return status;
  }

  SyncDelay delay_;
};

// An Env over `fs`, for EngineOptions::env.
inline std::shared_ptr<rocksdb::Env> env_over(const std::shared_ptr<SlowWalFileSystem>& fs) {
  return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(fs));
}

}  // namespace stockroom::events::testing

// FaultyFileSystem: the real file system, except that writes and syncs of RocksDB's
// write-ahead log (*.log), and reads of its table files (*.sst), fail on demand, as a
// full or broken disk would make them.
//
// Header-only: test support beside the tests, not a library. Threads: the switches are
// atomic; flip them from the test thread while RocksDB's threads write.
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "events/support/wal_file_system.h"

namespace stockroom::events::testing {

struct Faults {
  std::atomic<bool> writes{false};
  std::atomic<bool> syncs{false};
  std::atomic<bool> table_reads{false};
  std::atomic<bool> hold_syncs{false};  // a WAL sync waits while this is on
  std::atomic<int> passes{0};           // held syncs that may go on (one each)
  std::atomic<int> held{0};             // WAL syncs waiting now
};
using Switch = std::shared_ptr<Faults>;

// A WAL file whose writes and syncs fail while their switches are on.
class FaultyWalFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, Switch failing)
      : FSWritableFileOwnerWrapper(std::move(file)), failing_(std::move(failing)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (failing_->writes) return fault();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (failing_->writes) return fault();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (failing_->writes) return fault();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    hold();
    if (failing_->syncs) return fault();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    hold();
    if (failing_->syncs) return fault();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  // A sync the test holds: the caller (the engine's committer) stays inside it, as on
  // a slow disk, until the test lets go; the switches are read after.
  void hold() const {
    if (!failing_->hold_syncs) return;
    failing_->held.fetch_add(1);
    while (failing_->hold_syncs && !take_pass()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    failing_->held.fetch_sub(1);
  }
  bool take_pass() const {
    int n = failing_->passes.load();
    while (n > 0) {
      if (failing_->passes.compare_exchange_weak(n, n - 1)) return true;
    }
    return false;
  }

  static rocksdb::IOStatus fault() { return rocksdb::IOStatus::IOError("injected WAL fault"); }

  Switch failing_;
};

// A table file whose reads fail while the switch is on (files opened before too).
class FaultyTableFile final : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultyTableFile(std::unique_ptr<rocksdb::FSRandomAccessFile> file, Switch failing)
      : FSRandomAccessFileOwnerWrapper(std::move(file)), failing_(std::move(failing)) {}

  rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) const override {
    if (failing_->table_reads) return rocksdb::IOStatus::IOError("injected table read fault");
    return FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result, scratch, dbg);
  }
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    if (failing_->table_reads) return rocksdb::IOStatus::IOError("injected table read fault");
    return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, num_reqs, options, dbg);
  }

 private:
  Switch failing_;
};

class FaultyFileSystem final : public WalFileSystem {
 public:
  FaultyFileSystem() : failing_(std::make_shared<Faults>()) {}

  const char* Name() const override { return "StockroomFaultyFileSystem"; }

  // While on, every write and sync of a WAL file fails with an I/O error.
  void fail_wal(bool on) {
    failing_->writes = on;
    failing_->syncs = on;
  }
  // While on, only syncs fail: the bytes reach the OS but are not made durable.
  void fail_wal_sync(bool on) { failing_->syncs = on; }
  // While on, every WAL sync waits inside the sync until it is turned off; then it
  // fails or succeeds as the other switches say at that moment.
  void hold_wal_syncs(bool on) { failing_->hold_syncs = on; }
  // Lets one held WAL sync (the one waiting now, or the next) go on.
  void pass_one_wal_sync() { failing_->passes.fetch_add(1); }
  // How many WAL syncs are held now.
  [[nodiscard]] int held_wal_syncs() const { return failing_->held.load(); }
  // While on, every read of a table file fails (what is in memtables or the block
  // cache still reads).
  void fail_table_reads(bool on) { failing_->table_reads = on; }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& name,
                                        const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewRandomAccessFile(name, options, result, dbg);
    if (status.ok() && name.ends_with(".sst")) {
      *result = std::make_unique<FaultyTableFile>(std::move(*result), failing_);
    }
    return status;
  }

 protected:
  std::unique_ptr<rocksdb::FSWritableFile> wrap_wal(
      std::unique_ptr<rocksdb::FSWritableFile> file) override {
    return std::make_unique<FaultyWalFile>(std::move(file), failing_);
  }

 private:
  Switch failing_;
};

}  // namespace stockroom::events::testing

// WalFileSystem: the real file system, handing every write-ahead log file (*.log)
// RocksDB opens for writing to wrap_wal(), so that a test file system can slow it or
// make it fail (faulty_file_system.h, slow_wal_file_system.h).
//
// Header-only: test support beside the tests, not a library.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <memory>
#include <string>

namespace stockroom::events::testing {

class WalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  WalFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

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

 protected:
  // The file that stands in for a WAL file just opened.
  [[nodiscard]] virtual std::unique_ptr<rocksdb::FSWritableFile> wrap_wal(
      std::unique_ptr<rocksdb::FSWritableFile> file) = 0;

 private:
  rocksdb::IOStatus wrap(const std::string& name, rocksdb::IOStatus status,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (status.ok() && name.ends_with(".log")) *result = wrap_wal(std::move(*result));
    return status;
  }
};

// An Env over `fs`, for LogOptions::env and EngineOptions::env.
inline std::shared_ptr<rocksdb::Env> env_over(const std::shared_ptr<WalFileSystem>& fs) {
  return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(fs));
}

}  // namespace stockroom::events::testing

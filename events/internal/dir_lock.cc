#include "events/internal/dir_lock.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "events/checkpoint.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {

Result<std::unique_ptr<DirLock>> DirLock::acquire(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kNotFound, fmt::format("no data directory at {}", dir));
  }
  if (!std::filesystem::exists(dir + "/CURRENT", ec)) {
    return fail(ErrorCode::kNotFound,
                fmt::format("{} is not a Stockroom log: it holds no RocksDB database", dir));
  }
  rocksdb::Env* env = rocksdb::Env::Default();
  rocksdb::FileLock* lock = nullptr;
  const rocksdb::Status status = env->LockFile(dir + "/LOCK", &lock);
  if (is_lock_busy(status)) {
    return fail(ErrorCode::kUnavailable,
                fmt::format("{} is in use by another process (a running serve)", dir),
                {{std::string(kLockedDetail), int64_t{1}}});
  }
  if (!status.ok()) return std::unexpected(storage_error(status, "locking " + dir));
  return std::unique_ptr<DirLock>(new DirLock(env, lock));
}

DirLock::~DirLock() {
  // Closing the descriptor releases the lock whatever UnlockFile reports.
  env_->UnlockFile(lock_).PermitUncheckedError();
}

}  // namespace stockroom::events::internal

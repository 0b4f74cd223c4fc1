#include "events/internal/log_checkpoint.h"

#include <fmt/format.h>
#include <rocksdb/utilities/checkpoint.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "events/internal/dir_files.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

namespace fs = std::filesystem;

std::string resolved(const std::string& path) {
  std::error_code ec;
  std::string out = fs::weakly_canonical(path, ec).string();
  if (ec) out = path;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// True when `inner` is `outer` or lies below it, symbolic links resolved as far as the
// paths exist.
bool inside(const std::string& inner, const std::string& outer) {
  const std::string in = resolved(inner);
  const std::string out = resolved(outer);
  return in == out || in.starts_with(out + "/");
}

// Everything a target must pass before RocksDB is asked; removes an empty target
// directory (setting `removed_empty`), since Checkpoint creates the directory itself
// by renaming its staging directory to it.
Status prepare_target(const rocksdb::DB& db, const std::string& target, bool& removed_empty) {
  if (Status ok = check_new_dir_target(target, "checkpoint target"); !ok) return ok;
  if (inside(target, db.GetName())) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the checkpoint target {} lies inside the data directory {}: give "
                            "a directory outside it",
                            target, db.GetName()));
  }
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target + ".tmp", ec))) {
    return fail(ErrorCode::kAlreadyExists,
                fmt::format("{}.tmp exists (RocksDB stages a checkpoint there, a failed one may "
                            "have left it): remove it or choose another target",
                            target));
  }
  if (fs::exists(fs::symlink_status(target, ec))) {
    if (!fs::remove(target, ec)) {
      return fail(ErrorCode::kUnavailable,
                  fmt::format("cannot replace the empty directory {}: {}", target, ec.message()));
    }
    removed_empty = true;
  }
  return {};
}

Status create_checkpoint(rocksdb::DB& db, const std::string& path) {
  rocksdb::Checkpoint* raw = nullptr;
  if (Status ok = check(rocksdb::Checkpoint::Create(&db, &raw), "preparing a checkpoint"); !ok) {
    return ok;
  }
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: a writable database flushes every family first, so the copy
  // is table files (linked) plus the short tail of the write-ahead log written during
  // the flushes; every WAL file a family still needs is copied with it (docs/storage.md).
  return check(checkpoint->CreateCheckpoint(path, 0), "writing a checkpoint to " + path);
}

}  // namespace

Result<Head> read_head(const std::string& dir) {
  LogOptions options;
  options.read_only = true;
  Result<std::unique_ptr<EventLog>> log = EventLog::open(dir, options);
  if (!log) return std::unexpected(log.error());
  return (*log)->head();
}

Result<Head> write_checkpoint(rocksdb::DB& db, const std::string& target) {
  Result<std::string> path = absolute_path(target);
  if (!path) return std::unexpected(path.error());
  bool removed_empty = false;
  if (Status ok = prepare_target(db, *path, removed_empty); !ok) {
    return std::unexpected(ok.error());
  }
  if (Status ok = create_checkpoint(db, *path); !ok) {
    std::error_code ignored;  // put back the empty directory the caller gave, if it was one
    if (removed_empty) fs::create_directory(*path, ignored);
    return std::unexpected(ok.error());
  }
  // RocksDB fsyncs the copy's files and directory; the rename that made it appear
  // needs its parent fsynced too.
  const Status synced = fsync_dir(fs::path(*path).parent_path().string());
  Result<Head> head = synced ? read_head(*path) : Result<Head>(std::unexpected(synced.error()));
  if (!head) {
    remove_tree(*path);
    return fail(head.error().code,
                fmt::format("the checkpoint written to {} failed its check and was removed: {}",
                            *path, head.error().message));
  }
  return head;
}

}  // namespace stockroom::events::internal

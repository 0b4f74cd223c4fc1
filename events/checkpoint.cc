#include "events/checkpoint.h"

#include <fmt/format.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "events/internal/dir_files.h"
#include "events/internal/dir_lock.h"
#include "events/internal/log_checkpoint.h"
#include "events/internal/log_restore.h"

namespace stockroom::events {
namespace {

using internal::absolute_path;

// A fresh directory beside `target` (so on its file system) for the restore to fill
// before one rename puts it in place.
Result<std::string> make_staging_dir(const std::string& target) {
  std::string pattern = target + ".restore-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(ErrorCode::kUnavailable, fmt::format("cannot create a directory beside {}: {}",
                                                     target, std::strerror(errno)));
  }
  return pattern;
}

// Renames the filled staging directory to `target` (replacing it if it is an empty
// directory) and makes the rename durable.
Status install(const std::string& staging, const std::string& target) {
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    const int err = errno;
    return fail(
        err == ENOTEMPTY || err == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kUnavailable,
        fmt::format("cannot put the restored files at {}: {}", target, std::strerror(err)));
  }
  return internal::fsync_dir(std::filesystem::path(target).parent_path().string());
}

// Fills `staging` and checks it by opening it: its head must be the source's.
Result<internal::CopiedFiles> fill(const std::string& source, const std::string& staging,
                                   const Head& head) {
  Result<internal::CopiedFiles> files = internal::copy_log_files(source, staging);
  if (!files) return files;
  Result<Head> copied = internal::read_head(staging);
  if (!copied) return std::unexpected(copied.error());
  if (copied->position != head.position || copied->hash != head.hash) {
    return fail(ErrorCode::kInvalidState,
                fmt::format("the copy of {} has head {}, not {}: the source changed meanwhile?",
                            source, copied->position.value, head.position.value));
  }
  return files;
}

Result<RestoreReport> restore_into(const std::string& source, const std::string& target,
                                   const Head& head) {
  Result<std::string> staging = make_staging_dir(target);
  if (!staging) return std::unexpected(staging.error());
  Result<internal::CopiedFiles> files = fill(source, *staging, head);
  // GCC 12's std::expected has no and_then.
  Status installed = files ? install(*staging, target) : Status(std::unexpected(files.error()));
  if (!installed) {
    internal::remove_tree(*staging);
    return std::unexpected(installed.error());
  }
  return RestoreReport{head, files->linked, files->copied};
}

}  // namespace

bool is_locked(const Error& error) noexcept {
  return error.code == ErrorCode::kUnavailable &&
         std::ranges::any_of(error.details,
                             [](const ErrorDetail& d) { return d.name == kLockedDetail; });
}

Status check_checkpoint_target(const std::string& target) {
  Result<std::string> path = absolute_path(target);
  if (!path) return std::unexpected(path.error());
  return internal::check_new_dir_target(*path, "checkpoint target");
}

Result<Head> checkpoint_closed_log(const std::string& dir, const std::string& target) {
  Result<std::string> source = absolute_path(dir);
  if (!source) return std::unexpected(source.error());
  // Locked first, then opened: the files the read-only instance sees cannot change
  // under it (no serve can start and flush, compact or delete WAL files).
  auto lock = internal::DirLock::acquire(*source);
  if (!lock) return std::unexpected(lock.error());
  LogOptions options;
  options.read_only = true;
  Result<std::unique_ptr<EventLog>> log = EventLog::open(*source, options);
  if (!log) return std::unexpected(log.error());
  return (*log)->checkpoint(target);
}

Result<RestoreReport> restore_checkpoint(const std::string& checkpoint, const std::string& dir) {
  Result<std::string> source = absolute_path(checkpoint);
  if (!source) return std::unexpected(source.error());
  Result<std::string> target = absolute_path(dir);
  if (!target) return std::unexpected(target.error());
  if (Status ok = internal::check_new_dir_target(*target, "data directory"); !ok) {
    return std::unexpected(ok.error());
  }
  auto lock = internal::DirLock::acquire(*source);
  if (!lock) return std::unexpected(lock.error());
  // A read-only open proves the source is a log (all its families, head at the end of
  // the log) before anything is created.
  Result<Head> head = internal::read_head(*source);
  if (!head) return std::unexpected(head.error());
  return restore_into(*source, *target, *head);
}

}  // namespace stockroom::events

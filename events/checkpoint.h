// Copies of a data directory: checkpoints of a log that no process has open, and
// restores of a checkpoint into a new data directory (docs/storage.md, "Checkpoints").
// A log that is open in this process is copied with EventLog::checkpoint.
//
// Both take RocksDB's LOCK on the directory they read, as a writer's open does, for as
// long as they read it: no `serve` can start on it and change its files meanwhile. A
// directory whose LOCK another process holds (a running `serve`) is refused with
// kUnavailable and the detail kLockedDetail (see is_locked()). Neither changes the log
// they read; the LOCK file is RocksDB's and exists in every data directory.
//
// Threads: free functions; each opens its own read-only instance.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::events {

// The detail (value 1) of the kUnavailable error of a directory another process holds.
inline constexpr std::string_view kLockedDetail = "locked";

// True for that error: the caller may ask the process that holds the directory instead.
[[nodiscard]] bool is_locked(const Error& error) noexcept;

// The checks EventLog::checkpoint makes of a target before it starts, for a caller
// that wants to refuse a bad target before asking anyone (kAlreadyExists, kNotFound).
// Changes nothing.
[[nodiscard]] Status check_checkpoint_target(const std::string& target);

// Writes a checkpoint of the log in `dir` to `target` (EventLog::checkpoint says what
// it holds and what a target must be) and returns the head it holds. kNotFound when
// `dir` is missing or holds no log; kUnavailable (kLockedDetail) when a process holds
// `dir`; kAlreadyExists for a target that exists and is not an empty directory.
[[nodiscard]] Result<Head> checkpoint_closed_log(const std::string& dir, const std::string& target);

struct RestoreReport {
  Head head;          // of the restored log (equal to the checkpoint's)
  size_t linked = 0;  // table files hard-linked to the checkpoint's
  size_t copied = 0;  // files copied (and fsynced)
};

// Makes the log in `checkpoint` (a checkpoint, or the data directory of a stopped
// serve) the data directory `dir`: table files are hard-linked when both are on one
// file system (they never change), every other file is copied; all of it is fsynced,
// checked by opening it (its head must be the checkpoint's), and put at `dir` at once
// (one rename).
// `dir` must not exist or be an empty directory (kAlreadyExists otherwise), its parent
// must exist. kNotFound when `checkpoint` holds no log; kUnavailable (kLockedDetail)
// when a process holds it. On failure `dir` is as it was.
[[nodiscard]] Result<RestoreReport> restore_checkpoint(const std::string& checkpoint,
                                                       const std::string& dir);

}  // namespace stockroom::events

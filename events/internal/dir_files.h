// Directory and file steps of checkpoints and restores: the checks a target must pass,
// durable links and copies, fsyncs. Plain POSIX and std::filesystem, errors as values:
// kAlreadyExists for a target in the way, kNotFound for a missing path, kUnavailable
// for an I/O error (messages name the path and say what to do).
// Threads: free functions without shared state.
#pragma once

#include <string>

#include "engine/model/error.h"

namespace stockroom::events::internal {

// `path` made absolute and lexically normal (no "." or ".." parts, no trailing slash);
// symbolic links are kept. kInvalidArgument for an empty path.
[[nodiscard]] Result<std::string> absolute_path(const std::string& path);

// Checks that `target` can receive a new directory: it does not exist or is an empty
// directory, and its parent is a directory. `what` names it in messages ("checkpoint
// target"). Changes nothing.
[[nodiscard]] Status check_new_dir_target(const std::string& target, std::string_view what);

// True when `dir` is a directory with nothing in it.
[[nodiscard]] bool is_empty_dir(const std::string& dir);

// fsync(2) of a directory, so that entries created, linked or renamed in it are durable.
[[nodiscard]] Status fsync_dir(const std::string& dir);

// Puts `from` at `to` (which must not exist) as a hard link when `link` is true and the
// file system allows it, else as a copy that is fsynced. Returns true when linked.
// `link` goes false (and stays false for the caller's next files) after a link failed
// with EXDEV, EPERM or ENOTSUP: another file system, or one without hard links.
[[nodiscard]] Result<bool> link_or_copy(const std::string& from, const std::string& to, bool& link);

// Removes `dir` and everything in it; for cleaning up what a failed step created.
void remove_tree(const std::string& dir) noexcept;

}  // namespace stockroom::events::internal

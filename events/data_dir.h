// What is wrong with a path given as a data directory, said so that a person knows what
// to fix. RocksDB's own words for a bad path are about its internals ("`d' exists but is
// not a directory" for a dangling symbolic link); this looks at the path itself.
// Threads: any; reads the file system only.
#pragma once

#include <optional>
#include <string>

#include "engine/model/error.h"

namespace stockroom::events {

// nullopt when `dir` is a directory (or a link to one), or when it does not exist but
// can be created (its parent is a directory) and `must_exist` is false. Otherwise:
//   kNotFound         it does not exist (must_exist)
//   kInvalidArgument  a dangling symbolic link (naming its target), a path that is not
//                     a directory, a parent directory that is missing or is no directory
[[nodiscard]] std::optional<Error> data_dir_problem(const std::string& dir, bool must_exist);

// kInvalidState when `dir` holds a RocksDB store's files (a MANIFEST, table files,
// write-ahead logs) but no CURRENT, the file that names the MANIFEST to read: a damaged
// store, not a new one. RocksDB would take it for a new one: a writable open writes a
// new MANIFEST and CURRENT, and the next deletes the table files that MANIFEST does
// not list. The message names some of the files; nullopt otherwise.
[[nodiscard]] std::optional<Error> store_without_current(const std::string& dir);

}  // namespace stockroom::events

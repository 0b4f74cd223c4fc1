#include "events/internal/open_failure.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <system_error>

#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

namespace fs = std::filesystem;

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}, {}};
}

// What is wrong with the path itself, if anything (checked in the order a person
// would look: the link, the thing, its parent).
std::optional<Error> path_problem(const std::string& dir) {
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(dir, ec);
  if (fs::is_symlink(link) && !fs::exists(fs::status(dir, ec))) {
    return invalid(fmt::format("{} is a symbolic link to {}, which does not exist", dir,
                               fs::read_symlink(dir, ec).string()));
  }
  if (fs::exists(link)) {
    if (!fs::is_directory(fs::status(dir, ec))) {
      return invalid(fmt::format("{} exists and is not a directory", dir));
    }
    return std::nullopt;
  }
  const fs::path parent = fs::absolute(dir, ec).parent_path();
  if (!fs::exists(parent, ec)) {
    return invalid(
        fmt::format("the parent directory {} of {} does not exist (only the last "
                    "component is created)",
                    parent.string(), dir));
  }
  if (!fs::is_directory(parent, ec)) {
    return invalid(
        fmt::format("{} is not a directory, so {} cannot be created in it", parent.string(), dir));
  }
  return std::nullopt;
}

bool mentions(const rocksdb::Status& status, std::string_view text) {
  return status.ToString().find(text) != std::string::npos;
}

}  // namespace

Error open_failure(const std::string& dir, const rocksdb::Status& status) {
  if (std::optional<Error> problem = path_problem(dir)) return std::move(*problem);
  if (mentions(status, "Permission denied")) {
    return invalid(fmt::format("permission denied on {}: {}", dir, status.ToString()));
  }
  // flock() on LOCK fails with EWOULDBLOCK when another process holds it. (Within one
  // process RocksDB says "lock hold by current process" instead.)
  if (mentions(status, "lock file") && mentions(status, "Resource temporarily unavailable")) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("{} is in use by another process, which holds its lock file "
                             "{}/LOCK (another stockroom serve?)",
                             dir, dir),
                 {},
                 {}};
  }
  return storage_error(status, "opening " + dir);
}

}  // namespace stockroom::events::internal

#include "events/internal/open_failure.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <system_error>

#include "events/data_dir.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}, {}};
}

bool mentions(const rocksdb::Status& status, std::string_view text) {
  return status.ToString().find(text) != std::string::npos;
}

}  // namespace

Error open_failure(const std::string& dir, const rocksdb::Status& status) {
  if (std::optional<Error> problem = data_dir_problem(dir, false)) return std::move(*problem);
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

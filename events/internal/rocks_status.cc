#include "events/internal/rocks_status.h"

#include <fmt/format.h>

#include <string>

namespace stockroom::events::internal {
namespace {

ErrorCode code_of(const rocksdb::Status& status) {
  if (status.IsCorruption()) return ErrorCode::kInvalidState;
  if (status.IsInvalidArgument() || status.IsNotSupported()) return ErrorCode::kInvalidArgument;
  if (status.IsNotFound()) return ErrorCode::kNotFound;
  return ErrorCode::kUnavailable;
}

}  // namespace

Error storage_error(const rocksdb::Status& status, std::string_view context) {
  return Error{
      code_of(status), fmt::format("storage failed {}: {}", context, status.ToString()), {}, {}};
}

Status check(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return {};
  return std::unexpected(storage_error(status, context));
}

bool is_lock_busy(const rocksdb::Status& status) {
  if (!status.IsIOError()) return false;
  const std::string text = status.ToString();
  return text.find("While lock file") != std::string::npos ||
         text.find("lock hold by current process") != std::string::npos;
}

Error corrupt_value(std::string_view what) {
  return Error{ErrorCode::kInvalidState,
               fmt::format("the store is corrupt: {} does not have the documented layout", what),
               {},
               {}};
}

}  // namespace stockroom::events::internal

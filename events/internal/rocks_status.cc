#include "events/internal/rocks_status.h"

#include <fmt/format.h>

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

Error corrupt_value(std::string_view what) {
  return Error{ErrorCode::kInvalidState,
               fmt::format("the store is corrupt: {} does not have the documented layout", what),
               {},
               {}};
}

}  // namespace stockroom::events::internal

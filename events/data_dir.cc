#include "events/data_dir.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace stockroom::events {
namespace {

namespace fs = std::filesystem;

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}, {}};
}

}  // namespace

std::optional<Error> data_dir_problem(const std::string& dir, bool must_exist) {
  // In the order a person would look: the link, the thing, its parent.
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
  if (must_exist) {
    return Error{ErrorCode::kNotFound, fmt::format("{} does not exist", dir), {}, {}};
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

}  // namespace stockroom::events

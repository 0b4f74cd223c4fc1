#include "events/data_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

namespace stockroom::events {
namespace {

namespace fs = std::filesystem;

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}, {}};
}

// A file RocksDB writes in a store: MANIFEST-<n>, <n>.sst, <n>.log (not its info LOG).
bool is_store_file(std::string_view name) {
  if (name.starts_with("MANIFEST-")) return true;
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return false;
  const std::string_view suffix = name.substr(dot);
  for (char c : name.substr(0, dot)) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return suffix == ".sst" || suffix == ".log";
}

}  // namespace

std::optional<Error> store_without_current(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "CURRENT", ec) || !fs::is_directory(dir, ec)) return std::nullopt;
  std::vector<std::string> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_store_file(name)) found.push_back(name);
  }
  if (found.empty()) return std::nullopt;
  std::ranges::sort(found);
  constexpr size_t kNamed = 3;
  const std::string more =
      found.size() > kNamed ? fmt::format(" and {} more", found.size() - kNamed) : "";
  found.resize(std::min(found.size(), kNamed));
  return Error{ErrorCode::kInvalidState,
               fmt::format("{} is damaged: it holds a RocksDB store's files ({}{}) but no "
                           "CURRENT file, which names the MANIFEST to read; nothing was changed. "
                           "Restore it from a checkpoint, or write the name of its newest "
                           "MANIFEST and a newline to {}/CURRENT (docs/storage.md, \"Corruption "
                           "on open\")",
                           dir, fmt::join(found, ", "), more, dir),
               {},
               {}};
}

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

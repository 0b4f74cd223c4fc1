#include "events/internal/log_restore.h"

#include <fmt/format.h>

#include <filesystem>
#include <string_view>
#include <system_error>

#include "events/internal/dir_files.h"

namespace stockroom::events::internal {
namespace {

namespace fs = std::filesystem;

bool left_out(std::string_view name) {
  return name == "LOCK" || name == "LOG" || name.starts_with("LOG.old.");
}

bool immutable(std::string_view name) { return name.ends_with(".sst") || name.ends_with(".blob"); }

}  // namespace

Result<CopiedFiles> copy_log_files(const std::string& source, const std::string& into) {
  CopiedFiles counts;
  bool link = true;
  std::error_code ec;
  // increment(ec), not ++: the iterator's operator++ throws.
  for (fs::directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (left_out(name)) continue;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) {
      return fail(ErrorCode::kInvalidState,
                  fmt::format("{} holds {}, which is not a regular file: a checkpoint holds "
                              "only files",
                              source, name));
    }
    bool no_link = false;
    Result<bool> linked =
        link_or_copy(it->path().string(), into + "/" + name, immutable(name) ? link : no_link);
    if (!linked) return std::unexpected(linked.error());
    ++(*linked ? counts.linked : counts.copied);
  }
  if (ec) {
    return fail(ErrorCode::kUnavailable, fmt::format("cannot list {}: {}", source, ec.message()));
  }
  if (Status s = fsync_dir(into); !s) return std::unexpected(s.error());
  return counts;
}

}  // namespace stockroom::events::internal

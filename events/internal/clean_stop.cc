#include "events/internal/clean_stop.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "events/internal/dir_files.h"

namespace stockroom::events::internal {
namespace {

// Longer than any record: "<20 digits> <64 hex>\n".
constexpr size_t kMaxRecordBytes = 128;

std::string path_in(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}", dir, name);
}

Error io_error(std::string_view what, const std::string& path, int err) {
  return Error{
      ErrorCode::kUnavailable, fmt::format("{} {}: {}", what, path, std::strerror(err)), {}, {}};
}

std::optional<Head> parse(std::string_view text) {
  if (!text.ends_with('\n')) return std::nullopt;
  text.remove_suffix(1);
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  uint64_t position = 0;
  const std::string_view digits = text.substr(0, space);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), position);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  std::optional<Hash> hash = hash_from_hex(text.substr(space + 1));
  if (!hash) return std::nullopt;
  return Head{Position{position}, *hash};
}

Status write_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(io_error("cannot create", path, errno));
  // One short write; a partial one is an error (the rename below then never happens).
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  if (n != static_cast<ssize_t>(text.size())) {
    static_cast<void>(::close(fd));
    return std::unexpected(io_error("cannot write", path, n < 0 ? write_errno : EIO));
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    static_cast<void>(::close(fd));
    return std::unexpected(io_error("cannot fsync", path, err));
  }
  if (::close(fd) != 0) return std::unexpected(io_error("cannot close", path, errno));
  return {};
}

}  // namespace

Result<std::optional<Head>> read_clean_stop(const std::string& dir) {
  const std::string path = path_in(dir, kCleanStopFile);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<Head>();
    return std::unexpected(io_error("cannot read", path, errno));
  }
  std::string text(kMaxRecordBytes + 1, '\0');
  const ssize_t n = ::read(fd, text.data(), text.size());
  const int read_errno = errno;
  static_cast<void>(::close(fd));  // read-only: nothing to lose
  if (n < 0) return std::unexpected(io_error("cannot read", path, read_errno));
  text.resize(static_cast<size_t>(n));
  std::optional<Head> head = parse(text);
  if (!head) {
    return fail(ErrorCode::kInvalidState,
                fmt::format("{} is damaged: {} is not a clean-stop record (\"<position> <hash>\"); "
                            "delete it to open the store as it is",
                            dir, path));
  }
  return head;
}

Status write_clean_stop(const std::string& dir, const Head& head) {
  const std::string tmp = path_in(dir, fmt::format("{}.tmp", kCleanStopFile));
  const std::string text = fmt::format("{} {}\n", head.position.value, to_hex(head.hash));
  if (Status written = write_file(tmp, text); !written) {
    static_cast<void>(::unlink(tmp.c_str()));  // nothing reads a .tmp: tidiness only
    return written;
  }
  const std::string path = path_in(dir, kCleanStopFile);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    static_cast<void>(::unlink(tmp.c_str()));
    return std::unexpected(io_error("cannot rename to", path, err));
  }
  return fsync_dir(dir);
}

Status remove_clean_stop(const std::string& dir) {
  bool removed = false;
  for (const std::string& path :
       {path_in(dir, kCleanStopFile), path_in(dir, fmt::format("{}.tmp", kCleanStopFile))}) {
    if (::unlink(path.c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT) {
      return std::unexpected(io_error("cannot remove", path, errno));
    }
  }
  return removed ? fsync_dir(dir) : Status{};
}

}  // namespace stockroom::events::internal

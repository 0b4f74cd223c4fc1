#include "events/internal/dir_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace stockroom::events::internal {
namespace {

namespace fs = std::filesystem;

Error io_error(std::string_view what, const std::string& path, int err) {
  return Error{
      ErrorCode::kUnavailable, fmt::format("{} {}: {}", what, path, std::strerror(err)), {}, {}};
}

// Closes a descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  // Closes now and reports the error close(2) gives (data not written back).
  [[nodiscard]] int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

Status write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(io_error("cannot write", path, errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

Status copy_file(const std::string& from, const std::string& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return std::unexpected(io_error("cannot read", from, errno));
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return std::unexpected(io_error("cannot create", to, errno));
  std::array<char, 1 << 16> buffer;
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(io_error("cannot read", from, errno));
    if (n == 0) break;
    if (Status s = write_all(out.get(), buffer.data(), static_cast<size_t>(n), to); !s) return s;
  }
  if (::fsync(out.get()) != 0) return std::unexpected(io_error("cannot fsync", to, errno));
  if (out.close() != 0) return std::unexpected(io_error("cannot close", to, errno));
  return {};
}

}  // namespace

Result<std::string> absolute_path(const std::string& path) {
  if (path.empty()) return fail(ErrorCode::kInvalidArgument, "an empty path");
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("cannot make {} absolute: {}", path, ec.message()));
  }
  std::string normal = absolute.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

Status check_new_dir_target(const std::string& target, std::string_view what) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(target, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      return fail(ErrorCode::kAlreadyExists,
                  fmt::format("the {} {} exists and is not a directory: give a new or empty "
                              "directory",
                              what, target));
    }
    if (!is_empty_dir(target)) {
      return fail(ErrorCode::kAlreadyExists,
                  fmt::format("the {} {} exists and is not empty: give a new or empty directory",
                              what, target));
    }
  }
  const fs::path parent = fs::path(target).parent_path();
  if (!fs::is_directory(parent, ec)) {
    return fail(ErrorCode::kNotFound,
                fmt::format("the parent of the {} {} is not a directory: create {} first", what,
                            target, parent.string()));
  }
  return {};
}

bool is_empty_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_empty(dir, ec) && !ec;
}

Status fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return std::unexpected(io_error("cannot open the directory", dir, errno));
  if (::fsync(fd.get()) != 0) return std::unexpected(io_error("cannot fsync", dir, errno));
  return {};
}

Result<bool> link_or_copy(const std::string& from, const std::string& to, bool& link) {
  if (link) {
    if (::link(from.c_str(), to.c_str()) == 0) return true;
    if (errno != EXDEV && errno != EPERM && errno != ENOTSUP) {
      return std::unexpected(io_error("cannot link " + from + " to", to, errno));
    }
    link = false;
  }
  if (Status s = copy_file(from, to); !s) return std::unexpected(s.error());
  return false;
}

void remove_tree(const std::string& dir) noexcept {
  std::error_code ignored;  // best effort: the caller is already reporting a failure
  fs::remove_all(dir, ignored);
}

}  // namespace stockroom::events::internal

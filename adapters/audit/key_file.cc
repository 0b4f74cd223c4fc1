#include "adapters/audit/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace stockroom::audit {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

// The whole file, nullopt when there is none; an Error for one that cannot be read.
Result<std::optional<std::string>> read_if_present(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  if (fd < 0) {
    return fail(ErrorCode::kInvalidArgument,
                "cannot read signing key " + path + ": " + errno_text(errno));
  }
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  const int read_error = n < 0 ? errno : 0;
  ::close(fd);
  if (read_error != 0) {
    return fail(ErrorCode::kInvalidArgument,
                "cannot read signing key " + path + ": " + errno_text(read_error));
  }
  return text;
}

// Writes all of `text` to `fd`, then fsyncs it (a key lost to a crash would orphan
// every head signed with it).
Status write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return fail(ErrorCode::kUnavailable, "cannot write " + path + ": " + errno_text(errno));
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) {
    return fail(ErrorCode::kUnavailable, "cannot sync " + path + ": " + errno_text(errno));
  }
  return {};
}

// Creates `path` with `mode`, failing if it exists (O_EXCL), and writes `text`.
Status create_file(const std::string& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(ErrorCode::kInvalidArgument,
                "cannot create signing key " + path + ": " + errno_text(errno));
  }
  // The umask may have taken bits away, never added any; set exactly what is meant.
  ::fchmod(fd, mode);
  Status written = write_all(fd, text, path);
  ::close(fd);
  if (!written) ::unlink(path.c_str());
  return written;
}

// Replaces `path` with `text` atomically (a temp file renamed over it), so a reader
// never sees half a public key.
Status replace_file(const std::string& path, std::string_view text) {
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());
  if (Status created = create_file(temp, text, 0644); !created) return created;
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return fail(ErrorCode::kInvalidArgument, "cannot write " + path + ": " + errno_text(error));
  }
  return {};
}

Result<SigningKey> load_or_generate(const std::string& path, bool& created) {
  Result<std::optional<std::string>> text = read_if_present(path);
  if (!text) return std::unexpected(text.error());
  if (*text) {
    Result<SigningKey> key = SigningKey::from_pem(**text);
    if (!key) key.error().message = "signing key " + path + ": " + key.error().message;
    return key;
  }
  Result<SigningKey> key = SigningKey::generate();
  if (!key) return key;
  if (Status written = create_file(path, key->private_pem(), 0600); !written) {
    // Another serve created it between our read and our create: use that one.
    if (::access(path.c_str(), F_OK) == 0) return load_or_generate(path, created);
    return std::unexpected(written.error());
  }
  created = true;
  return key;
}

}  // namespace

Result<KeyFile> open_signing_key(const std::string& path) {
  bool created = false;
  Result<SigningKey> key = load_or_generate(path, created);
  if (!key) return std::unexpected(key.error());
  KeyFile out{std::move(*key), path, path + ".pub", created};
  struct stat st {};
  out.readable_by_others = ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0044) != 0;
  const std::string pem = out.key.public_key().pem();
  Result<std::optional<std::string>> current = read_if_present(out.public_path);
  if (!current || !*current || **current != pem) {
    if (Status written = replace_file(out.public_path, pem); !written) {
      return std::unexpected(written.error());
    }
    out.public_written = true;
  }
  return out;
}

Result<std::string> default_signing_key_path(const std::string& data_dir) {
  std::filesystem::path dir = std::filesystem::path(data_dir).lexically_normal();
  // "data/" normalizes to "data/" with an empty file name: the name is the parent's.
  if (!dir.has_filename() && dir.has_parent_path() && dir != dir.root_path()) {
    dir = dir.parent_path();
  }
  const std::string name = dir.filename().string();
  if (name.empty() || name == "." || name == "..") {
    return fail(ErrorCode::kInvalidArgument,
                "the data directory \"" + data_dir +
                    "\" has no name to put the signing key beside; give --signing-key FILE");
  }
  return (dir.parent_path() / (name + ".signing-key.pem")).string();
}

}  // namespace stockroom::audit

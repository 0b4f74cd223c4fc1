#include "events/internal/info_log.h"

#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <system_error>

namespace stockroom::events::internal {
namespace {

class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(std::FILE* file) : Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file) {}
  ~InfoLog() override { close(); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    std::array<char, 4096> line{};
    const size_t prefix = stamp(line.data(), line.size());
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(line.data() + prefix, line.size() - prefix - 1, format, copy);
    va_end(copy);
    if (n < 0) return;
    // Cut at the buffer's end (long lines are rare: option dumps), one line each.
    size_t size = std::min(prefix + static_cast<size_t>(n), line.size() - 2);
    if (size == 0 || line[size - 1] != '\n') line[size++] = '\n';
    // Unbuffered: one write per line keeps lines whole across threads, and nothing of
    // a failed line stays behind. A failure is not remembered: the next line is tried.
    static_cast<void>(std::fwrite(line.data(), 1, size, file_));
    std::clearerr(file_);
  }

 protected:
  rocksdb::Status CloseImpl() override {
    close();
    return rocksdb::Status::OK();
  }

 private:
  // "2026/12/01-23:51:43.123456 7f0c2a3fe6c0 ", as RocksDB's own lines begin.
  static size_t stamp(char* out, size_t capacity) {
    timeval now{};
    ::gettimeofday(&now, nullptr);
    std::tm local{};
    ::localtime_r(&now.tv_sec, &local);
    const int n = std::snprintf(
        out, capacity, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %lx ", local.tm_year + 1900,
        local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
        static_cast<long>(now.tv_usec), static_cast<unsigned long>(::gettid()));
    return n > 0 ? static_cast<size_t>(n) : 0;
  }

  void close() {
    if (file_ != nullptr) static_cast<void>(std::fclose(file_));
    file_ = nullptr;
  }

  std::FILE* file_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir) {
  namespace fs = std::filesystem;
  // Only the last component, as RocksDB creates it: a missing parent is an error that
  // RocksDB's open reports (events/internal/open_failure.cc).
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (ec) return nullptr;
  const fs::path path = fs::path(dir) / "LOG";
  if (fs::exists(path, ec)) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    // A rename that fails leaves the old lines before the new ones: no harm.
    fs::rename(path, fs::path(dir) / ("LOG.old." + std::to_string(micros)), ec);
  }
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return nullptr;
  static_cast<void>(std::setvbuf(file, nullptr, _IONBF, 0));
  return std::make_shared<InfoLog>(file);
}

}  // namespace stockroom::events::internal

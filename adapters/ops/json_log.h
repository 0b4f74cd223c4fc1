// JsonLog: structured logs, one JSON object per line, e.g.
//   {"ts":"2024-05-01T12:34:56.789Z","level":"info","event":"nats.connected","url":"..."}
//
// Threads: log() is thread-safe; each line is written with one call under a mutex, so
// lines from different threads never interleave. Strings are escaped by RapidJSON's
// Writer; invalid UTF-8 is replaced with U+FFFD first, so every line is valid JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace stockroom::ops {

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error".
[[nodiscard]] std::string_view level_name(Level level) noexcept;

template <class T>
concept LogInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// One field value: a string, an integer, a double or a bool. Non-finite doubles are
// written as null (JSON has no NaN or Infinity). Strings are held as views, so they must
// live until log() returns; temporaries made in the call's argument list do.
class LogValue {
 public:
  // Implicit on purpose, so fields read {"sku", sku}, {"qty", 3}.
  LogValue(std::string_view v) : v_(v) {}
  LogValue(const char* v) : v_(std::string_view(v)) {}
  LogValue(const std::string& v) : v_(std::string_view(v)) {}
  LogValue(bool v) : v_(v) {}
  LogValue(double v) : v_(v) {}
  template <LogInteger I>
  LogValue(I v) {
    if constexpr (std::is_signed_v<I>) {
      v_ = static_cast<int64_t>(v);
    } else {
      v_ = static_cast<uint64_t>(v);
    }
  }

  using Variant = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  [[nodiscard]] const Variant& get() const { return v_; }

 private:
  Variant v_;
};

// A key and its value. Keys "ts", "level" and "event" are taken by the line itself.
struct LogField {
  std::string_view key;
  LogValue value;
};

class JsonLog {
 public:
  // Writes to `out` (stderr by default), which must outlive this object. Lines below
  // `min_level` are dropped.
  explicit JsonLog(std::FILE* out = stderr, Level min_level = Level::kInfo);
  explicit JsonLog(std::ostream& out, Level min_level = Level::kInfo);
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;

  // True if a line at `level` would be written: skip building costly fields otherwise.
  [[nodiscard]] bool enabled(Level level) const noexcept { return level >= min_level_; }

  // Writes {"ts":…,"level":…,"event":…, fields…} and a newline. Write errors are
  // ignored: logging must never fail the caller.
  void log(Level level, std::string_view event, std::initializer_list<LogField> fields = {});

  void debug(std::string_view event, std::initializer_list<LogField> fields = {}) {
    log(Level::kDebug, event, fields);
  }
  void info(std::string_view event, std::initializer_list<LogField> fields = {}) {
    log(Level::kInfo, event, fields);
  }
  void warn(std::string_view event, std::initializer_list<LogField> fields = {}) {
    log(Level::kWarn, event, fields);
  }
  void error(std::string_view event, std::initializer_list<LogField> fields = {}) {
    log(Level::kError, event, fields);
  }

 private:
  void write_line(std::string_view line);

  std::FILE* file_ = nullptr;
  std::ostream* stream_ = nullptr;
  Level min_level_;
  std::mutex mu_;
};

// The line's "ts": RFC 3339, UTC, milliseconds, e.g. "2024-05-01T12:34:56.789Z".
[[nodiscard]] std::string format_timestamp(std::chrono::system_clock::time_point t);

// `s` with every ill-formed UTF-8 sequence (overlong, surrogate, above U+10FFFF,
// truncated, stray continuation byte) replaced by U+FFFD, one per maximal subpart as
// Unicode recommends. Well-formed input comes back unchanged.
[[nodiscard]] std::string sanitize_utf8(std::string_view s);

}  // namespace stockroom::ops

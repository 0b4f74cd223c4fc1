#include "adapters/tools/time_arg.h"

#include <charconv>
#include <chrono>
#include <string>

namespace stockroom::tools {
namespace {

Error bad_time(std::string_view text) {
  // Built by appending: GCC 12 at -O3 reports a false -Wrestrict on `"x" + std::string`.
  std::string message = "\"";
  message.append(text).append(
      "\" is not a time: expected RFC 3339 such as 2026-12-01T10:00:00Z or "
      "2026-12-01T11:00:00.5+01:00, or a date such as 2026-12-01");
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}, {}};
}

// Reads exactly `digits` decimal digits at `at`.
bool number(std::string_view text, size_t at, size_t digits, int& out) {
  if (at + digits > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool literal(std::string_view text, size_t at, char c) { return at < text.size() && text[at] == c; }

}  // namespace

Result<Timestamp> parse_time_arg(std::string_view text) {
  using namespace std::chrono;
  int year = 0, month = 0, day = 0;
  if (!number(text, 0, 4, year) || !literal(text, 4, '-') || !number(text, 5, 2, month) ||
      !literal(text, 7, '-') || !number(text, 8, 2, day)) {
    return std::unexpected(bad_time(text));
  }
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::unexpected(bad_time(text));
  int64_t micros = duration_cast<microseconds>(sys_days{date}.time_since_epoch()).count();
  if (text.size() == 10) return Timestamp{micros};

  int hour = 0, minute = 0, second = 0;
  const char sep = text.size() > 10 ? text[10] : '\0';
  if ((sep != 'T' && sep != 't' && sep != ' ') || !number(text, 11, 2, hour) ||
      !literal(text, 13, ':') || !number(text, 14, 2, minute) || !literal(text, 16, ':') ||
      !number(text, 17, 2, second) || hour > 23 || minute > 59 || second > 59) {
    return std::unexpected(bad_time(text));
  }
  micros += ((hour * 60LL + minute) * 60 + second) * 1'000'000;
  size_t at = 19;
  if (literal(text, at, '.')) {
    ++at;
    int64_t fraction = 0, scale = 100'000;
    const size_t first = at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      fraction += (text[at] - '0') * scale;
      scale /= 10;
    }
    if (at == first || at - first > 9) return std::unexpected(bad_time(text));
    micros += fraction;
  }
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) return Timestamp{micros};
  int off_hour = 0, off_minute = 0;
  if (at + 6 != text.size() || (text[at] != '+' && text[at] != '-') ||
      !number(text, at + 1, 2, off_hour) || !literal(text, at + 3, ':') ||
      !number(text, at + 4, 2, off_minute) || off_hour > 23 || off_minute > 59) {
    return std::unexpected(bad_time(text));
  }
  const int64_t offset = (off_hour * 60LL + off_minute) * 60 * 1'000'000;
  return Timestamp{text[at] == '+' ? micros - offset : micros + offset};
}

Result<PointInLog> parse_point_arg(std::string_view text) {
  uint64_t position = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), position);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) {
    return Position{position};
  }
  auto time = parse_time_arg(text);
  if (!time) {
    std::string message = "\"";
    message.append(text).append(
        "\" is neither a position (digits) nor a time (RFC 3339, e.g. 2026-12-01T10:00:00Z)");
    return fail(ErrorCode::kInvalidArgument, std::move(message));
  }
  return *time;
}

}  // namespace stockroom::tools

#include "projections/internal/time_format.h"

#include <fmt/format.h>

#include <cstdint>

#include "engine/model/checked_math.h"

namespace stockroom::projections::internal {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct CivilDate {
  int64_t year = 0;
  int64_t month = 0;  // 1-12
  int64_t day = 0;    // 1-31
};

// H. Hinnant's civil_from_days / days_from_civil (proleptic Gregorian, day 0 =
// 1970-01-01), exact for every int64 day count the micros can reach.
CivilDate civil_from_days(int64_t days) {
  const int64_t z = days + 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - (153 * mp + 2) / 5 + 1};
}

int64_t days_from_civil(const CivilDate& date) {
  const int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy =
      (153 * (date.month > 2 ? date.month - 3 : date.month + 9) + 2) / 5 + date.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

bool is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int64_t days_in_month(int64_t year, int64_t month) {
  constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Unsigned decimal digits only (no sign, no spaces); at most 9 so nothing overflows.
std::optional<int64_t> digits(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The year as format_time writes it: at least four digits, no superfluous leading
// zero, '-' only before a negative year.
std::optional<int64_t> parse_year(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.size() < 4 || (text.size() > 4 && text.front() == '0')) return std::nullopt;
  const std::optional<int64_t> year = digits(text);
  if (!year || (negative && *year == 0)) return std::nullopt;
  return negative ? -*year : *year;
}

// "<year>-MM-DDTHH:MM:SS.ffffffZ" split into its numbers; nullopt when out of range.
struct Fields {
  CivilDate date;
  int64_t second_of_day = 0;
  int64_t micros = 0;
};

std::optional<Fields> split(std::string_view text) {
  constexpr std::string_view kShape = "-MM-DDTHH:MM:SS.ffffffZ";
  if (text.size() <= kShape.size()) return std::nullopt;
  const std::string_view rest = text.substr(text.size() - kShape.size());
  for (size_t i : {0, 3, 6, 9, 12, 15, 22}) {
    if (rest[i] != kShape[i]) return std::nullopt;
  }
  const auto year = parse_year(text.substr(0, text.size() - kShape.size()));
  const auto month = digits(rest.substr(1, 2));
  const auto day = digits(rest.substr(4, 2));
  const auto hour = digits(rest.substr(7, 2));
  const auto minute = digits(rest.substr(10, 2));
  const auto second = digits(rest.substr(13, 2));
  const auto micros = digits(rest.substr(16, 6));
  if (!year || !month || !day || !hour || !minute || !second || !micros) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) {
    return std::nullopt;
  }
  if (*hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  return Fields{{*year, *month, *day}, (*hour * 60 + *minute) * 60 + *second, *micros};
}

}  // namespace

std::string format_time(Timestamp time) {
  int64_t days = time.micros / kMicrosPerDay;
  int64_t of_day = time.micros % kMicrosPerDay;
  if (of_day < 0) {
    of_day += kMicrosPerDay;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  const int64_t seconds = of_day / kMicrosPerSecond;
  // Every event and view writes a time: digits by hand, not a format string parsed
  // again for each (the year alone, rarely outside 0000-9999, goes through fmt).
  char tail[] = "-MM-DDTHH:MM:SS.ffffffZ";
  auto put = [&tail](size_t at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) {
      tail[at + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
    }
  };
  put(1, date.month, 2);
  put(4, date.day, 2);
  put(7, seconds / 3600, 2);
  put(10, seconds / 60 % 60, 2);
  put(13, seconds % 60, 2);
  put(16, of_day % kMicrosPerSecond, 6);
  std::string out;
  if (date.year >= 0 && date.year <= 9999) {
    out.resize(4);
    int64_t y = date.year;
    for (int i = 3; i >= 0; --i, y /= 10)
      out[static_cast<size_t>(i)] = static_cast<char>('0' + y % 10);
  } else {
    out = date.year < 0 ? fmt::format("-{:04}", -date.year) : fmt::format("{:04}", date.year);
  }
  out.append(tail, sizeof tail - 1);
  return out;
}

std::optional<Timestamp> parse_time(std::string_view text) {
  const std::optional<Fields> fields = split(text);
  if (!fields) return std::nullopt;
  const int64_t days = days_from_civil(fields->date);
  const int64_t of_day = fields->second_of_day * kMicrosPerSecond + fields->micros;
  // For a day before the epoch, go through the following midnight so that the
  // earliest representable instant does not overflow on the way.
  const int64_t base_days = days < 0 ? days + 1 : days;
  const int64_t offset = days < 0 ? of_day - kMicrosPerDay : of_day;
  const std::optional<int64_t> base = checked_mul(base_days, kMicrosPerDay);
  if (!base) return std::nullopt;
  const std::optional<int64_t> micros = checked_add(*base, offset);
  if (!micros) return std::nullopt;
  return Timestamp{*micros};
}

}  // namespace stockroom::projections::internal

#include "adapters/ops/json_log.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <ctime>
#include <ostream>

namespace stockroom::ops {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kWellFormed = std::string_view::npos;

// The length of the well-formed UTF-8 sequence starting at s[i] (Unicode Table 3-7),
// or 0 with *bad set to the length of its maximal ill-formed subpart (at least 1).
size_t sequence_length(std::string_view s, size_t i, size_t* bad) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    const bool in_range = i + k < s.size() && byte(i + k) >= (k == 1 ? lo : 0x80) &&
                          byte(i + k) <= (k == 1 ? hi : 0xBF);
    if (!in_range) {
      *bad = k;
      return 0;
    }
  }
  return n;
}

// Index of the first ill-formed byte, or kWellFormed.
size_t first_ill_formed(std::string_view s) {
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = sequence_length(s, i, &bad);
    if (n == 0) return i;
    i += n;
  }
  return kWellFormed;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view s) {
  if (first_ill_formed(s) == kWellFormed) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  } else {
    std::string clean = sanitize_utf8(s);
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
  }
}

void write_value(Writer& w, const LogValue::Variant& v) {
  if (const auto* s = std::get_if<std::string_view>(&v)) {
    write_string(w, *s);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    w.Int64(*i);
  } else if (const auto* u = std::get_if<uint64_t>(&v)) {
    w.Uint64(*u);
  } else if (const auto* d = std::get_if<double>(&v)) {
    // Writer::Double emits nothing for NaN/Inf and would leave a dangling key.
    std::isfinite(*d) ? w.Double(*d) : w.Null();
  } else {
    w.Bool(std::get<bool>(v));
  }
}

}  // namespace

std::string_view level_name(Level level) noexcept {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "unknown";
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  // Floor division, so instants before 1970 still get a 0..999 millisecond part.
  const int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  const int64_t millis = ms - secs * 1000;
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = sequence_length(s, i, &bad);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append(kReplacement);
      i += bad;
    }
  }
  return out;
}

JsonLog::JsonLog(std::FILE* out, Level min_level) : file_(out), min_level_(min_level) {}

JsonLog::JsonLog(std::ostream& out, Level min_level) : stream_(&out), min_level_(min_level) {}

void JsonLog::log(Level level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  // One buffer per thread, reused: no allocation per line once it has grown.
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  Writer w(buffer);
  w.StartObject();
  w.Key("ts");
  const std::string ts = format_timestamp(std::chrono::system_clock::now());
  w.String(ts.data(), static_cast<rapidjson::SizeType>(ts.size()));
  w.Key("level");
  const std::string_view name = level_name(level);
  w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  w.Key("event");
  write_string(w, event);
  for (const auto& field : fields) {
    write_string(w, field.key);
    write_value(w, field.value.get());
  }
  w.EndObject();
  buffer.Put('\n');
  write_line(std::string_view(buffer.GetString(), buffer.GetSize()));
}

void JsonLog::write_line(std::string_view line) {
  std::lock_guard lock(mu_);
  if (file_ != nullptr) {
    // Failures are dropped on purpose: there is nowhere better to report them.
    (void)std::fwrite(line.data(), 1, line.size(), file_);
    (void)std::fflush(file_);
  } else {
    stream_->write(line.data(), static_cast<std::streamsize>(line.size()));
    stream_->flush();
  }
}

}  // namespace stockroom::ops

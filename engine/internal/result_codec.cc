#include "engine/internal/result_codec.h"

#include <fmt/format.h>

#include <cstring>

#include "events/record_codec.h"

namespace stockroom::engine::internal {
namespace {

constexpr uint8_t kFormatV1 = 1;  // read only
constexpr uint8_t kFormatV2 = 2;

template <class T>
void put_int(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.append(bytes, sizeof(T));
}

std::unexpected<Error> truncated() {
  return std::unexpected(
      Error{ErrorCode::kMalformed, "stored command result is truncated", {}, {}});
}
std::unexpected<Error> trailing() {
  return std::unexpected(
      Error{ErrorCode::kMalformed, "stored command result has trailing bytes", {}, {}});
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  template <class T>
  bool get_int(T& value) {
    if (rest_.size() < sizeof(T)) return false;
    std::memcpy(&value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return true;
  }

  bool get_short_string(std::string& s) {
    uint8_t size = 0;
    if (!get_int(size) || rest_.size() < size) return false;
    s.assign(rest_.data(), size);
    rest_.remove_prefix(size);
    return true;
  }

  [[nodiscard]] bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// Format 1: the events repeated in full.
Result<CommandResult> decode_v1(Reader& in) {
  CommandResult result;
  uint32_t count = 0;
  if (!in.get_int(result.position.value) || !in.get_int(count)) return truncated();
  for (uint32_t i = 0; i < count; ++i) {
    EventRef& e = result.events.emplace_back();
    if (!in.get_short_string(e.type) || !in.get_short_string(e.stream) ||
        !in.get_int(e.version.value) || !in.get_int(e.position.value)) {
      return truncated();
    }
  }
  if (!in.done()) return trailing();
  return result;
}

Result<ResultSpan> decode_v2(Reader& in) {
  ResultSpan span;
  if (!in.get_int(span.first.value) || !in.get_int(span.count)) return truncated();
  if (!in.done()) return trailing();
  return span;
}

Result<uint8_t> format_of(Reader& in) {
  uint8_t format = 0;
  if (!in.get_int(format) || (format != kFormatV1 && format != kFormatV2)) {
    return fail(ErrorCode::kMalformed, "stored command result has an unknown format");
  }
  return format;
}

}  // namespace

void encode_result(const CommandResult& result, std::string& out) {
  out.clear();
  const auto count = static_cast<uint32_t>(result.events.size());
  put_int<uint8_t>(out, kFormatV2);
  put_int<uint64_t>(out, count == 0 ? result.position.value : result.events.front().position.value);
  put_int<uint32_t>(out, count);
}

Result<ResultSpan> decode_result_span(std::string_view bytes) {
  Reader in(bytes);
  auto format = format_of(in);
  if (!format) return std::unexpected(format.error());
  if (*format == kFormatV2) return decode_v2(in);
  auto full = decode_v1(in);
  if (!full) return std::unexpected(full.error());
  if (full->events.empty()) return ResultSpan{full->position, 0};
  return ResultSpan{full->events.front().position, static_cast<uint32_t>(full->events.size())};
}

Result<CommandResult> load_result(std::string_view bytes, const events::EventLog& log) {
  Reader in(bytes);
  auto format = format_of(in);
  if (!format) return std::unexpected(format.error());
  if (*format == kFormatV1) return decode_v1(in);
  auto span = decode_v2(in);
  if (!span) return std::unexpected(span.error());
  CommandResult result;
  result.position = span->first;
  if (span->count == 0) return result;
  const Position last{span->first.value + span->count - 1};
  auto stored = log.read_range(span->first, last, span->count);
  if (!stored) return std::unexpected(stored.error());
  if (stored->size() != span->count) {
    return fail(ErrorCode::kNotFound,
                fmt::format("the log lacks events {}..{} that a command record names",
                            span->first.value, last.value));
  }
  for (const events::StoredEvent& s : *stored) {
    auto event =
        events::decode_event({reinterpret_cast<const uint8_t*>(s.record.data()), s.record.size()});
    if (!event) return std::unexpected(event.error());
    result.events.push_back(EventRef{std::string(event_type_name(event->data)),
                                     std::move(event->stream), event->version, s.position});
  }
  result.position = last;
  return result;
}

}  // namespace stockroom::engine::internal

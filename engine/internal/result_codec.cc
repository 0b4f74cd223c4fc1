#include "engine/internal/result_codec.h"

#include <cstring>

namespace stockroom::engine::internal {
namespace {

constexpr uint8_t kFormatVersion = 1;

template <class T>
void put_int(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.append(bytes, sizeof(T));
}

void put_short_string(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(static_cast<uint8_t>(s.size())));
  out.append(s.data(), s.size());
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

}  // namespace

void encode_result(const CommandResult& result, std::string& out) {
  out.clear();
  put_int<uint8_t>(out, kFormatVersion);
  put_int<uint64_t>(out, result.position.value);
  put_int<uint32_t>(out, static_cast<uint32_t>(result.events.size()));
  for (const EventRef& e : result.events) {
    // Type names and stream names are short by construction (ids <= 64 chars).
    put_short_string(out, e.type);
    put_short_string(out, e.stream);
    put_int<uint64_t>(out, e.version.value);
    put_int<uint64_t>(out, e.position.value);
  }
}

Result<CommandResult> decode_result(std::string_view bytes) {
  Reader in(bytes);
  CommandResult result;
  uint8_t format = 0;
  uint32_t count = 0;
  if (!in.get_int(format) || format != kFormatVersion || !in.get_int(result.position.value) ||
      !in.get_int(count)) {
    return fail(ErrorCode::kMalformed, "stored command result has an unknown format");
  }
  for (uint32_t i = 0; i < count; ++i) {
    EventRef& e = result.events.emplace_back();
    if (!in.get_short_string(e.type) || !in.get_short_string(e.stream) ||
        !in.get_int(e.version.value) || !in.get_int(e.position.value)) {
      return fail(ErrorCode::kMalformed, "stored command result is truncated");
    }
  }
  if (!in.done()) return fail(ErrorCode::kMalformed, "stored command result has trailing bytes");
  return result;
}

}  // namespace stockroom::engine::internal

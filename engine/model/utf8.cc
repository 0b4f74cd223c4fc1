#include "engine/model/utf8.h"

#include <cstdint>

namespace stockroom {
namespace {

// The length of the well-formed sequence at the start of `text` (1 to 4), or 0 when
// its first byte does not start one (RFC 3629, section 4: the second byte's range
// depends on the first, which rules out overlongs, surrogates and > U+10FFFF).
size_t sequence_at(std::string_view text) noexcept {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  size_t n = 0;
  uint8_t low = 0x80;
  uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < n) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::optional<size_t> utf8_length(std::string_view text) noexcept {
  size_t count = 0;
  while (!text.empty()) {
    const size_t n = sequence_at(text);
    if (n == 0) return std::nullopt;
    text.remove_prefix(n);
    ++count;
  }
  return count;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t n = sequence_at(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

}  // namespace stockroom

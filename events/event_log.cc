#include "events/event_log.h"

#include "events/internal/rocks_event_log.h"

namespace stockroom::events {

void to_hex(const Hash& hash, HexDigits& out) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 0x0F];
  }
}

std::string to_hex(const Hash& hash) {
  HexDigits digits;
  to_hex(hash, digits);
  return std::string(digits.data(), digits.size());
}

std::optional<Hash> hash_from_hex(std::string_view hex) {
  Hash hash{};
  if (hex.size() != 2 * hash.size()) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hash.size(); ++i) {
    const int high = digit(hex[2 * i]);
    const int low = digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    hash[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return hash;
}

std::string_view durability_name(Durability d) noexcept {
  switch (d) {
    case Durability::kSync:
      return "sync";
    case Durability::kBatch:
      return "batch";
    case Durability::kNone:
      return "none";
  }
  return "unknown";
}

Result<std::unique_ptr<EventLog>> EventLog::open(const std::string& dir,
                                                 const LogOptions& options) {
  return internal::RocksEventLog::open(dir, options);
}

}  // namespace stockroom::events

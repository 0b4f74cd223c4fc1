#include "events/event_log.h"

#include "events/internal/rocks_event_log.h"

namespace stockroom::events {

std::string to_hex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * hash.size());
  for (uint8_t byte : hash) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0F]);
  }
  return hex;
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

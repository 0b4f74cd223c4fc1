#include "engine/internal/expiry_schedule.h"

namespace stockroom::engine::internal {
namespace {

void put_ordered_time(std::string& out, int64_t micros) {
  // Flipping the sign bit makes big-endian byte order agree with signed order.
  const uint64_t u = static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}

}  // namespace

std::string expiry_key(Timestamp deadline, const OrderId& order_id) {
  std::string key;
  key.reserve(8 + order_id.str().size());
  put_ordered_time(key, deadline.micros);
  key += order_id.str();
  return key;
}

std::string expiry_key_after(Timestamp t) {
  std::string key;
  put_ordered_time(key, t.micros + 1);
  return key;
}

std::string hold_expiry_key(Timestamp deadline, const Sku& sku, const OrderId& order_id) {
  std::string key = expiry_key(deadline, order_id);
  key.insert(8, sku.str() + "~");
  return key;
}

std::optional<Command> expiry_command(std::string_view key) {
  if (key.size() <= 8) return std::nullopt;
  const std::string_view name = key.substr(8);
  const size_t tilde = name.find('~');
  if (tilde == std::string_view::npos) return ExpireOrder{OrderId(name)};
  if (tilde == 0 || tilde + 1 == name.size()) return std::nullopt;
  return ExpireHold{Sku(name.substr(0, tilde)), OrderId(name.substr(tilde + 1))};
}

}  // namespace stockroom::engine::internal

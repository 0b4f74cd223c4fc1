// The reservation expiry schedule: one key per order awaiting payment, ordered by its
// deadline, in the log's "expiry" keyspace. Written in the same batch as the events
// that place or settle the order, so it is exactly as durable as they are, and the
// writer finds due orders by a range read from the oldest deadline, never a scan of
// all orders.
#pragma once

#include <string>
#include <string_view>

#include "engine/model/types.h"

namespace stockroom::engine::internal {

inline constexpr std::string_view kExpirySpace = "expiry";

// deadline (i64 micros, sign bit flipped, big-endian) + order id.
[[nodiscard]] std::string expiry_key(Timestamp deadline, const OrderId& order_id);

// The smallest key of a deadline strictly after `t` (the end of a due-range read).
[[nodiscard]] std::string expiry_key_after(Timestamp t);

// The order id of a key made by expiry_key(); empty for a malformed key.
[[nodiscard]] OrderId expiry_order(std::string_view key);

}  // namespace stockroom::engine::internal

// The expiry schedule: one key per order awaiting payment and one per hold neither
// confirmed nor released (command.h, PlaceHold), ordered by deadline, in the log's
// "expiry" keyspace. Written in the same batch as the events
// that place or settle the order, so it is exactly as durable as they are, and the
// writer finds due orders by a range read from the oldest deadline, never a scan of
// all orders.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/model/command.h"
#include "engine/model/types.h"

namespace stockroom::engine::internal {

inline constexpr std::string_view kExpirySpace = "expiry";

// deadline (i64 micros, sign bit flipped, big-endian) + order id.
[[nodiscard]] std::string expiry_key(Timestamp deadline, const OrderId& order_id);

// The smallest key of a deadline strictly after `t` (the end of a due-range read).
[[nodiscard]] std::string expiry_key_after(Timestamp t);

// deadline + sku + '~' + order id: '~' is in no id, so no order's key has one.
[[nodiscard]] std::string hold_expiry_key(Timestamp deadline, const Sku& sku,
                                          const OrderId& order_id);

// The engine's command for a due key: ExpireOrder for an order's, ExpireHold for a
// hold's; nullopt for a malformed key.
[[nodiscard]] std::optional<Command> expiry_command(std::string_view key);

}  // namespace stockroom::engine::internal

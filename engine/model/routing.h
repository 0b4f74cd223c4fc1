// Routing: which aggregate id is the key of each command and stream, and which
// partition a key lives in (nats-api.md "Keyed subjects", scale-out.md "Keys and
// partitions"). This is the one table of keys: the NATS service checks a keyed
// subject's last token against it, the cluster's partition function and the
// cross-partition saga use it. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/model/command.h"

namespace stockroom {

// What a command's key names: the sku for product.*, inventory.* and rating.reject,
// the cart id for cart.*, the order id for order.*, payment.* and rating.submit.
enum class KeyField : uint8_t { kSku, kCartId, kOrderId };

[[nodiscard]] KeyField key_field(const Command& command) noexcept;

// The body's field name of a key field ("sku", "cart_id", "order_id").
[[nodiscard]] std::string_view key_field_name(KeyField field) noexcept;

// The routing key of a decoded command: the value of its key field. The view points
// into `command`.
[[nodiscard]] std::string_view routing_key(const Command& command) noexcept;

// The routing key of a stream name: the sku of product-<sku> and of
// review-<sku>~<customer_id>, the id of cart-<id> and order-<id>; nullopt for a name
// of no known kind or with an empty id.
[[nodiscard]] std::optional<std::string_view> routing_key_of_stream(
    std::string_view stream) noexcept;

// FNV-1a, 32 bits, over the key's bytes: the hash nats-server 2.9's subject mapping
// `{{partition(N,k)}}` applies to a subject token.
[[nodiscard]] constexpr uint32_t fnv1a32(std::string_view key) noexcept {
  uint32_t hash = 2166136261u;
  for (const char c : key) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

// The partition of `key` among `partitions` (> 0): fnv1a32(key) mod partitions, as
// the server's mapping routes it.
[[nodiscard]] constexpr uint32_t partition_of(std::string_view key, uint32_t partitions) noexcept {
  return fnv1a32(key) % partitions;
}

}  // namespace stockroom

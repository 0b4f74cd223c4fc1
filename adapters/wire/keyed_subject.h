// Keyed subjects (nats-api.md "Keyed subjects"): a command may arrive on
// <p>.cmd.<group>.<name>.<key> and a per-aggregate query on <p>.query.<name>.<key>,
// where <key> is the routing id of the aggregate (engine/model/routing.h, the one
// table of keys). The subject's key must equal the body's; a cluster routes by it.
// Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "adapters/wire/wire.h"
#include "engine/model/command.h"
#include "engine/model/error.h"

namespace stockroom::wire {

// A subject tail split into the contract name and the key token, if any. Views point
// into the tail.
struct KeyedName {
  std::string_view name;                // "cart.add_item", "order"
  std::optional<std::string_view> key;  // what follows the name's last dot, if anything
};

// "<group>.<name>[.<key>]" (the tail after "<p>.cmd."): the name is the first two
// tokens, the key all that follows (a key holding a dot then fails the key check).
[[nodiscard]] KeyedName split_command_subject(std::string_view tail) noexcept;

// "<name>[.<key>]" (the tail after "<p>.query."): the name is the first token.
[[nodiscard]] KeyedName split_query_subject(std::string_view tail) noexcept;

// kInvalidArgument when `key` differs from the command's routing key (the sku, cart
// id or order id its body names), with details subject_key and field.
[[nodiscard]] Status check_command_key(const Command& command, std::string_view key);

// The routing key of a query on one aggregate: the view key of order/stock/rating/cart
// queries, the routing id of the stream of history/as_of; nullopt for the
// per-partition queries (events, verify, head) and a stream of no known kind.
[[nodiscard]] std::optional<std::string_view> query_routing_key(const Query& query) noexcept;

// kInvalidArgument when a keyed query's key differs from its body's routing key, or
// when a per-partition query (events, verify, head) carries a key.
[[nodiscard]] Status check_query_key(const Query& query, std::string_view key);

// The keyed form of a request subject tail without the prefix ("cmd.<group>.<name>"
// or "query.<name>"), its key read from the JSON body: what `stockroom send` and
// `demo` send. `tail` unchanged when it is keyed already, names a per-partition query,
// or the body does not decode (the service then answers the error).
[[nodiscard]] std::string keyed_subject_tail(std::string_view tail, std::string_view json_body);

}  // namespace stockroom::wire

// Settlements: what an order event of a partition owes the partitions that hold its
// stock (docs/scale-out.md, "The outbox"). An order placed by order.place
// (OrderPlaced.stock_elsewhere) writes no stock events in its own log; its cancel,
// expiry, shipment and restocking returns are carried to each product partition as
// one stock.settle per (order event, product partition). This file says which
// settlements an event makes, names them, builds their requests and judges the
// replies. Pure: no I/O (SettleOutbox, settle_outbox.h, sends them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/command.h"
#include "engine/model/event.h"

namespace stockroom::nats_adapter {

// One stock.settle an order event owes: where it goes and what it says.
struct Settlement {
  uint32_t partition = 0;    // the product partition: partition_of(every line's sku)
  CommandEnvelope envelope;  // a SettleStock under settle_command_id(...)
  bool operator==(const Settlement&) const = default;
};

// The order events that owe settlements, by type name: OrderCancelled, OrderExpired,
// OrderShipped, OrderItemsReturned (the outbox's filter on the log).
[[nodiscard]] const std::vector<std::string>& settle_event_types();

// The order an event of settle_event_types() belongs to; nullopt for any other event.
[[nodiscard]] std::optional<OrderId> settled_order(const EventData& event);

// "settle-p<origin>-<position>-<partition>": the one command id of the settlement of
// the event at `position` of partition `origin`'s log bound for `partition`. The same
// on every owner of `origin` (positions are the replicated log's), so a resend after a
// failover is a duplicate where it lands. Of the id alphabet (is_valid_id), at most 50
// characters.
[[nodiscard]] CommandId settle_command_id(uint32_t origin, Position position, uint32_t partition);

// The settlements `event` (recorded in partition `origin` of `partitions`) owes, given
// the lines of its order's OrderPlaced. Release (OrderCancelled, OrderExpired) and ship
// (OrderShipped) name every order line; return names the event's lines, and only when
// it restocks (a return without restock moves no stock). Lines are grouped by the
// partition of their sku: one settlement per product partition, in ascending partition
// order, its lines in the order given (a sku named twice is summed into one line). The
// actor is the service "stockroom-p<origin>". Empty for an event that owes nothing.
// REQUIRES: partitions > 0.
[[nodiscard]] std::vector<Settlement> settlements_of(const RecordedEvent& event,
                                                     std::span<const OrderLine> order_lines,
                                                     uint32_t origin, uint32_t partitions);

// "<prefix>.cmd.stock.settle.<first line's sku>": the keyed subject the server's
// mapping routes to the settlement's partition.
// REQUIRES: the settlement holds a SettleStock with at least one line.
[[nodiscard]] std::string settle_subject(std::string_view prefix, const Settlement& settlement);

// The JSON request of a settlement (docs/api.md, stock.settle):
// {"command_id","actor":{"id","role"},"order_id","effect","lines":[{"sku","quantity"}]}.
// REQUIRES: the settlement holds a SettleStock.
[[nodiscard]] std::string settle_request(const Settlement& settlement);

// What a product partition's reply means to the sender.
enum class SettleOutcome : uint8_t {
  kAcknowledged,  // ok: settled now, or earlier (duplicate: true)
  kRefused,       // a definite refusal (AMOUNT_EXCEEDED, NOT_FOUND, ...): sending again
                  // would be refused again; the effect is given up and logged
  kRetry,         // UNAVAILABLE, or a reply that is not one: send again later
};

struct SettleReply {
  SettleOutcome outcome = SettleOutcome::kRetry;
  bool duplicate = false;
  // Not kAcknowledged: the refusal's code name ("AMOUNT_EXCEEDED") and message; for a
  // reply that is not one, "UNAVAILABLE" and why.
  std::string code;
  std::string message;
  bool operator==(const SettleReply&) const = default;
};

// Judges a JSON command reply ({"ok":true,"duplicate",...} or {"ok":false,"error":{...}}).
// Every refusal but UNAVAILABLE is definite, a code this build does not know included
// (a newer product partition's).
[[nodiscard]] SettleReply judge_settle_reply(std::string_view reply);

}  // namespace stockroom::nats_adapter

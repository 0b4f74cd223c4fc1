// The order decider: an order's lifecycle after checkout (stream order-<order_id>):
// cancel, ship, deliver, return, and the engine's own expiry. Payments are in
// payment_decider.h. Each function decides one command that has passed validate()
// and check_role(); the first check is always that the order exists (NOT_FOUND). Pure.
#pragma once

#include "engine/domain/decide.h"
#include "engine/domain/decision.h"
#include "engine/domain/state.h"
#include "engine/model/command.h"

namespace stockroom {

// Customer: own and unpaid (FORBIDDEN); awaiting_payment or paid (INVALID_STATE) ->
// OrderCancelled{refund_due = captured - refunded}, StockReleased per line,
// PaymentVoided per payment with an uncaptured remainder.
[[nodiscard]] Decision decide(const CancelOrder& command, const Actor& actor,
                              const OrderState& order);

// Paid and captured - refunded == total (INVALID_STATE) -> OrderShipped, StockShipped
// per line.
[[nodiscard]] Decision decide(const ShipOrder& command, const OrderState& order);

// Shipped (INVALID_STATE) -> OrderDelivered.
[[nodiscard]] Decision decide(const DeliverOrder& command, const OrderState& order);

// Delivered (INVALID_STATE); each sku in the order (NOT_FOUND) and at most what was
// shipped and not yet returned (AMOUNT_EXCEEDED) -> OrderItemsReturned, then
// StockReturned per line when restocking. Reads the products to refuse an on_hand
// overflow (AMOUNT_EXCEEDED).
[[nodiscard]] Decision decide(const ReturnOrderItems& command, const OrderState& order,
                              StateReader& states);

// Awaiting payment and context.now >= expires_at (INVALID_STATE) -> OrderExpired,
// StockReleased per line, PaymentVoided per uncaptured remainder.
[[nodiscard]] Decision decide(const ExpireOrder& command, const OrderState& order,
                              const DecideContext& context);

// order.place (a checkout across partitions, its stock held elsewhere): the order id
// is unused (ALREADY_EXISTS); context.now is before expires_at, the holds' expiry
// (INVALID_STATE: they may be released by now); the total fits in int64
// (AMOUNT_EXCEEDED) -> OrderPlaced{stock_elsewhere}, its lines at the given prices.
// An order placed so has no stock events in this log: cancel, expiry, ship and
// return leave them out.
[[nodiscard]] Decision decide(const PlaceOrder& command, const OrderState& order,
                              const DecideContext& context);

// NOT_FOUND unless the order was placed.
[[nodiscard]] Status check_placed(const OrderId& order_id, const OrderState& order);

// INVALID_STATE naming the order's status and what `action` needs.
[[nodiscard]] Refusal refuse_order_status(const OrderId& order_id, const OrderState& order,
                                          std::string_view action);

}  // namespace stockroom

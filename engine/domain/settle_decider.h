// stock.settle: a product partition's side of the later life of an order placed in
// another partition by order.place (its cancel, expiry, shipment and returns), which
// the order partition's outbox carries here (command.h, SettleStock;
// docs/scale-out.md "Checkouts across partitions"). Pure.
#pragma once

#include "engine/domain/decide.h"
#include "engine/domain/decision.h"

namespace stockroom {

// Per line, in line order: the product is this partition's (NOT_FOUND; a retired one
// still settles); release and ship take at most what is reserved (AMOUNT_EXCEEDED:
// the order's reservation cannot be there); a return must not overflow on_hand
// (AMOUNT_EXCEEDED). Then StockReleased, StockShipped or StockReturned per line.
// Nothing here tells one order's reservation from another's, so exactly-once is the
// sender's: one command id per effect (a resend is a duplicate).
[[nodiscard]] Decision decide(const SettleStock& command, StateReader& states);

}  // namespace stockroom

// stock.settle: a product partition's side of the later life of an order placed in
// another partition by order.place (its cancel, expiry, shipment and returns), which
// the order partition's outbox carries here (command.h, SettleStock;
// docs/scale-out.md "Checkouts across partitions"). Pure.
#pragma once

#include "engine/domain/decide.h"
#include "engine/domain/decision.h"

namespace stockroom {

// An order placed here that keeps its stock in its own stream (OrderPlaced without
// stock_elsewhere) is INVALID_STATE: its own commands move that stock. Then per line,
// in line order: the product is this partition's (NOT_FOUND; a retired one still
// settles); release and ship take at most what the order's own hold still has
// (AMOUNT_EXCEEDED: never units reserved for another order); a return must not
// overflow on_hand (AMOUNT_EXCEEDED; the order partition checked it against what was
// shipped). Then StockReleased, StockShipped or StockReturned per line, which take the
// units off the hold (evolve.h). A resend of the same command id is a duplicate.
[[nodiscard]] Decision decide(const SettleStock& command, StateReader& states);

}  // namespace stockroom

// The checkout decider: turns an open cart into an order and reserves its stock, in
// one decision over three kinds of aggregate (the cart, the new order, each product).
#pragma once

#include "engine/domain/decide.h"
#include "engine/domain/decision.h"
#include "engine/model/command.h"

namespace stockroom {

// Checks, in order: the cart exists (NOT_FOUND), is the customer's (FORBIDDEN), is
// open (INVALID_STATE) and has a line (INVALID_STATE); the order id is unused
// (ALREADY_EXISTS); each line's product is defined (NOT_FOUND), not retired
// (INVALID_STATE) and priced in the cart's currency (CURRENCY_MISMATCH); the total
// fits in int64 (AMOUNT_EXCEEDED); every line is available (OUT_OF_STOCK naming every
// short line). Accepts CartCheckedOut, OrderPlaced (the products' current prices,
// expires_at = now + reservation_ttl), then StockReserved per line in line order.
[[nodiscard]] Decision decide(const CheckOutCart& command, const Actor& actor, StateReader& states,
                              const DecideContext& context);

}  // namespace stockroom

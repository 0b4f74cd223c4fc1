// The role policy (domain.md, "Policy"): which actor may send which command.
//
// A customer may open, change, abandon and check out only carts whose customer_id is
// its own id, cancel only its own unpaid (awaiting_payment) orders, and submit
// ratings; everything else needs staff or service; rating.reject needs staff; the
// engine's own order.expire is accepted only from engine_actor(). Every refusal is
// FORBIDDEN. Pure.
#pragma once

#include "engine/domain/state.h"
#include "engine/model/command.h"
#include "engine/model/error.h"

namespace stockroom {

// The checks that need no state: the actor's role against the command kind, the
// customer_id of cart.open, the engine-only order.expire. Runs before any state is read.
[[nodiscard]] Status check_role(const CommandEnvelope& envelope);

// A customer acts only on its own carts. REQUIRES: the cart exists (NOT_FOUND first).
[[nodiscard]] Status check_cart_owner(const Actor& actor, const CartState& cart);

// A customer cancels only its own orders, and only before they are paid; a paid
// order needs staff. REQUIRES: the order exists (NOT_FOUND first).
[[nodiscard]] Status check_cancel_allowed(const Actor& actor, const OrderState& order);

// Only the order's own customer (whatever the role) may rate what it bought.
// REQUIRES: the order exists (NOT_FOUND first).
[[nodiscard]] Status check_order_customer(const Actor& actor, const OrderState& order);

}  // namespace stockroom

// The cart decider: one customer's cart (stream cart-<cart_id>) before checkout.
//
// Each function decides one command; the command has passed validate() and
// check_role(). Checks run in the order documented in docs/domain.md: the cart exists
// (NOT_FOUND), belongs to a customer actor (FORBIDDEN), is open (INVALID_STATE), then
// the command's own rules. Checkout is in checkout_decider.h. Pure.
#pragma once

#include "engine/domain/decision.h"
#include "engine/domain/state.h"
#include "engine/model/command.h"

namespace stockroom {

// The cart stream has no events -> CartOpened.
[[nodiscard]] Decision decide(const OpenCart& command, const CartState& cart);

// Cart open; product defined, not retired, in the cart's currency; the line stays
// <= 1,000,000; a new line only while the cart has fewer than `max_lines` lines (else
// AMOUNT_EXCEEDED) -> CartItemAdded at the product's current price.
[[nodiscard]] Decision decide(const AddCartItem& command, const Actor& actor, const CartState& cart,
                              const ProductState& product, size_t max_lines);

// Cart open; the line is present and holds at least the quantity (absent: the whole
// line) -> CartItemRemoved with the quantity actually removed.
[[nodiscard]] Decision decide(const RemoveCartItem& command, const Actor& actor,
                              const CartState& cart);

// Cart open -> CartAbandoned.
[[nodiscard]] Decision decide(const AbandonCart& command, const Actor& actor,
                              const CartState& cart);

// The cart exists, the actor may use it and it is open: the checks every cart command
// after cart.open starts with.
[[nodiscard]] Status check_open_cart(const CartId& cart_id, const Actor& actor,
                                     const CartState& cart);

}  // namespace stockroom

// The cart's side of a checkout across partitions (cluster mode, docs/scale-out.md
// "Checkouts across partitions"): the cart's partition starts the saga on the cart's
// stream and, once its driver has held the stock, placed the order and confirmed the
// holds (or released them), ends it there. The steps in other partitions are the
// hold, order and settle deciders'. Pure.
#pragma once

#include "engine/domain/decide.h"
#include "engine/domain/decision.h"

namespace stockroom {

// Whether checking out `cart` into `order_id` involves another partition than
// `partition`: the order's, or any line's product's.
[[nodiscard]] bool checkout_spans_partitions(const CartState& cart, const OrderId& order_id,
                                             const DecideContext::Partition& partition) noexcept;

// cart.checkout when checkout_spans_partitions: the cart checks of the single node
// (NOT_FOUND, FORBIDDEN, INVALID_STATE when not open or empty), the order id unused
// when the order lives here (ALREADY_EXISTS), the holds' expiry representable
// (AMOUNT_EXCEEDED); then CheckoutStarted with the cart's next attempt and expiry
// now + reservation_ttl. The products are checked where they live, by the holds.
[[nodiscard]] Decision decide_checkout_start(const CheckOutCart& command, const Actor& actor,
                                             StateReader& states, const DecideContext& context);

// Ends the running checkout `command.attempt` of the cart: CartCheckedOut when placed,
// else CheckoutFailed with the refusal; when `refusing`, CheckoutRefused, which fixes
// the refusal and leaves the attempt running while its driver releases the holds.
// INVALID_STATE when that attempt is not the one running (it ended already: a resend
// of the end changes nothing).
[[nodiscard]] Decision decide(const FinishCheckout& command, const CartState& cart);

}  // namespace stockroom

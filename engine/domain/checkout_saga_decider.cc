#include "engine/domain/checkout_saga_decider.h"

#include <optional>
#include <string>

#include "engine/domain/cart_decider.h"
#include "engine/model/checked_math.h"
#include "engine/model/routing.h"

namespace stockroom {

bool checkout_spans_partitions(const CartState& cart, const OrderId& order_id,
                               const DecideContext::Partition& partition) noexcept {
  const auto elsewhere = [&](std::string_view key) {
    return partition_of(key, partition.count) != partition.index;
  };
  if (elsewhere(order_id.str())) return true;
  for (const CartLine& line : cart.lines) {
    if (elsewhere(line.sku.str())) return true;
  }
  return false;
}

Decision decide_checkout_start(const CheckOutCart& command, const Actor& actor, StateReader& states,
                               const DecideContext& context) {
  const CartState& cart = states.cart(command.cart_id);
  if (auto s = check_open_cart(command.cart_id, actor, cart); !s) return std::unexpected(s.error());
  if (cart.lines.empty()) {
    return refuse_state("cart " + command.cart_id.str() + " is empty; add an item first",
                        {{"cart_id", command.cart_id.str()}});
  }
  // The order's own partition refuses a used id when the order lives elsewhere.
  if (context.partition &&
      partition_of(command.order_id.str(), context.partition->count) == context.partition->index) {
    if (states.order(command.order_id).version.value > 0) {
      return fail(ErrorCode::kAlreadyExists, "order " + command.order_id.str() + " already exists",
                  {{"order_id", command.order_id.str()}});
    }
  }
  const std::optional<int64_t> expires =
      checked_add(context.now.micros, context.reservation_ttl.micros);
  if (!expires) return refuse_overflow("expires_at");
  return accept(CheckoutStarted{command.cart_id, command.order_id, cart.checkout_attempt + 1,
                                Timestamp{*expires}});
}

Decision decide(const FinishCheckout& command, const CartState& cart) {
  if (cart.status != CartStatus::kCheckingOut || cart.checkout_attempt != command.attempt) {
    return refuse_state(
        "checkout " + std::to_string(command.attempt) + " of cart " + command.cart_id.str() +
            " is not running",
        {{"cart_id", command.cart_id.str()}, {"attempt", static_cast<int64_t>(command.attempt)}});
  }
  if (command.refusing) {
    return accept(CheckoutRefused{command.cart_id, cart.order_id, command.attempt, command.code,
                                  command.message});
  }
  if (command.placed) return accept(CartCheckedOut{command.cart_id, cart.order_id});
  return accept(CheckoutFailed{command.cart_id, cart.order_id, command.attempt, command.code,
                               command.message});
}

}  // namespace stockroom

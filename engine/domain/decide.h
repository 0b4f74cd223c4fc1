// decide(): the domain's one decision function. Pure: no clock, no I/O.
//
// Given a command and the states it reads (through StateReader), returns the events
// that record it, or the refusal. Checks in this order: form (validate.h), role
// policy, expected_version, then the rules of domain.md. A refusal writes nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/domain/state.h"
#include "engine/model/command.h"
#include "engine/model/error.h"
#include "engine/model/event.h"

namespace stockroom {

// Read access to aggregate states. A stream that has no events yields an empty state
// (version 0). Returned references stay valid for as long as the reader lives;
// implementations are not thread-safe (the engine's single writer owns one).
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual const ProductState& product(const Sku& sku) = 0;
  virtual const CartState& cart(const CartId& cart_id) = 0;
  virtual const OrderState& order(const OrderId& order_id) = 0;
  virtual const ReviewState& review(const Sku& sku, const CustomerId& customer_id) = 0;
};

// The default of DecideContext::max_cart_lines (domain.md, cart.add_item).
inline constexpr size_t kDefaultMaxCartLines = 500;

// What a decision may depend on besides state: the engine clock's reading and config.
struct DecideContext {
  Timestamp now;
  Duration reservation_ttl{15LL * 60 * 1'000'000};
  // The most lines one cart may hold: a new line beyond is AMOUNT_EXCEEDED. A bound on
  // what every command on a cart costs the single writer.
  size_t max_cart_lines = kDefaultMaxCartLines;
  // Cluster mode: the partition this engine serves among `count`. A checkout whose order
  // or any product lives in another partition is not decided here: it starts a saga
  // the cart's partition coordinates (CheckoutStarted; docs/scale-out.md). None: one
  // node, every aggregate here.
  struct Partition {
    uint32_t index = 0;
    uint32_t count = 1;
  };
  std::optional<Partition> partition;
};

// The stream a command's expected_version refers to (its primary aggregate): the
// product stream for product.* and inventory.*, the cart stream for cart.* (checkout
// too), the order stream for order.*, payment.* and the engine's expiry, and the
// review stream for rating.*. It takes the envelope because the review stream of
// rating.submit is keyed by the submitting actor's id (its customer id).
[[nodiscard]] std::string target_stream(const CommandEnvelope& envelope);

[[nodiscard]] Result<std::vector<EventData>> decide(const CommandEnvelope& envelope,
                                                    StateReader& states,
                                                    const DecideContext& context);

// decide() in two steps, so that what needs no state runs off the writer: the form
// (validate.h) and the role policy, then, once those passed, expected_version and the
// rules of domain.md against the states. decide() is check_stateless + decide_checked.
[[nodiscard]] Status check_stateless(const CommandEnvelope& envelope);
[[nodiscard]] Result<std::vector<EventData>> decide_checked(const CommandEnvelope& envelope,
                                                            StateReader& states,
                                                            const DecideContext& context);

}  // namespace stockroom

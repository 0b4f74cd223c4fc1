// The checkout saga's messages (cluster mode, docs/scale-out.md "Checkouts across
// partitions"): what the cart's partition sends to the product partitions (stock.hold,
// stock.confirm_hold, stock.release_hold) and to the order's partition (order.place,
// order.cancel) for one attempt of a cart's checkout, and how it reads their replies.
// Each step has one command id, the same on every owner of the cart's partition, so
// that a step sent again (a retry, a new owner resuming the saga) is answered
// `duplicate: true` where it lands. Pure: no I/O (saga_driver.h sends them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/domain/state.h"
#include "engine/model/command.h"
#include "engine/model/error.h"

namespace stockroom::nats_adapter {

// One attempt of a cart's checkout, as its CheckoutStarted and the cart fix it.
struct CheckoutPlan {
  CartId cart_id;
  OrderId order_id;
  CustomerId customer_id;
  Currency currency;
  uint64_t attempt = 0;
  Timestamp expires_at;
  std::vector<CartLine> lines;       // the cart's, in its order
  std::vector<uint32_t> partitions;  // the lines' product partitions, ascending, each once
  uint32_t partition_count = 1;
  Actor actor;  // the coordinator: the service "stockroom-p<cart's partition>"
};

// REQUIRES: cart.status == kCheckingOut; partition_count > 0.
[[nodiscard]] CheckoutPlan plan_checkout(const CartId& cart_id, const CartState& cart,
                                         uint32_t cart_partition, uint32_t partition_count);

// "s<40 hex>-<step>": the id of a step of the attempt, from SHA-256 of the cart id and
// the attempt (ids of the id alphabet, at most 64 characters whatever the cart id).
[[nodiscard]] CommandId saga_command_id(const CartId& cart_id, uint64_t attempt,
                                        std::string_view step);

// The steps. Holds, confirms and releases carry the plan's lines of one partition.
[[nodiscard]] CommandEnvelope hold_step(const CheckoutPlan& plan, uint32_t partition);
[[nodiscard]] CommandEnvelope confirm_step(const CheckoutPlan& plan, uint32_t partition);
[[nodiscard]] CommandEnvelope release_step(const CheckoutPlan& plan, uint32_t partition,
                                           std::string reason);
// `prices`: the unit price of each plan line, in line order.
[[nodiscard]] CommandEnvelope place_step(const CheckoutPlan& plan,
                                         const std::vector<Money>& prices);
[[nodiscard]] CommandEnvelope cancel_step(const CheckoutPlan& plan, std::string reason);

// "<prefix>.cmd.<command name>.<routing key>": the keyed subject the server's mapping
// routes to the step's partition.
[[nodiscard]] std::string step_subject(std::string_view prefix, const CommandEnvelope& step);

// A FlatBuffers CommandReply (api.fbs) read back: the accepted result, or the refusal
// with its details and shortages. kMalformed for bytes that are not one.
struct StepReply {
  bool duplicate = false;
  Position position;
};
[[nodiscard]] Result<Result<StepReply>> read_step_reply(std::string_view reply);

// The refusal the single node would give for a checkout whose holds were refused as
// `refusals` (one per refusing partition): the first refusal other than OUT_OF_STOCK
// in the order of the plan's lines (the single node checks every product before any
// stock), else one OUT_OF_STOCK naming every short line in line order.
// REQUIRES: !refusals.empty().
[[nodiscard]] Error merge_hold_refusals(const CheckoutPlan& plan,
                                        const std::vector<std::pair<uint32_t, Error>>& refusals);

}  // namespace stockroom::nats_adapter

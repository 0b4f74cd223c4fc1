#include "engine/domain/settle_decider.h"

#include <string>
#include <vector>

#include "engine/domain/product_decider.h"
#include "engine/model/checked_math.h"

namespace stockroom {
namespace {

// What `order_id` still holds of `product` for a release or a shipment: the quantity of
// its hold while held or confirmed (a released hold, or none, holds nothing). Only the
// order's own units: the product's total reserved counts other orders' too.
int64_t held_for(const ProductState& product, const OrderId& order_id) {
  const HoldEntry* h = product.hold(order_id);
  if (h == nullptr || h->status == HoldStatus::kReleased) return 0;
  return h->quantity;
}

Status check_line(const SettleStock& c, const ReturnLine& line, const ProductState& product) {
  if (auto s = check_defined(line.sku, product); !s) return s;
  const int64_t q = line.quantity.value;
  if (c.effect == StockEffect::kReturn) {
    if (!checked_add(product.on_hand, q)) return refuse_overflow("on_hand of " + line.sku.str());
    return {};
  }
  const int64_t held = held_for(product, c.order_id);
  if (q <= held) return {};
  return refuse_amount(line.sku.str() + ": " + std::to_string(q) + " to " +
                           std::string(stock_effect_name(c.effect)) + " for order " +
                           c.order_id.str() + ", but it holds only " + std::to_string(held),
                       q, held);
}

EventData effect_event(const SettleStock& c, const ReturnLine& line) {
  switch (c.effect) {
    case StockEffect::kShip:
      return StockShipped{line.sku, c.order_id, line.quantity};
    case StockEffect::kReturn:
      return StockReturned{line.sku, c.order_id, line.quantity};
    case StockEffect::kRelease:
      break;
  }
  return StockReleased{line.sku, c.order_id, line.quantity};
}

}  // namespace

Decision decide(const SettleStock& command, StateReader& states) {
  // An order placed here with its stock (OrderPlaced without stock_elsewhere) reserved
  // it by its own events, and its own cancel, expiry, shipment and returns move it. A
  // settle as well would move the same units twice.
  if (const OrderState& order = states.order(command.order_id);
      order.version.value > 0 && !order.stock_elsewhere) {
    return refuse_state("order " + command.order_id.str() +
                            " keeps its stock in its own stream: its own commands settle it",
                        {{"order_id", command.order_id.str()}});
  }
  std::vector<EventData> events;
  events.reserve(command.lines.size());
  for (const ReturnLine& line : command.lines) {
    if (auto s = check_line(command, line, states.product(line.sku)); !s) {
      return std::unexpected(s.error());
    }
    events.push_back(effect_event(command, line));
  }
  return events;
}

}  // namespace stockroom

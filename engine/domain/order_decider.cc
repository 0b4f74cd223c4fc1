#include "engine/domain/order_decider.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/domain/policy.h"
#include "engine/model/checked_math.h"

namespace stockroom {
namespace {

// What ending an unshipped order (cancel, expiry) releases: every line's stock and
// every authorized remainder. `events` already holds the OrderCancelled/OrderExpired.
std::vector<EventData> release(const OrderState& order, const OrderId& order_id,
                               std::vector<EventData> events) {
  for (const OrderLine& line : order.lines) {
    if (order.stock_elsewhere) break;
    events.emplace_back(StockReleased{line.sku, order_id, line.quantity});
  }
  for (const PaymentState& p : order.payments) {
    if (p.uncaptured() > 0) {
      events.emplace_back(
          PaymentVoided{order_id, p.payment_id, Money{p.uncaptured(), order.currency}});
    }
  }
  return events;
}

Money refund_due(const OrderState& order) { return Money{order.captured_net(), order.currency}; }

int64_t returned_of(const OrderState& order, const Sku& sku) {
  auto it = std::find_if(order.returned.begin(), order.returned.end(),
                         [&](const ReturnLine& r) { return r.sku == sku; });
  return it == order.returned.end() ? 0 : it->quantity.value;
}

const OrderLine* find_line(const OrderState& order, const Sku& sku) {
  auto it = std::find_if(order.lines.begin(), order.lines.end(),
                         [&](const OrderLine& l) { return l.sku == sku; });
  return it == order.lines.end() ? nullptr : &*it;
}

Status check_return_line(const OrderId& order_id, const OrderState& order, const ReturnLine& r) {
  const OrderLine* line = find_line(order, r.sku);
  if (line == nullptr) {
    return fail(ErrorCode::kNotFound,
                "order " + order_id.str() + " has no line for sku " + r.sku.str(),
                {{"order_id", order_id.str()}, {"sku", r.sku.str()}});
  }
  int64_t returnable = line->quantity.value - returned_of(order, r.sku);
  if (r.quantity.value <= returnable) return {};
  return refuse_amount(r.sku.str() + ": " + std::to_string(r.quantity.value) +
                           " returned, but only " + std::to_string(returnable) +
                           " shipped and not yet returned",
                       r.quantity.value, returnable);
}

}  // namespace

Status check_placed(const OrderId& order_id, const OrderState& order) {
  if (order.status != OrderStatus::kNone) return {};
  return refuse_not_found("order", "order_id", order_id.str());
}

Refusal refuse_order_status(const OrderId& order_id, const OrderState& order,
                            std::string_view action) {
  std::string status(order_status_name(order.status));
  return refuse_state("order " + order_id.str() + " is " + status + "; " + std::string(action),
                      {{"order_id", order_id.str()}, {"status", status}});
}

Decision decide(const CancelOrder& command, const Actor& actor, const OrderState& order) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  if (auto s = check_cancel_allowed(actor, order); !s) return std::unexpected(s.error());
  if (order.status != OrderStatus::kAwaitingPayment && order.status != OrderStatus::kPaid) {
    return refuse_order_status(command.order_id, order,
                               "only an order awaiting payment or paid can be cancelled");
  }
  std::vector<EventData> events;
  events.emplace_back(OrderCancelled{command.order_id, command.reason, refund_due(order)});
  return release(order, command.order_id, std::move(events));
}

Decision decide(const ShipOrder& command, const OrderState& order) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  if (order.status != OrderStatus::kPaid) {
    return refuse_order_status(command.order_id, order, "only a paid order can be shipped");
  }
  if (order.captured_net() != order.total.amount) {
    return refuse_state("order " + command.order_id.str() + " has " +
                            std::to_string(order.captured_net()) + " captured net of refunds, " +
                            "not its total " + std::to_string(order.total.amount),
                        {{"order_id", command.order_id.str()},
                         {"captured_net", order.captured_net()},
                         {"total", order.total.amount}});
  }
  std::vector<EventData> events;
  events.emplace_back(OrderShipped{command.order_id, command.carrier, command.tracking});
  for (const OrderLine& line : order.lines) {
    if (order.stock_elsewhere) break;
    events.emplace_back(StockShipped{line.sku, command.order_id, line.quantity});
  }
  return events;
}

Decision decide(const DeliverOrder& command, const OrderState& order) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  if (order.status != OrderStatus::kShipped) {
    return refuse_order_status(command.order_id, order, "only a shipped order can be delivered");
  }
  return accept(OrderDelivered{command.order_id});
}

Decision decide(const ReturnOrderItems& command, const OrderState& order, StateReader& states) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  if (order.status != OrderStatus::kDelivered) {
    return refuse_order_status(command.order_id, order, "only a delivered order takes returns");
  }
  for (const ReturnLine& r : command.lines) {
    if (auto s = check_return_line(command.order_id, order, r); !s) {
      return std::unexpected(s.error());
    }
    if (command.restock && !checked_add(states.product(r.sku).on_hand, r.quantity.value)) {
      return refuse_overflow("on_hand of " + r.sku.str());
    }
  }
  std::vector<EventData> events;
  events.emplace_back(OrderItemsReturned{command.order_id, command.lines, command.restock});
  for (const ReturnLine& r : command.lines) {
    if (command.restock && !order.stock_elsewhere) {
      events.emplace_back(StockReturned{r.sku, command.order_id, r.quantity});
    }
  }
  return events;
}

Decision decide(const PlaceOrder& command, const OrderState& order, const DecideContext& context) {
  if (order.status != OrderStatus::kNone) {
    return std::unexpected(fail(ErrorCode::kAlreadyExists,
                                "order " + command.order_id.str() + " already exists",
                                {{"order_id", command.order_id.str()}}));
  }
  if (!(context.now < command.expires_at)) {
    return refuse_state(
        "order " + command.order_id.str() + " arrived after its holds' expiry " +
            std::to_string(command.expires_at.micros) + "; the checkout must hold its stock again",
        {{"order_id", command.order_id.str()}, {"expires_at", command.expires_at.micros}});
  }
  OrderPlaced placed{command.order_id,
                     command.cart_id,
                     command.customer_id,
                     command.lines,
                     Money{0, command.lines.front().unit_price.currency},
                     command.expires_at,
                     true};
  for (const OrderLine& line : command.lines) {
    std::optional<int64_t> amount = checked_mul(line.unit_price.amount, line.quantity.value);
    if (amount) amount = checked_add(placed.total.amount, *amount);
    if (!amount) return refuse_overflow("order total");
    placed.total.amount = *amount;
  }
  return accept(std::move(placed));
}

Decision decide(const ExpireOrder& command, const OrderState& order, const DecideContext& context) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  if (order.status != OrderStatus::kAwaitingPayment) {
    return refuse_order_status(command.order_id, order, "only an unpaid order expires");
  }
  if (context.now < order.expires_at) {
    return refuse_state("order " + command.order_id.str() + " expires at " +
                            std::to_string(order.expires_at.micros) + ", not yet at " +
                            std::to_string(context.now.micros),
                        {{"order_id", command.order_id.str()},
                         {"expires_at", order.expires_at.micros},
                         {"now", context.now.micros}});
  }
  std::vector<EventData> events;
  events.emplace_back(OrderExpired{command.order_id, refund_due(order)});
  return release(order, command.order_id, std::move(events));
}

}  // namespace stockroom

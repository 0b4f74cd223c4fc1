#include "engine/domain/settle_decider.h"

#include <string>
#include <vector>

#include "engine/domain/product_decider.h"
#include "engine/model/checked_math.h"

namespace stockroom {
namespace {

Status check_line(const SettleStock& c, const ReturnLine& line, const ProductState& product) {
  if (auto s = check_defined(line.sku, product); !s) return s;
  const int64_t q = line.quantity.value;
  if (c.effect == StockEffect::kReturn) {
    if (!checked_add(product.on_hand, q)) return refuse_overflow("on_hand of " + line.sku.str());
    return {};
  }
  if (q <= product.reserved) return {};
  return refuse_amount(line.sku.str() + ": " + std::to_string(q) + " to " +
                           std::string(stock_effect_name(c.effect)) + " for order " +
                           c.order_id.str() + ", but only " + std::to_string(product.reserved) +
                           " reserved",
                       q, product.reserved);
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

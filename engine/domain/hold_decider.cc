#include "engine/domain/hold_decider.h"

#include <string>
#include <utility>
#include <vector>

#include "engine/domain/product_decider.h"

namespace stockroom {
namespace {

std::string hold_name(const OrderId& order_id, uint64_t attempt, const Sku& sku) {
  return "the hold of order " + order_id.str() + " (attempt " + std::to_string(attempt) + ") on " +
         sku.str();
}

std::vector<ErrorDetail> hold_details(const OrderId& order_id, uint64_t attempt, const Sku& sku) {
  return {
      {"order_id", order_id.str()}, {"attempt", static_cast<int64_t>(attempt)}, {"sku", sku.str()}};
}

Refusal refuse_done(std::string what, const OrderId& order_id, uint64_t attempt, const Sku& sku) {
  return fail(ErrorCode::kAlreadyExists, std::move(what), hold_details(order_id, attempt, sku));
}

// What an earlier request left on this line, for a new hold of `attempt`.
Status check_hold_free(const PlaceHold& c, const Sku& sku, const HoldEntry* h) {
  if (h == nullptr) return {};
  if (h->status == HoldStatus::kReleased && h->attempt >= c.attempt) {
    return refuse_state(
        hold_name(c.order_id, c.attempt, sku) + " was released; a late hold is refused",
        hold_details(c.order_id, c.attempt, sku));
  }
  if (h->status == HoldStatus::kReleased) return {};  // an earlier attempt's tombstone
  if (h->attempt == c.attempt) {
    return refuse_done(hold_name(c.order_id, c.attempt, sku) + " is already placed", c.order_id,
                       c.attempt, sku);
  }
  return refuse_state("order " + c.order_id.str() + " already holds " + sku.str() + " (attempt " +
                          std::to_string(h->attempt) + "); release it first",
                      hold_details(c.order_id, c.attempt, sku));
}

}  // namespace

Decision decide(const PlaceHold& c, StateReader& states, const DecideContext& context) {
  if (c.expires_at <= context.now) {
    return refuse_state("the hold of order " + c.order_id.str() + " (attempt " +
                            std::to_string(c.attempt) + ") expired before it arrived",
                        {{"order_id", c.order_id.str()}});
  }
  std::vector<Shortage> shortages;
  std::vector<EventData> events;
  events.reserve(c.lines.size() * 2);
  for (const HoldLine& line : c.lines) {
    const ProductState& product = states.product(line.sku);
    if (auto s = check_active(line.sku, product); !s) return std::unexpected(s.error());
    if (product.price.currency != c.currency) {
      return refuse_currency("cart", c.currency, product.price.currency);
    }
    if (auto s = check_hold_free(c, line.sku, product.hold(c.order_id)); !s) {
      return std::unexpected(s.error());
    }
    if (product.available() < line.quantity.value) {
      shortages.push_back(Shortage{line.sku.str(), line.quantity.value, product.available()});
    }
    events.emplace_back(
        HoldPlaced{line.sku, c.order_id, c.attempt, line.quantity, product.price, c.expires_at});
    events.emplace_back(StockReserved{line.sku, c.order_id, line.quantity});
  }
  if (!shortages.empty()) return refuse_out_of_stock(std::move(shortages));
  return events;
}

Decision decide(const ReleaseHold& c, StateReader& states) {
  std::vector<EventData> events;
  for (const Sku& sku : c.skus) {
    const ProductState& product = states.product(sku);
    // Only a product of this partition: a tombstone must not name another's stream.
    if (auto s = check_defined(sku, product); !s) return std::unexpected(s.error());
    const HoldEntry* h = product.hold(c.order_id);
    if (h != nullptr && h->attempt > c.attempt) continue;  // a later attempt's
    if (h != nullptr && h->status == HoldStatus::kReleased) continue;
    if (h != nullptr && h->status == HoldStatus::kConfirmed) {
      return refuse_state(hold_name(c.order_id, h->attempt, sku) +
                              " is confirmed: the order's cancel or expiry releases it",
                          hold_details(c.order_id, c.attempt, sku));
    }
    const Quantity held{h != nullptr ? h->quantity : 0};
    events.emplace_back(HoldReleased{sku, c.order_id, c.attempt, held, c.reason, c.expires_at});
    if (held.value > 0) events.emplace_back(StockReleased{sku, c.order_id, held});
  }
  if (events.empty()) {
    return refuse_done("the holds of order " + c.order_id.str() + " (attempt " +
                           std::to_string(c.attempt) + ") are already released",
                       c.order_id, c.attempt, c.skus.front());
  }
  return events;
}

Decision decide(const ConfirmHold& c, StateReader& states, const DecideContext& context) {
  std::vector<EventData> events;
  for (const Sku& sku : c.skus) {
    const HoldEntry* h = states.product(sku).hold(c.order_id);
    if (h == nullptr || h->attempt < c.attempt) {
      return refuse_not_found("hold of order " + c.order_id.str() + " on", "sku", sku.str());
    }
    if (h->attempt > c.attempt || h->status == HoldStatus::kReleased) {
      return refuse_state(hold_name(c.order_id, c.attempt, sku) + " was released",
                          hold_details(c.order_id, c.attempt, sku));
    }
    if (h->status == HoldStatus::kConfirmed) continue;
    if (h->expires_at <= context.now) {
      return refuse_state(hold_name(c.order_id, c.attempt, sku) + " expired",
                          hold_details(c.order_id, c.attempt, sku));
    }
    events.emplace_back(HoldConfirmed{sku, c.order_id, c.attempt});
  }
  if (events.empty()) {
    return refuse_done("the holds of order " + c.order_id.str() + " (attempt " +
                           std::to_string(c.attempt) + ") are already confirmed",
                       c.order_id, c.attempt, c.skus.front());
  }
  return events;
}

Decision decide(const ExpireHold& c, const ProductState& product, const DecideContext& context) {
  const HoldEntry* h = product.hold(c.order_id);
  if (h == nullptr || h->status != HoldStatus::kHeld) {
    return refuse_state(
        "order " + c.order_id.str() + " holds nothing of " + c.sku.str() + " to expire",
        {{"order_id", c.order_id.str()}, {"sku", c.sku.str()}});
  }
  if (context.now < h->expires_at) {
    return refuse_state(hold_name(c.order_id, h->attempt, c.sku) + " is not due yet",
                        hold_details(c.order_id, h->attempt, c.sku));
  }
  // A stock.settle release of a cancelled order may have taken the units already.
  const Quantity held{h->quantity};
  HoldReleased released{c.sku, c.order_id, h->attempt, held, "expired", h->expires_at};
  if (held.value == 0) return accept(std::move(released));
  return accept(std::move(released), StockReleased{c.sku, c.order_id, held});
}

}  // namespace stockroom

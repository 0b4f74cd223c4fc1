#include "projections/order_view.h"

#include <algorithm>
#include <array>
#include <variant>

#include "projections/internal/event_keys.h"
#include "projections/internal/saturating.h"

namespace stockroom::projections {
namespace {

using internal::saturating_add;
using internal::saturating_sub;

// Mirrors evolve()'s OrderFold. The deciders bound every amount by the order's total
// (authorize, capture, refund), so the sums cannot overflow; saturating arithmetic
// only keeps a corrupt log from being undefined behaviour.
struct OrderFold {
  OrderView& v;
  Timestamp time;

  void add(Money& field, const Money& amount) const {
    field.amount = saturating_add(field.amount, amount.amount);
  }
  void settle(OrderViewStatus status, const Money& refund_due) const {
    v.status = status;
    v.refund_due.amount = refund_due.amount;
  }

  void operator()(const OrderPlaced& e) const;
  void operator()(const OrderCancelled& e) const {
    settle(OrderViewStatus::kCancelled, e.refund_due);
  }
  void operator()(const OrderExpired& e) const { settle(OrderViewStatus::kExpired, e.refund_due); }
  void operator()(const OrderPaid&) const { v.status = OrderViewStatus::kPaid; }
  void operator()(const OrderShipped&) const { v.status = OrderViewStatus::kShipped; }
  void operator()(const OrderDelivered&) const { v.status = OrderViewStatus::kDelivered; }
  void operator()(const OrderItemsReturned& e) const;
  void operator()(const PaymentAuthorized& e) const { add(v.authorized, e.amount); }
  void operator()(const PaymentCaptured& e) const { add(v.captured, e.amount); }
  void operator()(const PaymentVoided&) const {}
  void operator()(const PaymentFailed&) const {}
  void operator()(const PaymentRefunded& e) const;
  void operator()(const auto&) const {}
};

void OrderFold::operator()(const OrderPlaced& e) const {
  v.customer_id = e.customer_id;
  v.status = OrderViewStatus::kAwaitingPayment;
  v.lines = e.lines;
  v.total = e.total;
  // Every money field is in the order's currency from here on.
  for (Money* m : {&v.authorized, &v.captured, &v.refunded, &v.refund_due}) {
    m->currency = e.total.currency;
  }
  v.placed_at = time;
}

void OrderFold::operator()(const OrderItemsReturned& e) const {
  for (const ReturnLine& r : e.lines) {
    auto it = std::find_if(v.returned.begin(), v.returned.end(),
                           [&](const ReturnLine& l) { return l.sku == r.sku; });
    if (it == v.returned.end()) {
      v.returned.push_back(r);
    } else {
      it->quantity.value = saturating_add(it->quantity.value, r.quantity.value);
    }
  }
}

void OrderFold::operator()(const PaymentRefunded& e) const {
  add(v.refunded, e.amount);
  // After a cancel or expiry, what is owed back shrinks with each refund.
  if (v.status == OrderViewStatus::kCancelled || v.status == OrderViewStatus::kExpired) {
    v.refund_due.amount = saturating_sub(v.refund_due.amount, e.amount.amount);
  }
}

constexpr std::array<std::string_view, 6> kStatusNames = {
    "awaiting_payment", "paid", "shipped", "delivered", "cancelled", "expired",
};

}  // namespace

std::string_view order_status_name(OrderViewStatus status) noexcept {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<OrderViewStatus> order_status_for_name(std::string_view name) noexcept {
  const auto it = std::find(kStatusNames.begin(), kStatusNames.end(), name);
  if (it == kStatusNames.end()) return std::nullopt;
  return static_cast<OrderViewStatus>(it - kStatusNames.begin());
}

void apply(OrderView& view, const RecordedEvent& event) {
  const std::optional<OrderId> id = internal::order_of(event.data);
  if (!id || (!view.order_id.empty() && *id != view.order_id)) return;
  view.order_id = *id;
  std::visit(OrderFold{view, event.time}, event.data);
  view.updated_at = event.time;
  view.version = event.version;
  view.position = event.position;
}

}  // namespace stockroom::projections

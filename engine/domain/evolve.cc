#include "engine/domain/evolve.h"

#include <algorithm>
#include <variant>

namespace stockroom {
namespace {

// Each fold applies the events of its aggregate and answers whether it applied one.

struct ProductFold {
  ProductState& s;

  // Units of an order's hold, held or confirmed, that leave the reservation (a
  // stock.settle, settle_decider.h) are no longer the order's to settle. The release of
  // a hold itself (HoldReleased, then StockReleased) finds it released already.
  void settle_hold(const OrderId& order_id, int64_t quantity) const {
    const HoldEntry* h = s.hold(order_id);
    if (h == nullptr || h->status == HoldStatus::kReleased) return;
    HoldEntry& entry = s.hold_for_update(order_id);
    entry.quantity = std::max<int64_t>(0, entry.quantity - quantity);
  }

  bool operator()(const HoldPlaced& e) const {
    HoldEntry& h = s.hold_for_update(e.order_id);
    h.attempt = e.attempt;
    h.status = HoldStatus::kHeld;
    h.quantity = e.quantity.value;
    h.expires_at = e.expires_at;
    return true;
  }
  bool operator()(const HoldConfirmed& e) const {
    // The order's lifecycle holds the reservation from now on.
    s.hold_for_update(e.order_id).status = HoldStatus::kConfirmed;
    return true;
  }
  bool operator()(const HoldReleased& e) const {
    HoldEntry& h = s.hold_for_update(e.order_id);
    h.attempt = std::max(h.attempt, e.attempt);
    h.status = HoldStatus::kReleased;
    h.quantity = 0;
    h.expires_at = std::max(h.expires_at, e.expires_at);
    return true;
  }

  bool operator()(const ProductDefined& e) const {
    s.defined = true;
    s.name = e.name;
    s.price = e.price;
    return true;
  }
  bool operator()(const ProductRepriced& e) const {
    s.price = e.price;
    return true;
  }
  bool operator()(const ProductRetired&) const {
    s.retired = true;
    return true;
  }
  bool operator()(const StockReceived& e) const {
    s.on_hand += e.quantity.value;
    return true;
  }
  bool operator()(const StockAdjusted& e) const {
    s.on_hand += e.delta.value;
    return true;
  }
  bool operator()(const StockReserved& e) const {
    s.reserved += e.quantity.value;
    return true;
  }
  bool operator()(const StockReleased& e) const {
    s.reserved -= e.quantity.value;
    settle_hold(e.order_id, e.quantity.value);
    return true;
  }
  bool operator()(const StockShipped& e) const {
    s.on_hand -= e.quantity.value;
    s.reserved -= e.quantity.value;
    settle_hold(e.order_id, e.quantity.value);
    return true;
  }
  bool operator()(const StockReturned& e) const {
    s.on_hand += e.quantity.value;
    return true;
  }
  bool operator()(const auto&) const { return false; }
};

struct CartFold {
  CartState& s;

  CartLine* line(const Sku& sku) const {
    auto it = std::find_if(s.lines.begin(), s.lines.end(),
                           [&](const CartLine& l) { return l.sku == sku; });
    return it == s.lines.end() ? nullptr : &*it;
  }

  bool operator()(const CartOpened& e) const {
    s.status = CartStatus::kOpen;
    s.customer_id = e.customer_id;
    s.currency = e.currency;
    return true;
  }
  bool operator()(const CartItemAdded& e) const {
    if (CartLine* l = line(e.sku)) {
      l->quantity.value += e.quantity.value;
      l->unit_price = e.unit_price;
    } else {
      s.lines.push_back(CartLine{e.sku, e.quantity, e.unit_price});
    }
    return true;
  }
  bool operator()(const CartItemRemoved& e) const {
    if (CartLine* l = line(e.sku)) l->quantity.value -= e.quantity.value;
    std::erase_if(s.lines, [](const CartLine& l) { return l.quantity.value <= 0; });
    return true;
  }
  bool operator()(const CartAbandoned&) const {
    s.status = CartStatus::kAbandoned;
    return true;
  }
  bool operator()(const CartCheckedOut& e) const {
    s.status = CartStatus::kCheckedOut;
    s.order_id = e.order_id;
    return true;
  }
  bool operator()(const CheckoutStarted& e) const {
    s.status = CartStatus::kCheckingOut;
    s.order_id = e.order_id;
    s.checkout_attempt = e.attempt;
    s.checkout_expires_at = e.expires_at;
    return true;
  }
  // The attempt still runs (its holds being released) until CheckoutFailed.
  bool operator()(const CheckoutRefused&) const { return true; }
  bool operator()(const CheckoutFailed&) const {
    s.status = CartStatus::kOpen;
    s.order_id = OrderId();
    s.checkout_expires_at = Timestamp{};
    return true;
  }
  bool operator()(const auto&) const { return false; }
};

struct OrderFold {
  OrderState& s;
  Timestamp time;

  PaymentState& payment(const PaymentId& id) const {
    auto it = std::find_if(s.payments.begin(), s.payments.end(),
                           [&](const PaymentState& p) { return p.payment_id == id; });
    if (it != s.payments.end()) return *it;
    return s.payments.emplace_back(PaymentState{.payment_id = id});
  }
  void settle(OrderStatus status, const Money& refund_due) const {
    s.status = status;
    s.refund_due = refund_due.amount;
  }

  bool operator()(const OrderPlaced& e) const {
    s.status = OrderStatus::kAwaitingPayment;
    s.cart_id = e.cart_id;
    s.customer_id = e.customer_id;
    s.currency = e.total.currency;
    s.lines = e.lines;
    s.total = e.total;
    s.placed_at = time;
    s.expires_at = e.expires_at;
    s.stock_elsewhere = e.stock_elsewhere;
    return true;
  }
  bool operator()(const OrderCancelled& e) const {
    settle(OrderStatus::kCancelled, e.refund_due);
    return true;
  }
  bool operator()(const OrderExpired& e) const {
    settle(OrderStatus::kExpired, e.refund_due);
    return true;
  }
  bool operator()(const OrderPaid&) const {
    s.status = OrderStatus::kPaid;
    return true;
  }
  bool operator()(const OrderShipped&) const {
    s.status = OrderStatus::kShipped;
    return true;
  }
  bool operator()(const OrderDelivered&) const {
    s.status = OrderStatus::kDelivered;
    return true;
  }
  bool operator()(const OrderItemsReturned& e) const;
  bool operator()(const PaymentAuthorized& e) const {
    payment(e.payment_id).authorized += e.amount.amount;
    return true;
  }
  bool operator()(const PaymentCaptured& e) const {
    payment(e.payment_id).captured += e.amount.amount;
    return true;
  }
  bool operator()(const PaymentVoided& e) const {
    PaymentState& p = payment(e.payment_id);
    p.voided += e.amount.amount;
    p.status = PaymentStatus::kVoided;
    return true;
  }
  bool operator()(const PaymentFailed& e) const {
    PaymentState& p = payment(e.payment_id);
    p.voided += p.uncaptured();  // an authorization that failed holds nothing any more
    p.status = PaymentStatus::kFailed;
    return true;
  }
  bool operator()(const PaymentRefunded& e) const;
  bool operator()(const auto&) const { return false; }
};

bool OrderFold::operator()(const OrderItemsReturned& e) const {
  for (const ReturnLine& r : e.lines) {
    auto it = std::find_if(s.returned.begin(), s.returned.end(),
                           [&](const ReturnLine& l) { return l.sku == r.sku; });
    if (it == s.returned.end()) {
      s.returned.push_back(r);
    } else {
      it->quantity.value += r.quantity.value;
    }
  }
  return true;
}

bool OrderFold::operator()(const PaymentRefunded& e) const {
  payment(e.payment_id).refunded += e.amount.amount;
  // After a cancel or expiry, what is owed back shrinks with each refund.
  if (s.status == OrderStatus::kCancelled || s.status == OrderStatus::kExpired) {
    s.refund_due -= e.amount.amount;
  }
  return true;
}

struct ReviewFold {
  ReviewState& s;

  template <class E>
  bool rate(const E& e) const {
    s.exists = true;
    s.counts = true;
    s.sku = e.sku;
    s.customer_id = e.customer_id;
    s.order_id = e.order_id;
    s.stars = e.stars;
    s.comment = e.comment;
    return true;
  }
  bool operator()(const ProductRated& e) const { return rate(e); }
  bool operator()(const RatingRevised& e) const { return rate(e); }
  bool operator()(const RatingRejected&) const {
    s.counts = false;
    return true;
  }
  bool operator()(const auto&) const { return false; }
};

template <class State, class Fold>
void fold(State& state, const EventData& event, const Fold& f) {
  if (std::visit(f, event)) ++state.version.value;
}

}  // namespace

void evolve(ProductState& state, const EventData& event, Timestamp time) {
  fold(state, event, ProductFold{state});
  // Tombstones and settled confirmed holds whose expiry has passed guard nothing any
  // more: a request of their attempt is refused as expired by then (state.h, HoldEntry).
  // A confirmed hold with units left stays: its order's stock.settle takes them. Each
  // event of the product forgets the rest, so a fold of the same events is the same
  // state.
  if (!state.holds.empty()) {
    std::erase_if(state.holds, [&](const HoldEntry& h) {
      return h.status != HoldStatus::kHeld && h.quantity == 0 && h.expires_at < time;
    });
  }
}

void evolve(CartState& state, const EventData& event, Timestamp) {
  fold(state, event, CartFold{state});
}

void evolve(OrderState& state, const EventData& event, Timestamp time) {
  fold(state, event, OrderFold{state, time});
}

void evolve(ReviewState& state, const EventData& event, Timestamp) {
  fold(state, event, ReviewFold{state});
}

}  // namespace stockroom

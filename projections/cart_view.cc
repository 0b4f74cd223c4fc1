#include "projections/cart_view.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <variant>

#include "projections/internal/event_keys.h"
#include "projections/internal/saturating.h"

namespace stockroom::projections {
namespace {

using internal::saturating_add;
using internal::saturating_sub;

CartViewLine* find_line(CartView& v, const Sku& sku) {
  auto it = std::find_if(v.lines.begin(), v.lines.end(),
                         [&](const CartViewLine& l) { return l.sku == sku; });
  return it == v.lines.end() ? nullptr : &*it;
}

// Mirrors evolve()'s CartFold, except that prices follow reprices (see reprice()).
struct CartFold {
  CartView& v;

  void operator()(const CartOpened& e) const {
    v.status = CartViewStatus::kOpen;
    v.customer_id = e.customer_id;
    v.currency = e.currency;
  }
  void operator()(const CartItemAdded& e) const {
    if (CartViewLine* l = find_line(v, e.sku)) {
      l->quantity.value = saturating_add(l->quantity.value, e.quantity.value);
      l->unit_price = e.unit_price;
    } else {
      v.lines.push_back(CartViewLine{e.sku, e.quantity, e.unit_price});
    }
  }
  void operator()(const CartItemRemoved& e) const {
    if (CartViewLine* l = find_line(v, e.sku)) {
      l->quantity.value = saturating_sub(l->quantity.value, e.quantity.value);
    }
    std::erase_if(v.lines, [](const CartViewLine& l) { return l.quantity.value <= 0; });
  }
  void operator()(const CartAbandoned&) const { v.status = CartViewStatus::kAbandoned; }
  void operator()(const CartCheckedOut&) const { v.status = CartViewStatus::kCheckedOut; }
  void operator()(const CheckoutStarted&) const { v.status = CartViewStatus::kCheckingOut; }
  void operator()(const CheckoutFailed&) const { v.status = CartViewStatus::kOpen; }
  void operator()(const auto&) const {}
};

void update_total(CartView& v) {
  std::optional<int64_t> total = 0;
  for (const CartViewLine& l : v.lines) {
    if (!total) break;
    const std::optional<int64_t> line = checked_mul(l.quantity.value, l.unit_price.amount);
    total = line ? checked_add(*total, *line) : std::nullopt;
  }
  // Prices and quantities are never negative here, so an overflow is always upward.
  v.total_overflow = !total.has_value();
  v.total = Money{total.value_or(std::numeric_limits<int64_t>::max()), v.currency};
}

// A reprice touches only an open (or checking-out) cart that holds the sku; a closed
// cart keeps the prices it closed with.
void reprice(CartView& v, const ProductRepriced& e, Position position) {
  if (!follows_prices(v.status)) return;
  CartViewLine* line = find_line(v, e.sku);
  if (line == nullptr) return;
  line->unit_price = e.price;
  update_total(v);
  v.position = position;
}

constexpr std::array<std::string_view, 4> kStatusNames = {"open", "checked_out", "abandoned",
                                                          "checking_out"};

}  // namespace

std::string_view cart_status_name(CartViewStatus status) noexcept {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<CartViewStatus> cart_status_for_name(std::string_view name) noexcept {
  const auto it = std::find(kStatusNames.begin(), kStatusNames.end(), name);
  if (it == kStatusNames.end()) return std::nullopt;
  return static_cast<CartViewStatus>(it - kStatusNames.begin());
}

void apply(CartView& view, const RecordedEvent& event) {
  if (const auto* repriced = std::get_if<ProductRepriced>(&event.data)) {
    reprice(view, *repriced, event.position);
    return;
  }
  const std::optional<CartId> id = internal::cart_of(event.data);
  if (!id || (!view.cart_id.empty() && *id != view.cart_id)) return;
  view.cart_id = *id;
  std::visit(CartFold{view}, event.data);
  update_total(view);
  view.version = event.version;
  view.position = event.position;
}

std::vector<Sku> skus_following_prices(const CartView& view) {
  std::vector<Sku> skus;
  if (!follows_prices(view.status)) return skus;
  for (const CartViewLine& l : view.lines) skus.push_back(l.sku);
  return skus;
}

}  // namespace stockroom::projections

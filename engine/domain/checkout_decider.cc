#include "engine/domain/checkout_decider.h"

#include <optional>
#include <string>
#include <vector>

#include "engine/domain/cart_decider.h"
#include "engine/domain/product_decider.h"
#include "engine/model/checked_math.h"

namespace stockroom {
namespace {

Status check_products(const CartState& cart, StateReader& states) {
  for (const CartLine& line : cart.lines) {
    const ProductState& product = states.product(line.sku);
    if (auto s = check_active(line.sku, product); !s) return s;
    if (product.price.currency != cart.currency) {
      return refuse_currency("cart", cart.currency, product.price.currency);
    }
  }
  return {};
}

// The order's lines at the products' current prices, and their total.
Result<OrderPlaced> price_order(const CheckOutCart& command, const CartState& cart,
                                StateReader& states) {
  OrderPlaced placed{
      command.order_id, command.cart_id, cart.customer_id, {}, {0, cart.currency}, {}};
  for (const CartLine& line : cart.lines) {
    const Money& price = states.product(line.sku).price;
    std::optional<int64_t> amount = checked_mul(price.amount, line.quantity.value);
    if (amount) amount = checked_add(placed.total.amount, *amount);
    if (!amount) return refuse_overflow("order total");
    placed.total.amount = *amount;
    placed.lines.push_back(OrderLine{line.sku, line.quantity, price});
  }
  return placed;
}

Status check_stock(const CartState& cart, StateReader& states) {
  std::vector<Shortage> shortages;
  for (const CartLine& line : cart.lines) {
    int64_t available = states.product(line.sku).available();
    if (available < line.quantity.value) {
      shortages.push_back(Shortage{line.sku.str(), line.quantity.value, available});
    }
  }
  if (shortages.empty()) return {};
  return refuse_out_of_stock(std::move(shortages));
}

Status check_order_new(const OrderId& order_id, const OrderState& order) {
  if (order.version.value == 0) return {};
  return fail(ErrorCode::kAlreadyExists, "order " + order_id.str() + " already exists",
              {{"order_id", order_id.str()}});
}

Status check_cart(const CheckOutCart& command, const Actor& actor, StateReader& states) {
  const CartState& cart = states.cart(command.cart_id);
  if (auto s = check_open_cart(command.cart_id, actor, cart); !s) return s;
  if (cart.lines.empty()) {
    return refuse_state("cart " + command.cart_id.str() + " is empty; add an item first",
                        {{"cart_id", command.cart_id.str()}});
  }
  if (auto s = check_order_new(command.order_id, states.order(command.order_id)); !s) return s;
  return check_products(cart, states);
}

}  // namespace

Decision decide(const CheckOutCart& command, const Actor& actor, StateReader& states,
                const DecideContext& context) {
  if (auto s = check_cart(command, actor, states); !s) return std::unexpected(s.error());
  const CartState& cart = states.cart(command.cart_id);
  Result<OrderPlaced> placed = price_order(command, cart, states);
  if (!placed) return std::unexpected(placed.error());
  if (auto s = check_stock(cart, states); !s) return std::unexpected(s.error());
  std::optional<int64_t> expires = checked_add(context.now.micros, context.reservation_ttl.micros);
  if (!expires) return refuse_overflow("expires_at");
  placed->expires_at = Timestamp{*expires};

  std::vector<EventData> events;
  events.reserve(cart.lines.size() + 2);
  events.emplace_back(CartCheckedOut{command.cart_id, command.order_id});
  events.emplace_back(std::move(*placed));
  for (const CartLine& line : cart.lines) {
    events.emplace_back(StockReserved{line.sku, command.order_id, line.quantity});
  }
  return events;
}

}  // namespace stockroom

#include "engine/domain/cart_decider.h"

#include <algorithm>
#include <optional>
#include <string>

#include "engine/domain/policy.h"
#include "engine/domain/product_decider.h"
#include "engine/model/checked_math.h"

namespace stockroom {
namespace {

const CartLine* find_line(const CartState& cart, const Sku& sku) {
  auto it = std::find_if(cart.lines.begin(), cart.lines.end(),
                         [&](const CartLine& l) { return l.sku == sku; });
  return it == cart.lines.end() ? nullptr : &*it;
}

}  // namespace

Status check_open_cart(const CartId& cart_id, const Actor& actor, const CartState& cart) {
  if (cart.status == CartStatus::kNone) return refuse_not_found("cart", "cart_id", cart_id.str());
  if (auto s = check_cart_owner(actor, cart); !s) return s;
  if (cart.status == CartStatus::kOpen) return {};
  std::string status(cart_status_name(cart.status));
  return refuse_state("cart " + cart_id.str() + " is " + status + ", not open",
                      {{"cart_id", cart_id.str()}, {"status", status}});
}

Decision decide(const OpenCart& command, const CartState& cart) {
  if (cart.version.value > 0) {
    return fail(ErrorCode::kAlreadyExists, "cart " + command.cart_id.str() + " already exists",
                {{"cart_id", command.cart_id.str()}});
  }
  return accept(CartOpened{command.cart_id, command.customer_id, command.currency});
}

Decision decide(const AddCartItem& command, const Actor& actor, const CartState& cart,
                const ProductState& product, size_t max_lines) {
  if (auto s = check_open_cart(command.cart_id, actor, cart); !s) {
    return std::unexpected(s.error());
  }
  if (auto s = check_active(command.sku, product); !s) return std::unexpected(s.error());
  if (product.price.currency != cart.currency) {
    return refuse_currency("cart", cart.currency, product.price.currency);
  }
  const CartLine* line = find_line(cart, command.sku);
  std::optional<int64_t> after =
      checked_add(line == nullptr ? 0 : line->quantity.value, command.quantity.value);
  if (!after) return refuse_overflow("quantity of line " + command.sku.str());
  if (*after > kMaxLineQuantity) {
    return refuse_amount("line " + command.sku.str() + " would hold " + std::to_string(*after) +
                             ", above " + std::to_string(kMaxLineQuantity),
                         *after, kMaxLineQuantity);
  }
  if (line == nullptr && cart.lines.size() >= max_lines) {
    return refuse_amount("cart " + command.cart_id.str() + " already holds " +
                             std::to_string(cart.lines.size()) + " lines, the most a cart may hold",
                         static_cast<int64_t>(cart.lines.size()) + 1,
                         static_cast<int64_t>(max_lines));
  }
  return accept(CartItemAdded{command.cart_id, command.sku, command.quantity, product.price});
}

Decision decide(const RemoveCartItem& command, const Actor& actor, const CartState& cart) {
  if (auto s = check_open_cart(command.cart_id, actor, cart); !s) {
    return std::unexpected(s.error());
  }
  const CartLine* line = find_line(cart, command.sku);
  if (line == nullptr) {
    return fail(ErrorCode::kNotFound,
                "cart " + command.cart_id.str() + " has no line for sku " + command.sku.str(),
                {{"cart_id", command.cart_id.str()}, {"sku", command.sku.str()}});
  }
  Quantity removed = command.quantity.value_or(line->quantity);
  if (removed > line->quantity) {
    return refuse_amount(
        "line " + command.sku.str() + " holds only " + std::to_string(line->quantity.value),
        removed.value, line->quantity.value);
  }
  return accept(CartItemRemoved{command.cart_id, command.sku, removed});
}

Decision decide(const AbandonCart& command, const Actor& actor, const CartState& cart) {
  if (auto s = check_open_cart(command.cart_id, actor, cart); !s) {
    return std::unexpected(s.error());
  }
  return accept(CartAbandoned{command.cart_id});
}

}  // namespace stockroom

// The Projection of each view (projection.h), as standard_projections() lists them.
// Each keeps its views under their key (sku, order_id, cart_id) as exactly
// to_json(view), and its auxiliary entries under keys that start with '\x01'.
// Stateless and immutable: safe to share; apply() runs on the writer's thread.
#pragma once

#include <memory>

#include "projections/projection.h"

namespace stockroom::projections::internal {

// "stock": product-* events -> the stock view of their sku.
[[nodiscard]] std::shared_ptr<const Projection> make_stock_projection();

// "order": order-* events -> the order view of their order_id.
[[nodiscard]] std::shared_ptr<const Projection> make_order_projection();

// "rating": review-* events -> the ratings view of their sku. Keeps each customer's
// contribution under "\x01r/<sku>/<customer_id>" = {"stars":n,"counts":bool}.
[[nodiscard]] std::shared_ptr<const Projection> make_rating_projection();

// "cart": cart-* events -> the cart view of their cart_id; ProductRepriced -> every
// open cart holding that sku, found through the index "\x01i/<sku>/<cart_id>" = ""
// that exists exactly while that cart is open and holds that sku.
[[nodiscard]] std::shared_ptr<const Projection> make_cart_projection();

}  // namespace stockroom::projections::internal

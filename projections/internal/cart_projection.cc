#include <algorithm>

#include "projections/cart_view.h"
#include "projections/internal/event_keys.h"
#include "projections/internal/stored_view.h"
#include "projections/internal/view_projections.h"

namespace stockroom::projections::internal {
namespace {

// Concatenated so that no letter after \x01 can be read as part of the hex escape.
constexpr std::string_view kIndexPrefix =
    "\x01"
    "i/";

std::string index_prefix(const Sku& sku) { return std::string(kIndexPrefix) + sku.str() + "/"; }

bool contains(const std::vector<Sku>& skus, const Sku& sku) {
  return std::find(skus.begin(), skus.end(), sku) != skus.end();
}

// Keeps "\x01i/<sku>/<cart_id>" for exactly the skus whose reprices the cart follows
// now, given those it followed before the event.
void update_index(ViewStore& store, const CartId& cart_id, const std::vector<Sku>& before,
                  const std::vector<Sku>& after) {
  for (const Sku& sku : before) {
    if (!contains(after, sku)) store.remove(index_prefix(sku) + cart_id.str());
  }
  for (const Sku& sku : after) {
    if (!contains(before, sku)) store.put(index_prefix(sku) + cart_id.str(), "");
  }
}

// Applies `change` to the cart's view (decoded once per group, see stored_view.h).
template <class Change>
Status update_cart(ViewStore& store, const CartId& cart_id, Change change) {
  return update_view<CartView>(store, cart_id.str(), cart_view_from_json, projections::to_json,
                               change);
}

// Reprices every open cart holding `sku`, as the index lists them.
Status reprice(const RecordedEvent& event, const Sku& sku, ViewStore& store) {
  const std::string prefix = index_prefix(sku);
  Result<std::vector<std::string>> keys = store.keys_with_prefix(prefix);
  if (!keys) return std::unexpected(std::move(keys.error()));
  for (const std::string& key : *keys) {
    const CartId cart_id(std::string_view(key).substr(prefix.size()));
    auto repriced = update_cart(store, cart_id, [&](CartView& view) -> Status {
      // Every stored cart view has its id (CartOpened comes first), a default one not.
      if (view.cart_id.empty()) {
        return fail(ErrorCode::kMalformed, "cart index names a cart that has no view",
                    {{"key", key}});
      }
      projections::apply(view, event);
      return {};
    });
    if (!repriced) return repriced;
  }
  return {};
}

class CartProjection final : public Projection {
 public:
  [[nodiscard]] std::string_view name() const override { return "cart"; }

  [[nodiscard]] Status apply(const RecordedEvent& event, ViewStore& store) const override {
    if (const auto* repriced = std::get_if<ProductRepriced>(&event.data)) {
      return reprice(event, repriced->sku, store);
    }
    const std::optional<CartId> cart_id = cart_of(event.data);
    if (!cart_id) return {};
    std::vector<Sku> before;
    std::vector<Sku> after;
    auto updated = update_cart(store, *cart_id, [&](CartView& view) -> Status {
      before = skus_following_prices(view);
      projections::apply(view, event);
      after = skus_following_prices(view);
      return {};
    });
    if (!updated) return updated;
    update_index(store, *cart_id, before, after);
    return {};
  }
};

}  // namespace

std::shared_ptr<const Projection> make_cart_projection() {
  return std::make_shared<const CartProjection>();
}

}  // namespace stockroom::projections::internal

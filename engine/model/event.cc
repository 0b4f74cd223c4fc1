#include "engine/model/event.h"

#include <array>

namespace stockroom {
namespace {

// Names in the order of the EventData variant's alternatives.
constexpr std::array<std::string_view, std::variant_size_v<EventData>> kEventNames = {
    "ProductDefined",     "ProductRepriced",   "ProductRetired",  "StockReceived",
    "StockAdjusted",      "StockReserved",     "StockReleased",   "StockShipped",
    "StockReturned",      "CartOpened",        "CartItemAdded",   "CartItemRemoved",
    "CartAbandoned",      "CartCheckedOut",    "OrderPlaced",     "OrderCancelled",
    "OrderExpired",       "OrderPaid",         "OrderShipped",    "OrderDelivered",
    "OrderItemsReturned", "PaymentAuthorized", "PaymentCaptured", "PaymentVoided",
    "PaymentFailed",      "PaymentRefunded",   "ProductRated",    "RatingRevised",
    "RatingRejected",     "HoldPlaced",        "HoldConfirmed",   "HoldReleased",
    "CheckoutStarted",    "CheckoutFailed",    "CheckoutRefused",
};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// GCC deduces an aggregate's arguments (P1816); clang 16 (the fuzz build) needs the guide.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::string_view event_type_name(const EventData& event) noexcept {
  return kEventNames[event.index()];
}

std::span<const std::string_view> event_type_names() noexcept { return kEventNames; }

namespace {

constexpr std::array<StreamKindName, 4> kStreamKinds = {{
    {AggregateKind::kProduct, "product", "product-", "stock"},
    {AggregateKind::kCart, "cart", "cart-", "cart"},
    {AggregateKind::kOrder, "order", "order-", "order"},
    {AggregateKind::kReview, "review", "review-", "rating"},
}};

std::string prefixed(AggregateKind kind, std::string_view id) {
  std::string name(kStreamKinds[static_cast<size_t>(kind)].prefix);
  name += id;
  return name;
}

}  // namespace

std::span<const StreamKindName> stream_kinds() noexcept { return kStreamKinds; }

std::optional<StreamKindName> stream_kind_of(std::string_view stream) noexcept {
  for (const StreamKindName& k : kStreamKinds) {
    if (stream.size() > k.prefix.size() && stream.starts_with(k.prefix)) return k;
  }
  return std::nullopt;
}

std::string product_stream(const Sku& sku) { return prefixed(AggregateKind::kProduct, sku.str()); }
std::string cart_stream(const CartId& cart_id) {
  return prefixed(AggregateKind::kCart, cart_id.str());
}
std::string order_stream(const OrderId& order_id) {
  return prefixed(AggregateKind::kOrder, order_id.str());
}
// '~' is outside the id alphabet, so two different (sku, customer) pairs never share a
// stream (with '-', "A-b"+"c" and "A"+"b-c" would).
std::string review_stream(const Sku& sku, const CustomerId& customer_id) {
  return prefixed(AggregateKind::kReview, sku.str() + "~" + customer_id.str());
}

std::string stream_of(const EventData& event) {
  // Each event names its aggregate by its leading id field.
  return std::visit(Overloaded{
                        [](const ProductDefined& e) { return product_stream(e.sku); },
                        [](const ProductRepriced& e) { return product_stream(e.sku); },
                        [](const ProductRetired& e) { return product_stream(e.sku); },
                        [](const StockReceived& e) { return product_stream(e.sku); },
                        [](const StockAdjusted& e) { return product_stream(e.sku); },
                        [](const StockReserved& e) { return product_stream(e.sku); },
                        [](const StockReleased& e) { return product_stream(e.sku); },
                        [](const StockShipped& e) { return product_stream(e.sku); },
                        [](const StockReturned& e) { return product_stream(e.sku); },
                        [](const HoldPlaced& e) { return product_stream(e.sku); },
                        [](const HoldConfirmed& e) { return product_stream(e.sku); },
                        [](const HoldReleased& e) { return product_stream(e.sku); },
                        [](const CartOpened& e) { return cart_stream(e.cart_id); },
                        [](const CartItemAdded& e) { return cart_stream(e.cart_id); },
                        [](const CartItemRemoved& e) { return cart_stream(e.cart_id); },
                        [](const CartAbandoned& e) { return cart_stream(e.cart_id); },
                        [](const CartCheckedOut& e) { return cart_stream(e.cart_id); },
                        [](const CheckoutStarted& e) { return cart_stream(e.cart_id); },
                        [](const CheckoutFailed& e) { return cart_stream(e.cart_id); },
                        [](const CheckoutRefused& e) { return cart_stream(e.cart_id); },
                        [](const ProductRated& e) { return review_stream(e.sku, e.customer_id); },
                        [](const RatingRevised& e) { return review_stream(e.sku, e.customer_id); },
                        [](const RatingRejected& e) { return review_stream(e.sku, e.customer_id); },
                        // Every other event is an order's (its lifecycle and its payments).
                        [](const auto& e) { return order_stream(e.order_id); },
                    },
                    event);
}

}  // namespace stockroom

// Which view an event concerns: the key of its stock, order, cart or review view.
// Pure; each returns nullopt for the events of other aggregates.
#pragma once

#include <optional>
#include <type_traits>
#include <variant>

#include "engine/model/event.h"

namespace stockroom::projections::internal {

template <class E, class... Ts>
inline constexpr bool kIsOneOf = (std::is_same_v<E, Ts> || ...);

template <class E>
inline constexpr bool kIsProductEvent =
    kIsOneOf<E, ProductDefined, ProductRepriced, ProductRetired, StockReceived, StockAdjusted,
             StockReserved, StockReleased, StockShipped, StockReturned, HoldPlaced, HoldConfirmed,
             HoldReleased>;

template <class E>
inline constexpr bool kIsCartEvent =
    kIsOneOf<E, CartOpened, CartItemAdded, CartItemRemoved, CartAbandoned, CartCheckedOut,
             CheckoutStarted, CheckoutFailed, CheckoutRefused>;

// Stock events carry an order_id too but belong to the product stream.
template <class E>
inline constexpr bool kIsOrderEvent =
    kIsOneOf<E, OrderPlaced, OrderCancelled, OrderExpired, OrderPaid, OrderShipped, OrderDelivered,
             OrderItemsReturned, PaymentAuthorized, PaymentCaptured, PaymentVoided, PaymentFailed,
             PaymentRefunded>;

template <class E>
inline constexpr bool kIsReviewEvent = kIsOneOf<E, ProductRated, RatingRevised, RatingRejected>;

[[nodiscard]] inline std::optional<Sku> product_of(const EventData& event) {
  return std::visit(
      [](const auto& e) -> std::optional<Sku> {
        if constexpr (kIsProductEvent<std::decay_t<decltype(e)>>) return e.sku;
        return std::nullopt;
      },
      event);
}

[[nodiscard]] inline std::optional<CartId> cart_of(const EventData& event) {
  return std::visit(
      [](const auto& e) -> std::optional<CartId> {
        if constexpr (kIsCartEvent<std::decay_t<decltype(e)>>) return e.cart_id;
        return std::nullopt;
      },
      event);
}

[[nodiscard]] inline std::optional<OrderId> order_of(const EventData& event) {
  return std::visit(
      [](const auto& e) -> std::optional<OrderId> {
        if constexpr (kIsOrderEvent<std::decay_t<decltype(e)>>) return e.order_id;
        return std::nullopt;
      },
      event);
}

struct ReviewKey {
  Sku sku;
  CustomerId customer_id;
};

[[nodiscard]] inline std::optional<ReviewKey> review_of(const EventData& event) {
  return std::visit(
      [](const auto& e) -> std::optional<ReviewKey> {
        if constexpr (kIsReviewEvent<std::decay_t<decltype(e)>>) {
          return ReviewKey{e.sku, e.customer_id};
        }
        return std::nullopt;
      },
      event);
}

}  // namespace stockroom::projections::internal

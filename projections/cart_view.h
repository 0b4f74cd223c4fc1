// The cart view (domain.md, "Read models"): one cart at CURRENT prices, keyed by
// cart_id, kept from the cart-<cart_id> stream and from the ProductRepriced events of
// the skus an open cart holds. Pure: no I/O.
//
// Prices: a line takes CartItemAdded's unit_price (the product's price when added)
// and, while the cart is open, every later ProductRepriced of its sku. A reprice
// moves `position` to the reprice's position but leaves `version` (the cart stream's)
// as it is. A checked-out or abandoned cart keeps the prices it had when it closed.
// total = sum of quantity x unit_price in the cart's currency; the deciders bound a
// line to 1,000,000 units but not prices, so a sum beyond int64 saturates at its
// maximum and total_overflow says that it did: the amount is then not the sum
// (checkout refuses such a cart with AMOUNT_EXCEEDED).
//
// JSON (field order fixed; the stored bytes are what query.cart returns):
//   {"cart_id":"c-1","customer_id":"alice","status":"open","currency":"EUR",
//    "lines":[{"sku":"SKU-1","quantity":2,"unit_price":{"amount":1000,"currency":"EUR"}}],
//    "total":{"amount":2000,"currency":"EUR"},"version":3,"position":40}
// "total_overflow":true follows "total" only while the total overflows, so every view
// that never overflowed keeps the bytes it had before the field existed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/event.h"
#include "engine/model/types.h"

namespace stockroom::projections {

// kCheckingOut: a checkout across partitions is running (cluster mode, CheckoutStarted);
// its prices still follow reprices, as an open cart's do, and a failed checkout makes
// it open again.
enum class CartViewStatus : uint8_t { kOpen, kCheckedOut, kAbandoned, kCheckingOut };

// Whether a cart in `status` follows the reprices of its skus: open or checking out.
[[nodiscard]] constexpr bool follows_prices(CartViewStatus status) noexcept {
  return status == CartViewStatus::kOpen || status == CartViewStatus::kCheckingOut;
}

// The cart projection keeps an auxiliary entry "<this prefix><cart_id>" (empty value)
// for every cart whose checkout across partitions is running, so that a new owner of
// the partition finds them (Engine::scan_view("cart", prefix, n)). Concatenated so
// that no letter after \x01 is read as part of the escape.
inline constexpr std::string_view kCheckingOutPrefix =
    "\x01"
    "c/";

// "open", "checked_out", "abandoned", "checking_out".
[[nodiscard]] std::string_view cart_status_name(CartViewStatus status) noexcept;
[[nodiscard]] std::optional<CartViewStatus> cart_status_for_name(std::string_view name) noexcept;

struct CartViewLine {
  Sku sku;
  Quantity quantity;
  Money unit_price;  // the product's current price while the cart is open
  bool operator==(const CartViewLine&) const = default;
};

struct CartView {
  CartId cart_id;
  CustomerId customer_id;
  CartViewStatus status = CartViewStatus::kOpen;
  Currency currency;
  std::vector<CartViewLine> lines;  // in order of first addition; none with quantity 0
  Money total;
  bool total_overflow = false;  // total.amount saturated at INT64_MAX: not the sum
  StreamVersion version;        // the cart stream's version
  Position position;            // the last event applied, a reprice included
  bool operator==(const CartView&) const = default;
};

// Folds one event: the cart's own events (like evolve()'s CartFold), and a
// ProductRepriced of a sku the cart holds while it is open. Anything else, or the
// events of another cart than a non-empty view.cart_id, leaves the view unchanged.
void apply(CartView& view, const RecordedEvent& event);

// The skus whose reprices this view follows: its lines' skus while open, else none.
[[nodiscard]] std::vector<Sku> skus_following_prices(const CartView& view);

[[nodiscard]] std::string to_json(const CartView& view);

// The inverse of to_json; kMalformed for anything that is not a cart view's JSON.
[[nodiscard]] Result<CartView> cart_view_from_json(std::string_view json);

}  // namespace stockroom::projections

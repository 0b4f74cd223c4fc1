// Aggregate states: what a decider needs to know about one stream, folded from its
// events by evolve() (evolve.h). Plain values; the engine caches them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/types.h"

namespace stockroom {

// A hold on a product's stock (command.h, PlaceHold) while it matters: held until
// confirmed or released; confirmed (the order's own lifecycle has the reservation)
// while units of it are left for the order's stock.settle to ship or release, then
// until its expiry; released (a tombstone) until its expiry, after which any request
// of its attempt is refused as expired anyway. `quantity` is what the order still
// holds. Bounded by the holds of the last TTL plus the open orders placed elsewhere.
enum class HoldStatus : uint8_t { kHeld, kConfirmed, kReleased };
struct HoldEntry {
  OrderId order_id;
  uint64_t attempt = 0;
  HoldStatus status = HoldStatus::kHeld;
  int64_t quantity = 0;
  Timestamp expires_at;
  bool operator==(const HoldEntry&) const = default;
};

// product-<sku>: the catalogue entry and its stock.
struct ProductState {
  StreamVersion version;  // 0: nothing recorded, the product is not defined
  bool defined = false;
  std::string name;
  Money price;
  bool retired = false;
  int64_t on_hand = 0;
  int64_t reserved = 0;
  std::vector<HoldEntry> holds;  // by order id, ascending
  [[nodiscard]] int64_t available() const noexcept { return on_hand - reserved; }
  [[nodiscard]] const HoldEntry* hold(const OrderId& order_id) const noexcept;
  // The entry of `order_id`, inserted in order (empty, held, attempt 0) when absent:
  // for evolve(), the one writer of `holds`.
  [[nodiscard]] HoldEntry& hold_for_update(const OrderId& order_id);
  bool operator==(const ProductState&) const = default;
};

// kCheckingOut: a checkout across partitions is running (CheckoutStarted); the cart
// takes no change until it ends.
enum class CartStatus : uint8_t { kNone, kOpen, kCheckedOut, kAbandoned, kCheckingOut };

struct CartLine {
  Sku sku;
  Quantity quantity;
  Money unit_price;  // price when last added; the cart view shows current prices
  bool operator==(const CartLine&) const = default;
};

// cart-<cart_id>.
struct CartState {
  StreamVersion version;
  CartStatus status = CartStatus::kNone;
  CustomerId customer_id;
  Currency currency;
  std::vector<CartLine> lines;    // in order of first addition; no zero-quantity line
  OrderId order_id;               // set once checked out, or while checking out
  uint64_t checkout_attempt = 0;  // the last CheckoutStarted's (0: none yet)
  Timestamp checkout_expires_at;  // the running checkout's holds' expiry
  bool operator==(const CartState&) const = default;
};

enum class OrderStatus : uint8_t {
  kNone,
  kAwaitingPayment,
  kPaid,
  kShipped,
  kDelivered,
  kCancelled,
  kExpired,
};

enum class PaymentStatus : uint8_t { kAuthorized, kVoided, kFailed };

struct PaymentState {
  PaymentId payment_id;
  PaymentStatus status = PaymentStatus::kAuthorized;
  int64_t authorized = 0;  // minor units of the order's currency
  int64_t captured = 0;
  int64_t refunded = 0;
  int64_t voided = 0;  // authorized remainder released by a void, a failure or a cancel
  [[nodiscard]] int64_t uncaptured() const noexcept { return authorized - captured - voided; }
  bool operator==(const PaymentState&) const = default;
};

// order-<order_id>: the order, its payments, shipment and returns.
struct OrderState {
  StreamVersion version;
  OrderStatus status = OrderStatus::kNone;
  CartId cart_id;
  CustomerId customer_id;
  Currency currency;
  std::vector<OrderLine> lines;
  Money total;
  Timestamp placed_at;
  Timestamp expires_at;
  std::vector<PaymentState> payments;  // in order of first appearance
  std::vector<ReturnLine> returned;    // per sku, what has come back so far
  int64_t refund_due = 0;              // after cancel: captured - refunded still owed
  bool stock_elsewhere = false;        // OrderPlaced::stock_elsewhere
  [[nodiscard]] int64_t captured_net() const noexcept;  // sum of captured - refunded
  bool operator==(const OrderState&) const = default;
};

// review-<sku>~<customer_id>: one customer's rating of one product.
struct ReviewState {
  StreamVersion version;
  bool exists = false;
  bool counts = false;  // false after RatingRejected until the next revise
  Sku sku;
  CustomerId customer_id;
  OrderId order_id;
  int32_t stars = 0;
  std::string comment;
  bool operator==(const ReviewState&) const = default;
};

}  // namespace stockroom

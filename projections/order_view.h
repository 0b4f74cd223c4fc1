// The order status view (domain.md, "Read models"): one order, its money and its
// returns, keyed by order_id, kept from the order-<order_id> stream. Pure: no I/O.
//
// Money fields are in the order's currency:
//   total       OrderPlaced's total
//   authorized  the sum of PaymentAuthorized amounts, gross: voids and failures do not
//               lower it (what was released is authorized - captured on the payments,
//               which the view does not break down)
//   captured    the sum of PaymentCaptured
//   refunded    the sum of PaymentRefunded
//   refund_due  set by OrderCancelled / OrderExpired, lowered by each later refund
//               (evolve()'s rule); 0 while the order is live
// `returned` sums OrderItemsReturned per sku, in order of first return. Times are
// RFC 3339 UTC with microseconds: placed_at is OrderPlaced's time, updated_at the time
// of the last event applied.
//
// JSON (field order fixed; the stored bytes are what query.order returns):
//   {"order_id":"o-1","customer_id":"alice","status":"paid",
//    "lines":[{"sku":"SKU-1","quantity":2,"unit_price":{"amount":1000,"currency":"EUR"}}],
//    "total":{...},"authorized":{...},"captured":{...},"refunded":{...},"refund_due":{...},
//    "returned":[{"sku":"SKU-1","quantity":1}],
//    "placed_at":"2026-11-24T16:18:00.123456Z","updated_at":"2026-11-24T16:19:02.000000Z",
//    "version":3,"position":42}
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/event.h"
#include "engine/model/types.h"

namespace stockroom::projections {

enum class OrderViewStatus : uint8_t {
  kAwaitingPayment,
  kPaid,
  kShipped,
  kDelivered,
  kCancelled,
  kExpired,
};

// "awaiting_payment", "paid", "shipped", "delivered", "cancelled", "expired".
[[nodiscard]] std::string_view order_status_name(OrderViewStatus status) noexcept;
[[nodiscard]] std::optional<OrderViewStatus> order_status_for_name(std::string_view name) noexcept;

struct OrderView {
  OrderId order_id;
  CustomerId customer_id;
  OrderViewStatus status = OrderViewStatus::kAwaitingPayment;
  std::vector<OrderLine> lines;
  Money total;
  Money authorized;
  Money captured;
  Money refunded;
  Money refund_due;
  std::vector<ReturnLine> returned;
  Timestamp placed_at;
  Timestamp updated_at;
  StreamVersion version;  // the order stream's version
  Position position;      // the last event applied
  bool operator==(const OrderView&) const = default;
};

// Folds one event of the order stream (lifecycle and payments). Events of other
// streams, or of another order than a non-empty view.order_id, leave it unchanged.
void apply(OrderView& view, const RecordedEvent& event);

[[nodiscard]] std::string to_json(const OrderView& view);

// The inverse of to_json; kMalformed for anything that is not an order view's JSON.
[[nodiscard]] Result<OrderView> order_view_from_json(std::string_view json);

}  // namespace stockroom::projections

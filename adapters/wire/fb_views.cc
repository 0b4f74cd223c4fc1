#include "adapters/wire/fb_views.h"

#include <string>
#include <utility>
#include <vector>

#include "adapters/wire/fb_values.h"
#include "projections/cart_view.h"
#include "projections/order_view.h"
#include "projections/rating_view.h"
#include "projections/stock_view.h"

namespace stockroom::wire::fbcodec {
namespace {

template <class T>
QueryBodyRef body(flatbuffers::Offset<T> table) {
  return {fb::QueryBodyTraits<T>::enum_value, table.Union()};
}

fb::OrderStatus status_of(projections::OrderViewStatus status) {
  using S = projections::OrderViewStatus;
  switch (status) {
    case S::kAwaitingPayment:
      return fb::OrderStatus::awaiting_payment;
    case S::kPaid:
      return fb::OrderStatus::paid;
    case S::kShipped:
      return fb::OrderStatus::shipped;
    case S::kDelivered:
      return fb::OrderStatus::delivered;
    case S::kCancelled:
      return fb::OrderStatus::cancelled;
    case S::kExpired:
      return fb::OrderStatus::expired;
  }
  return fb::OrderStatus::awaiting_payment;
}

fb::CartStatus status_of(projections::CartViewStatus status) {
  using S = projections::CartViewStatus;
  switch (status) {
    case S::kOpen:
      return fb::CartStatus::open;
    case S::kCheckedOut:
      return fb::CartStatus::checked_out;
    case S::kAbandoned:
      return fb::CartStatus::abandoned;
    case S::kCheckingOut:
      return fb::CartStatus::checking_out;
  }
  return fb::CartStatus::open;
}

QueryBodyRef put_stock(Builder& b, const projections::StockView& v) {
  const StringRef sku = b.CreateString(v.sku.str());
  const StringRef name = b.CreateString(v.name);
  const auto price = put_money(b, v.price);
  return body(fb::CreateStockView(b, sku, name, price, v.retired, v.on_hand, v.reserved,
                                  v.available(), v.version.value, v.position.value));
}

flatbuffers::Offset<fb::OrderLine> put_order_line(Builder& b, const OrderLine& line) {
  const StringRef sku = b.CreateString(line.sku.str());
  const auto unit_price = put_money(b, line.unit_price);
  return fb::CreateOrderLine(b, sku, line.quantity.value, unit_price);
}

flatbuffers::Offset<fb::ReturnLine> put_return_line(Builder& b, const ReturnLine& line) {
  const StringRef sku = b.CreateString(line.sku.str());
  return fb::CreateReturnLine(b, sku, line.quantity.value);
}

QueryBodyRef put_order(Builder& b, const projections::OrderView& v) {
  const StringRef order_id = b.CreateString(v.order_id.str());
  const StringRef customer_id = b.CreateString(v.customer_id.str());
  std::vector<flatbuffers::Offset<fb::OrderLine>> line_items;
  line_items.reserve(v.lines.size());
  for (const OrderLine& line : v.lines) line_items.push_back(put_order_line(b, line));
  const auto lines = b.CreateVector(line_items);
  const auto total = put_money(b, v.total);
  const auto authorized = put_money(b, v.authorized);
  const auto captured = put_money(b, v.captured);
  const auto refunded = put_money(b, v.refunded);
  const auto refund_due = put_money(b, v.refund_due);
  std::vector<flatbuffers::Offset<fb::ReturnLine>> returned_items;
  returned_items.reserve(v.returned.size());
  for (const ReturnLine& line : v.returned) returned_items.push_back(put_return_line(b, line));
  const auto returned = b.CreateVector(returned_items);
  return body(fb::CreateOrderView(b, order_id, customer_id, status_of(v.status), lines, total,
                                  authorized, captured, refunded, refund_due, returned,
                                  v.placed_at.micros, v.updated_at.micros, v.version.value,
                                  v.position.value));
}

QueryBodyRef put_rating(Builder& b, const projections::RatingView& v) {
  const StringRef sku = b.CreateString(v.sku.str());
  const auto histogram = b.CreateVector(v.histogram.data(), v.histogram.size());
  return body(fb::CreateRatingView(b, sku, v.count, v.average_hundredths(), histogram, v.version,
                                   v.position.value));
}

flatbuffers::Offset<fb::CartViewLine> put_cart_line(Builder& b,
                                                    const projections::CartViewLine& line) {
  const StringRef sku = b.CreateString(line.sku.str());
  const auto unit_price = put_money(b, line.unit_price);
  return fb::CreateCartViewLine(b, sku, line.quantity.value, unit_price);
}

QueryBodyRef put_cart(Builder& b, const projections::CartView& v) {
  const StringRef cart_id = b.CreateString(v.cart_id.str());
  const StringRef customer_id = b.CreateString(v.customer_id.str());
  const StringRef currency = b.CreateString(v.currency.str());
  std::vector<flatbuffers::Offset<fb::CartViewLine>> line_items;
  line_items.reserve(v.lines.size());
  for (const projections::CartViewLine& line : v.lines) {
    line_items.push_back(put_cart_line(b, line));
  }
  const auto lines = b.CreateVector(line_items);
  const auto total = put_money(b, v.total);
  return body(fb::CreateCartView(b, cart_id, customer_id, status_of(v.status), currency, lines,
                                 total, v.version.value, v.position.value, v.total_overflow));
}

// Parses with `parse` and builds with `put`, or passes the parse error on.
template <class Parse, class Put>
Result<QueryBodyRef> parse_then_put(Builder& b, std::string_view json, Parse parse, Put put) {
  auto view = parse(json);
  if (!view) return std::unexpected(std::move(view.error()));
  return put(b, *view);
}

}  // namespace

Result<QueryBodyRef> put_view(Builder& b, std::string_view view, std::string_view json) {
  if (view == "stock") return parse_then_put(b, json, projections::stock_view_from_json, put_stock);
  if (view == "order") return parse_then_put(b, json, projections::order_view_from_json, put_order);
  if (view == "rating") {
    return parse_then_put(b, json, projections::rating_view_from_json, put_rating);
  }
  if (view == "cart") return parse_then_put(b, json, projections::cart_view_from_json, put_cart);
  return fail(ErrorCode::kMalformed, "no view has the shape \"" + std::string(view) + "\"");
}

}  // namespace stockroom::wire::fbcodec

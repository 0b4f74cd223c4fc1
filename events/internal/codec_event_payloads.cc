#include "events/internal/codec_event_payloads.h"

#include <array>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "events/internal/codec_union.h"

namespace stockroom::events::codec {
namespace {

template <class T>
using Ref = flatbuffers::Offset<T>;

// ---- writing: one overload per event; it names the table the event maps to ----

Ref<fb::OrderLine> put_order_line(Builder& b, const OrderLine& line) {
  const StringRef sku = put_id(b, line.sku);
  const auto unit_price = put_money(b, line.unit_price);
  return fb::CreateOrderLine(b, sku, line.quantity.value, unit_price);
}

Ref<TableVector<fb::OrderLine>> put_order_lines(Builder& b, const std::vector<OrderLine>& lines) {
  std::vector<Ref<fb::OrderLine>> offsets;
  offsets.reserve(lines.size());
  for (const OrderLine& line : lines) offsets.push_back(put_order_line(b, line));
  return b.CreateVector(offsets);
}

Ref<fb::ProductDefined> put(Builder& b, const ProductDefined& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef name = put_text(b, e.name);
  const auto price = put_money(b, e.price);
  return fb::CreateProductDefined(b, sku, name, price);
}

Ref<fb::ProductRepriced> put(Builder& b, const ProductRepriced& e) {
  const StringRef sku = put_id(b, e.sku);
  const auto price = put_money(b, e.price);
  return fb::CreateProductRepriced(b, sku, price);
}

Ref<fb::ProductRetired> put(Builder& b, const ProductRetired& e) {
  return fb::CreateProductRetired(b, put_id(b, e.sku));
}

Ref<fb::StockReceived> put(Builder& b, const StockReceived& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef reference = put_text(b, e.reference);
  return fb::CreateStockReceived(b, sku, e.quantity.value, reference);
}

Ref<fb::StockAdjusted> put(Builder& b, const StockAdjusted& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef reason = put_text(b, e.reason);
  return fb::CreateStockAdjusted(b, sku, e.delta.value, reason);
}

// The four stock movements of an order share one shape: {sku, order_id, quantity}.
template <class Fb, class E, class Create>
Ref<Fb> put_stock_move(Builder& b, const E& e, Create create) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef order_id = put_id(b, e.order_id);
  return create(b, sku, order_id, e.quantity.value);
}

Ref<fb::StockReserved> put(Builder& b, const StockReserved& e) {
  return put_stock_move<fb::StockReserved>(b, e, fb::CreateStockReserved);
}

Ref<fb::StockReleased> put(Builder& b, const StockReleased& e) {
  return put_stock_move<fb::StockReleased>(b, e, fb::CreateStockReleased);
}

Ref<fb::StockShipped> put(Builder& b, const StockShipped& e) {
  return put_stock_move<fb::StockShipped>(b, e, fb::CreateStockShipped);
}

Ref<fb::StockReturned> put(Builder& b, const StockReturned& e) {
  return put_stock_move<fb::StockReturned>(b, e, fb::CreateStockReturned);
}

Ref<fb::CartOpened> put(Builder& b, const CartOpened& e) {
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef customer_id = put_id(b, e.customer_id);
  const StringRef currency = put_currency(b, e.currency);
  return fb::CreateCartOpened(b, cart_id, customer_id, currency);
}

Ref<fb::CartItemAdded> put(Builder& b, const CartItemAdded& e) {
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef sku = put_id(b, e.sku);
  const auto unit_price = put_money(b, e.unit_price);
  return fb::CreateCartItemAdded(b, cart_id, sku, e.quantity.value, unit_price);
}

Ref<fb::CartItemRemoved> put(Builder& b, const CartItemRemoved& e) {
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef sku = put_id(b, e.sku);
  return fb::CreateCartItemRemoved(b, cart_id, sku, e.quantity.value);
}

Ref<fb::CartAbandoned> put(Builder& b, const CartAbandoned& e) {
  return fb::CreateCartAbandoned(b, put_id(b, e.cart_id));
}

Ref<fb::CartCheckedOut> put(Builder& b, const CartCheckedOut& e) {
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef order_id = put_id(b, e.order_id);
  return fb::CreateCartCheckedOut(b, cart_id, order_id);
}

Ref<fb::OrderPlaced> put(Builder& b, const OrderPlaced& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef customer_id = put_id(b, e.customer_id);
  const auto lines = put_order_lines(b, e.lines);
  const auto total = put_money(b, e.total);
  return fb::CreateOrderPlaced(b, order_id, cart_id, customer_id, lines, total, e.expires_at.micros,
                               e.stock_elsewhere);
}

Ref<fb::OrderCancelled> put(Builder& b, const OrderCancelled& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef reason = put_text(b, e.reason);
  const auto refund_due = put_money(b, e.refund_due);
  return fb::CreateOrderCancelled(b, order_id, reason, refund_due);
}

Ref<fb::OrderExpired> put(Builder& b, const OrderExpired& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const auto refund_due = put_money(b, e.refund_due);
  return fb::CreateOrderExpired(b, order_id, refund_due);
}

Ref<fb::OrderPaid> put(Builder& b, const OrderPaid& e) {
  return fb::CreateOrderPaid(b, put_id(b, e.order_id));
}

Ref<fb::OrderShipped> put(Builder& b, const OrderShipped& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef carrier = put_text(b, e.carrier);
  const StringRef tracking = put_text(b, e.tracking);
  return fb::CreateOrderShipped(b, order_id, carrier, tracking);
}

Ref<fb::OrderDelivered> put(Builder& b, const OrderDelivered& e) {
  return fb::CreateOrderDelivered(b, put_id(b, e.order_id));
}

Ref<fb::OrderItemsReturned> put(Builder& b, const OrderItemsReturned& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const auto lines = put_return_lines(b, e.lines);
  return fb::CreateOrderItemsReturned(b, order_id, lines, e.restock);
}

Ref<fb::PaymentAuthorized> put(Builder& b, const PaymentAuthorized& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef payment_id = put_id(b, e.payment_id);
  const auto amount = put_money(b, e.amount);
  const StringRef provider_ref = put_text(b, e.provider_ref);
  return fb::CreatePaymentAuthorized(b, order_id, payment_id, amount, provider_ref);
}

Ref<fb::PaymentCaptured> put(Builder& b, const PaymentCaptured& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef payment_id = put_id(b, e.payment_id);
  const auto amount = put_money(b, e.amount);
  return fb::CreatePaymentCaptured(b, order_id, payment_id, amount);
}

Ref<fb::PaymentVoided> put(Builder& b, const PaymentVoided& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef payment_id = put_id(b, e.payment_id);
  const auto amount = put_money(b, e.amount);
  return fb::CreatePaymentVoided(b, order_id, payment_id, amount);
}

Ref<fb::PaymentFailed> put(Builder& b, const PaymentFailed& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef payment_id = put_id(b, e.payment_id);
  const StringRef reason = put_text(b, e.reason);
  return fb::CreatePaymentFailed(b, order_id, payment_id, reason);
}

Ref<fb::PaymentRefunded> put(Builder& b, const PaymentRefunded& e) {
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef payment_id = put_id(b, e.payment_id);
  const auto amount = put_money(b, e.amount);
  const StringRef reason = put_text(b, e.reason);
  return fb::CreatePaymentRefunded(b, order_id, payment_id, amount, reason);
}

// A first rating and its revision share one shape.
template <class Fb, class E, class Create>
Ref<Fb> put_rating(Builder& b, const E& e, Create create) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef customer_id = put_id(b, e.customer_id);
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef comment = put_text(b, e.comment);
  return create(b, sku, customer_id, order_id, e.stars, comment);
}

Ref<fb::ProductRated> put(Builder& b, const ProductRated& e) {
  return put_rating<fb::ProductRated>(b, e, fb::CreateProductRated);
}

Ref<fb::RatingRevised> put(Builder& b, const RatingRevised& e) {
  return put_rating<fb::RatingRevised>(b, e, fb::CreateRatingRevised);
}

Ref<fb::RatingRejected> put(Builder& b, const RatingRejected& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef customer_id = put_id(b, e.customer_id);
  const StringRef reason = put_text(b, e.reason);
  return fb::CreateRatingRejected(b, sku, customer_id, reason);
}

Ref<fb::HoldPlaced> put(Builder& b, const HoldPlaced& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef order_id = put_id(b, e.order_id);
  const auto unit_price = put_money(b, e.unit_price);
  return fb::CreateHoldPlaced(b, sku, order_id, e.attempt, e.quantity.value, unit_price,
                              e.expires_at.micros);
}

Ref<fb::HoldConfirmed> put(Builder& b, const HoldConfirmed& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef order_id = put_id(b, e.order_id);
  return fb::CreateHoldConfirmed(b, sku, order_id, e.attempt);
}

Ref<fb::HoldReleased> put(Builder& b, const HoldReleased& e) {
  const StringRef sku = put_id(b, e.sku);
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef reason = put_text(b, e.reason);
  return fb::CreateHoldReleased(b, sku, order_id, e.attempt, e.quantity.value, reason,
                                e.expires_at.micros);
}

Ref<fb::CheckoutStarted> put(Builder& b, const CheckoutStarted& e) {
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef order_id = put_id(b, e.order_id);
  return fb::CreateCheckoutStarted(b, cart_id, order_id, e.attempt, e.expires_at.micros);
}

// CheckoutFailed and CheckoutRefused: the same fields, `create` makes the table.
template <class E, class Create>
auto put_refusal(Builder& b, const E& e, Create create) {
  const StringRef cart_id = put_id(b, e.cart_id);
  const StringRef order_id = put_id(b, e.order_id);
  const StringRef code = put_text(b, e.code);
  const StringRef message = put_text(b, e.message);
  return create(b, cart_id, order_id, e.attempt, code, message);
}
Ref<fb::CheckoutFailed> put(Builder& b, const CheckoutFailed& e) {
  return put_refusal(b, e, fb::CreateCheckoutFailed);
}
Ref<fb::CheckoutRefused> put(Builder& b, const CheckoutRefused& e) {
  return put_refusal(b, e, fb::CreateCheckoutRefused);
}

// ---- reading: one overload per table, back to the event it maps from ----

std::vector<OrderLine> read_order_lines(FieldReader& r, const TableVector<fb::OrderLine>* v) {
  std::vector<OrderLine> lines;
  if (v == nullptr) return lines;
  lines.reserve(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
    const fb::OrderLine* line = v->Get(i);
    const std::string path = "lines[" + std::to_string(i) + "]";
    lines.push_back(OrderLine{r.id<Sku>(line->sku(), path + ".sku"), Quantity{line->quantity()},
                              r.money(line->unit_price(), path + ".unit_price")});
  }
  return lines;
}

Result<ProductDefined> read(const fb::ProductDefined& t) {
  FieldReader r("ProductDefined");
  return r.finish(
      ProductDefined{r.id<Sku>(t.sku(), "sku"), r.text(t.name()), r.money(t.price(), "price")});
}

Result<ProductRepriced> read(const fb::ProductRepriced& t) {
  FieldReader r("ProductRepriced");
  return r.finish(ProductRepriced{r.id<Sku>(t.sku(), "sku"), r.money(t.price(), "price")});
}

Result<ProductRetired> read(const fb::ProductRetired& t) {
  FieldReader r("ProductRetired");
  return r.finish(ProductRetired{r.id<Sku>(t.sku(), "sku")});
}

Result<StockReceived> read(const fb::StockReceived& t) {
  FieldReader r("StockReceived");
  return r.finish(
      StockReceived{r.id<Sku>(t.sku(), "sku"), Quantity{t.quantity()}, r.text(t.reference())});
}

Result<StockAdjusted> read(const fb::StockAdjusted& t) {
  FieldReader r("StockAdjusted");
  return r.finish(
      StockAdjusted{r.id<Sku>(t.sku(), "sku"), Quantity{t.delta()}, r.text(t.reason())});
}

template <class E, class Fb>
Result<E> read_stock_move(const Fb& t, std::string_view table) {
  FieldReader r(table);
  return r.finish(E{r.id<Sku>(t.sku(), "sku"), r.id<OrderId>(t.order_id(), "order_id"),
                    Quantity{t.quantity()}});
}

Result<StockReserved> read(const fb::StockReserved& t) {
  return read_stock_move<StockReserved>(t, "StockReserved");
}

Result<StockReleased> read(const fb::StockReleased& t) {
  return read_stock_move<StockReleased>(t, "StockReleased");
}

Result<StockShipped> read(const fb::StockShipped& t) {
  return read_stock_move<StockShipped>(t, "StockShipped");
}

Result<StockReturned> read(const fb::StockReturned& t) {
  return read_stock_move<StockReturned>(t, "StockReturned");
}

Result<CartOpened> read(const fb::CartOpened& t) {
  FieldReader r("CartOpened");
  return r.finish(CartOpened{r.id<CartId>(t.cart_id(), "cart_id"),
                             r.id<CustomerId>(t.customer_id(), "customer_id"),
                             r.currency(t.currency(), "currency")});
}

Result<CartItemAdded> read(const fb::CartItemAdded& t) {
  FieldReader r("CartItemAdded");
  return r.finish(CartItemAdded{r.id<CartId>(t.cart_id(), "cart_id"), r.id<Sku>(t.sku(), "sku"),
                                Quantity{t.quantity()}, r.money(t.unit_price(), "unit_price")});
}

Result<CartItemRemoved> read(const fb::CartItemRemoved& t) {
  FieldReader r("CartItemRemoved");
  return r.finish(CartItemRemoved{r.id<CartId>(t.cart_id(), "cart_id"), r.id<Sku>(t.sku(), "sku"),
                                  Quantity{t.quantity()}});
}

Result<CartAbandoned> read(const fb::CartAbandoned& t) {
  FieldReader r("CartAbandoned");
  return r.finish(CartAbandoned{r.id<CartId>(t.cart_id(), "cart_id")});
}

Result<CartCheckedOut> read(const fb::CartCheckedOut& t) {
  FieldReader r("CartCheckedOut");
  return r.finish(CartCheckedOut{r.id<CartId>(t.cart_id(), "cart_id"),
                                 r.id<OrderId>(t.order_id(), "order_id")});
}

Result<OrderPlaced> read(const fb::OrderPlaced& t) {
  FieldReader r("OrderPlaced");
  return r.finish(
      OrderPlaced{r.id<OrderId>(t.order_id(), "order_id"), r.id<CartId>(t.cart_id(), "cart_id"),
                  r.id<CustomerId>(t.customer_id(), "customer_id"), read_order_lines(r, t.lines()),
                  r.money(t.total(), "total"), Timestamp{t.expires_at()}, t.stock_elsewhere()});
}

Result<OrderCancelled> read(const fb::OrderCancelled& t) {
  FieldReader r("OrderCancelled");
  return r.finish(OrderCancelled{r.id<OrderId>(t.order_id(), "order_id"), r.text(t.reason()),
                                 r.money(t.refund_due(), "refund_due")});
}

Result<OrderExpired> read(const fb::OrderExpired& t) {
  FieldReader r("OrderExpired");
  return r.finish(
      OrderExpired{r.id<OrderId>(t.order_id(), "order_id"), r.money(t.refund_due(), "refund_due")});
}

Result<OrderPaid> read(const fb::OrderPaid& t) {
  FieldReader r("OrderPaid");
  return r.finish(OrderPaid{r.id<OrderId>(t.order_id(), "order_id")});
}

Result<OrderShipped> read(const fb::OrderShipped& t) {
  FieldReader r("OrderShipped");
  return r.finish(OrderShipped{r.id<OrderId>(t.order_id(), "order_id"), r.text(t.carrier()),
                               r.text(t.tracking())});
}

Result<OrderDelivered> read(const fb::OrderDelivered& t) {
  FieldReader r("OrderDelivered");
  return r.finish(OrderDelivered{r.id<OrderId>(t.order_id(), "order_id")});
}

Result<OrderItemsReturned> read(const fb::OrderItemsReturned& t) {
  FieldReader r("OrderItemsReturned");
  return r.finish(OrderItemsReturned{r.id<OrderId>(t.order_id(), "order_id"),
                                     r.return_lines(t.lines(), "lines"), t.restock()});
}

Result<PaymentAuthorized> read(const fb::PaymentAuthorized& t) {
  FieldReader r("PaymentAuthorized");
  return r.finish(PaymentAuthorized{r.id<OrderId>(t.order_id(), "order_id"),
                                    r.id<PaymentId>(t.payment_id(), "payment_id"),
                                    r.money(t.amount(), "amount"), r.text(t.provider_ref())});
}

Result<PaymentCaptured> read(const fb::PaymentCaptured& t) {
  FieldReader r("PaymentCaptured");
  return r.finish(PaymentCaptured{r.id<OrderId>(t.order_id(), "order_id"),
                                  r.id<PaymentId>(t.payment_id(), "payment_id"),
                                  r.money(t.amount(), "amount")});
}

Result<PaymentVoided> read(const fb::PaymentVoided& t) {
  FieldReader r("PaymentVoided");
  return r.finish(PaymentVoided{r.id<OrderId>(t.order_id(), "order_id"),
                                r.id<PaymentId>(t.payment_id(), "payment_id"),
                                r.money(t.amount(), "amount")});
}

Result<PaymentFailed> read(const fb::PaymentFailed& t) {
  FieldReader r("PaymentFailed");
  return r.finish(PaymentFailed{r.id<OrderId>(t.order_id(), "order_id"),
                                r.id<PaymentId>(t.payment_id(), "payment_id"), r.text(t.reason())});
}

Result<PaymentRefunded> read(const fb::PaymentRefunded& t) {
  FieldReader r("PaymentRefunded");
  return r.finish(PaymentRefunded{r.id<OrderId>(t.order_id(), "order_id"),
                                  r.id<PaymentId>(t.payment_id(), "payment_id"),
                                  r.money(t.amount(), "amount"), r.text(t.reason())});
}

template <class E, class Fb>
Result<E> read_rating(const Fb& t, std::string_view table) {
  FieldReader r(table);
  return r.finish(E{r.id<Sku>(t.sku(), "sku"), r.id<CustomerId>(t.customer_id(), "customer_id"),
                    r.id<OrderId>(t.order_id(), "order_id"), t.stars(), r.text(t.comment())});
}

Result<ProductRated> read(const fb::ProductRated& t) {
  return read_rating<ProductRated>(t, "ProductRated");
}

Result<RatingRevised> read(const fb::RatingRevised& t) {
  return read_rating<RatingRevised>(t, "RatingRevised");
}

Result<RatingRejected> read(const fb::RatingRejected& t) {
  FieldReader r("RatingRejected");
  return r.finish(RatingRejected{r.id<Sku>(t.sku(), "sku"),
                                 r.id<CustomerId>(t.customer_id(), "customer_id"),
                                 r.text(t.reason())});
}

Result<HoldPlaced> read(const fb::HoldPlaced& t) {
  FieldReader r("HoldPlaced");
  return r.finish(HoldPlaced{r.id<Sku>(t.sku(), "sku"), r.id<OrderId>(t.order_id(), "order_id"),
                             t.attempt(), Quantity{t.quantity()},
                             r.money(t.unit_price(), "unit_price"), Timestamp{t.expires_at()}});
}

Result<HoldConfirmed> read(const fb::HoldConfirmed& t) {
  FieldReader r("HoldConfirmed");
  return r.finish(HoldConfirmed{r.id<Sku>(t.sku(), "sku"), r.id<OrderId>(t.order_id(), "order_id"),
                                t.attempt()});
}

Result<HoldReleased> read(const fb::HoldReleased& t) {
  FieldReader r("HoldReleased");
  return r.finish(HoldReleased{r.id<Sku>(t.sku(), "sku"), r.id<OrderId>(t.order_id(), "order_id"),
                               t.attempt(), Quantity{t.quantity()}, r.text(t.reason()),
                               Timestamp{t.expires_at()}});
}

Result<CheckoutStarted> read(const fb::CheckoutStarted& t) {
  FieldReader r("CheckoutStarted");
  return r.finish(CheckoutStarted{r.id<CartId>(t.cart_id(), "cart_id"),
                                  r.id<OrderId>(t.order_id(), "order_id"), t.attempt(),
                                  Timestamp{t.expires_at()}});
}

// CheckoutFailed and CheckoutRefused from their tables (the same fields).
template <class E, class Table>
Result<E> read_refusal(const Table& t, const char* name) {
  FieldReader r(name);
  return r.finish(E{r.id<CartId>(t.cart_id(), "cart_id"), r.id<OrderId>(t.order_id(), "order_id"),
                    t.attempt(), r.text(t.code()), r.text(t.message())});
}
Result<CheckoutFailed> read(const fb::CheckoutFailed& t) {
  return read_refusal<CheckoutFailed>(t, "CheckoutFailed");
}
Result<CheckoutRefused> read(const fb::CheckoutRefused& t) {
  return read_refusal<CheckoutRefused>(t, "CheckoutRefused");
}

// ---- the variant <-> union correspondence, checked at compile time ----

template <class E>
using TableOf =
    typename OffsetTarget<decltype(put(std::declval<Builder&>(), std::declval<const E&>()))>::type;

template <class E>
constexpr fb::EventPayload kPayloadType = fb::EventPayloadTraits<TableOf<E>>::enum_value;

constexpr size_t kEventCount = std::variant_size_v<EventData>;

template <size_t... I>
constexpr std::array<fb::EventPayload, kEventCount> payload_types(std::index_sequence<I...>) {
  return {kPayloadType<std::variant_alternative_t<I, EventData>>...};
}

static_assert(kEventCount == static_cast<size_t>(fb::EventPayload::MAX),
              "EventData and union EventPayload must have the same number of members");
static_assert(is_one_to_one(payload_types(std::make_index_sequence<kEventCount>())),
              "every EventData alternative must map to its own EventPayload member");

template <class E>
Result<EventData> read_as(const fb::EventRecord& record) {
  const TableOf<E>* table = record.payload_as<TableOf<E>>();
  if (table == nullptr) return fail(ErrorCode::kMalformed, "EventRecord.payload is missing");
  static_assert(std::is_same_v<decltype(read(*table)), Result<E>>);
  Result<E> event = read(*table);
  if (!event) return std::unexpected(std::move(event.error()));
  return EventData(std::in_place_type<E>, std::move(*event));
}

using PayloadReader = Result<EventData> (*)(const fb::EventRecord&);

// Indexed by union member number; entry 0 (NONE) stays null.
template <size_t... I>
constexpr std::array<PayloadReader, kEventCount + 1> payload_readers(std::index_sequence<I...>) {
  std::array<PayloadReader, kEventCount + 1> readers{};
  ((readers[static_cast<size_t>(kPayloadType<std::variant_alternative_t<I, EventData>>)] =
        &read_as<std::variant_alternative_t<I, EventData>>),
   ...);
  return readers;
}

constexpr auto kPayloadReaders = payload_readers(std::make_index_sequence<kEventCount>());

}  // namespace

EncodedPayload put_event_payload(Builder& b, const EventData& event) {
  return std::visit(
      [&b](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        return EncodedPayload{kPayloadType<E>, put(b, e).Union()};
      },
      event);
}

Result<EventData> read_event_payload(const fb::EventRecord& record) {
  const auto type = static_cast<size_t>(record.payload_type());
  if (type == 0) return fail(ErrorCode::kMalformed, "EventRecord has no payload type");
  if (type > kEventCount) {
    return fail(ErrorCode::kMalformed,
                "EventRecord.payload_type " + std::to_string(type) +
                    " is not an event this build knows (written by a newer schema?)");
  }
  return kPayloadReaders[type](record);
}

}  // namespace stockroom::events::codec

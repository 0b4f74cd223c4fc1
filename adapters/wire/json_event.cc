// One event as the contract shows it in pushes, history and the catch-up feed.
//
// "data" holds every field of the event struct under its domain name. Every field is
// always written, optional text included (as ""), so each event type has one fixed
// shape. One put_data() per event struct and no generic fallback: a new event type
// without one does not compile.
#include <openssl/evp.h>

#include <concepts>
#include <string>
#include <variant>

#include "adapters/wire/internal_json.h"
#include "events/event_log.h"
#include "projections/internal/time_format.h"

namespace stockroom::wire::internal {
namespace {

using projections::internal::put;
using projections::internal::put_bool;
using projections::internal::put_key;

void put_quantity(JsonWriter& w, std::string_view key, Quantity q) { put(w, key, q.value); }

void put_order_lines(JsonWriter& w, const std::vector<OrderLine>& lines) {
  put_key(w, "lines");
  w.StartArray();
  for (const OrderLine& line : lines) {
    w.StartObject();
    put(w, "sku", line.sku.str());
    put_quantity(w, "quantity", line.quantity);
    put(w, "unit_price", line.unit_price);
    w.EndObject();
  }
  w.EndArray();
}

void put_return_lines(JsonWriter& w, const std::vector<ReturnLine>& lines) {
  put_key(w, "lines");
  w.StartArray();
  for (const ReturnLine& line : lines) {
    w.StartObject();
    put(w, "sku", line.sku.str());
    put_quantity(w, "quantity", line.quantity);
    w.EndObject();
  }
  w.EndArray();
}

// The four stock movements tied to an order share one shape.
template <class Movement>
void put_movement(JsonWriter& w, const Movement& e) {
  put(w, "sku", e.sku.str());
  put(w, "order_id", e.order_id.str());
  put_quantity(w, "quantity", e.quantity);
}

template <class Rating>
void put_rating(JsonWriter& w, const Rating& e) {
  put(w, "sku", e.sku.str());
  put(w, "customer_id", e.customer_id.str());
  put(w, "order_id", e.order_id.str());
  put(w, "stars", static_cast<int64_t>(e.stars));
  put(w, "comment", e.comment);
}

void put_data(JsonWriter& w, const ProductDefined& e) {
  put(w, "sku", e.sku.str());
  put(w, "name", e.name);
  put(w, "price", e.price);
}
void put_data(JsonWriter& w, const ProductRepriced& e) {
  put(w, "sku", e.sku.str());
  put(w, "price", e.price);
}
void put_data(JsonWriter& w, const ProductRetired& e) { put(w, "sku", e.sku.str()); }
void put_data(JsonWriter& w, const StockReceived& e) {
  put(w, "sku", e.sku.str());
  put_quantity(w, "quantity", e.quantity);
  put(w, "reference", e.reference);
}
void put_data(JsonWriter& w, const StockAdjusted& e) {
  put(w, "sku", e.sku.str());
  put_quantity(w, "delta", e.delta);
  put(w, "reason", e.reason);
}
void put_data(JsonWriter& w, const StockReserved& e) { put_movement(w, e); }
void put_data(JsonWriter& w, const StockReleased& e) { put_movement(w, e); }
void put_data(JsonWriter& w, const StockShipped& e) { put_movement(w, e); }
void put_data(JsonWriter& w, const StockReturned& e) { put_movement(w, e); }

void put_data(JsonWriter& w, const CartOpened& e) {
  put(w, "cart_id", e.cart_id.str());
  put(w, "customer_id", e.customer_id.str());
  put(w, "currency", e.currency.str());
}
void put_data(JsonWriter& w, const CartItemAdded& e) {
  put(w, "cart_id", e.cart_id.str());
  put(w, "sku", e.sku.str());
  put_quantity(w, "quantity", e.quantity);
  put(w, "unit_price", e.unit_price);
}
void put_data(JsonWriter& w, const CartItemRemoved& e) {
  put(w, "cart_id", e.cart_id.str());
  put(w, "sku", e.sku.str());
  put_quantity(w, "quantity", e.quantity);
}
void put_data(JsonWriter& w, const CartAbandoned& e) { put(w, "cart_id", e.cart_id.str()); }
void put_data(JsonWriter& w, const CartCheckedOut& e) {
  put(w, "cart_id", e.cart_id.str());
  put(w, "order_id", e.order_id.str());
}

void put_data(JsonWriter& w, const OrderPlaced& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "cart_id", e.cart_id.str());
  put(w, "customer_id", e.customer_id.str());
  put_order_lines(w, e.lines);
  put(w, "total", e.total);
  put(w, "expires_at", e.expires_at);
  // Only when set: an order of one partition reads as it always has.
  if (e.stock_elsewhere) put_bool(w, "stock_elsewhere", true);
}
void put_data(JsonWriter& w, const OrderCancelled& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "reason", e.reason);
  put(w, "refund_due", e.refund_due);
}
void put_data(JsonWriter& w, const OrderExpired& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "refund_due", e.refund_due);
}
void put_data(JsonWriter& w, const OrderPaid& e) { put(w, "order_id", e.order_id.str()); }
void put_data(JsonWriter& w, const OrderShipped& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "carrier", e.carrier);
  put(w, "tracking", e.tracking);
}
void put_data(JsonWriter& w, const OrderDelivered& e) { put(w, "order_id", e.order_id.str()); }
void put_data(JsonWriter& w, const OrderItemsReturned& e) {
  put(w, "order_id", e.order_id.str());
  put_return_lines(w, e.lines);
  put_bool(w, "restock", e.restock);
}

void put_data(JsonWriter& w, const PaymentAuthorized& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "payment_id", e.payment_id.str());
  put(w, "amount", e.amount);
  put(w, "provider_ref", e.provider_ref);
}
void put_data(JsonWriter& w, const PaymentCaptured& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "payment_id", e.payment_id.str());
  put(w, "amount", e.amount);
}
void put_data(JsonWriter& w, const PaymentVoided& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "payment_id", e.payment_id.str());
  put(w, "amount", e.amount);
}
void put_data(JsonWriter& w, const PaymentFailed& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "payment_id", e.payment_id.str());
  put(w, "reason", e.reason);
}
void put_data(JsonWriter& w, const PaymentRefunded& e) {
  put(w, "order_id", e.order_id.str());
  put(w, "payment_id", e.payment_id.str());
  put(w, "amount", e.amount);
  put(w, "reason", e.reason);
}

void put_data(JsonWriter& w, const ProductRated& e) { put_rating(w, e); }
void put_data(JsonWriter& w, const RatingRevised& e) { put_rating(w, e); }
void put_data(JsonWriter& w, const RatingRejected& e) {
  put(w, "sku", e.sku.str());
  put(w, "customer_id", e.customer_id.str());
  put(w, "reason", e.reason);
}

void put_data(JsonWriter& w, const HoldPlaced& e) {
  put(w, "sku", e.sku.str());
  put(w, "order_id", e.order_id.str());
  put(w, "attempt", e.attempt);
  put(w, "quantity", e.quantity.value);
  put(w, "unit_price", e.unit_price);
  put(w, "expires_at", e.expires_at);
}
void put_data(JsonWriter& w, const HoldConfirmed& e) {
  put(w, "sku", e.sku.str());
  put(w, "order_id", e.order_id.str());
  put(w, "attempt", e.attempt);
}
void put_data(JsonWriter& w, const HoldReleased& e) {
  put(w, "sku", e.sku.str());
  put(w, "order_id", e.order_id.str());
  put(w, "attempt", e.attempt);
  put(w, "quantity", e.quantity.value);
  put(w, "reason", e.reason);
  put(w, "expires_at", e.expires_at);
}
void put_data(JsonWriter& w, const CheckoutStarted& e) {
  put(w, "cart_id", e.cart_id.str());
  put(w, "order_id", e.order_id.str());
  put(w, "attempt", e.attempt);
  put(w, "expires_at", e.expires_at);
}
// CheckoutFailed and CheckoutRefused: the same fields.
template <class E>
requires std::same_as<E, CheckoutFailed> || std::same_as<E, CheckoutRefused>
void put_data(JsonWriter& w, const E& e) {
  put(w, "cart_id", e.cart_id.str());
  put(w, "order_id", e.order_id.str());
  put(w, "attempt", e.attempt);
  put(w, "code", e.code);
  put(w, "message", e.message);
}

}  // namespace

void write_event_data(JsonWriter& w, const RecordedEvent& e) {
  std::visit([&w](const auto& data) { put_data(w, data); }, e.data);
}

void write_event(JsonWriter& w, const engine::LoggedEvent& logged, const RawRecord* raw) {
  const RecordedEvent& e = logged.event;
  w.StartObject();
  put(w, "position", e.position.value);
  put(w, "stream", e.stream);
  put(w, "version", e.version.value);
  put(w, "type", event_type_name(e.data));
  put(w, "time", e.time);
  put(w, "command_id", e.command_id.str());
  put_key(w, "actor");
  w.StartObject();
  put(w, "id", e.actor.id.str());
  put(w, "role", role_name(e.actor.role));
  w.EndObject();
  put_key(w, "data");
  w.StartObject();
  write_event_data(w, e);
  w.EndObject();
  events::HexDigits hex;
  events::to_hex(logged.hash, hex);
  put(w, "hash", std::string_view(hex.data(), hex.size()));
  if (raw != nullptr) {
    std::string record;
    append_base64(raw->record, record);
    put(w, "record", record);
    events::to_hex(raw->prev_hash, hex);
    put(w, "prev_hash", std::string_view(hex.data(), hex.size()));
  }
  w.EndObject();
}

}  // namespace stockroom::wire::internal

namespace stockroom::wire {

namespace {

// One buffer per thread, cleared and reused: events are written one after another by
// the thousand (pushes, feeds, replay), and a fresh buffer would allocate for each.
projections::internal::JsonBuffer& reused_buffer() {
  thread_local projections::internal::JsonBuffer buffer;
  buffer.Clear();
  return buffer;
}

}  // namespace

void event_json(const engine::LoggedEvent& event, std::string& out) {
  projections::internal::JsonBuffer& buffer = reused_buffer();
  internal::JsonWriter w(buffer);
  internal::write_event(w, event);
  out.assign(buffer.GetString(), buffer.GetSize());
}

void event_json(const engine::LoggedEvent& event, const RawRecord& raw, std::string& out) {
  projections::internal::JsonBuffer& buffer = reused_buffer();
  internal::JsonWriter w(buffer);
  internal::write_event(w, event, &raw);
  out.assign(buffer.GetString(), buffer.GetSize());
}

void append_event_json(const engine::LoggedEvent& event, const RawRecord* raw, std::string& out) {
  projections::internal::JsonBuffer& buffer = reused_buffer();
  internal::JsonWriter w(buffer);
  internal::write_event(w, event, raw);
  out.append(buffer.GetString(), buffer.GetSize());
}

void event_data_json(const engine::LoggedEvent& event, std::string& out) {
  projections::internal::JsonBuffer& buffer = reused_buffer();
  internal::JsonWriter w(buffer);
  w.StartObject();
  internal::write_event_data(w, event.event);
  w.EndObject();
  out.assign(buffer.GetString(), buffer.GetSize());
}

std::string time_text(Timestamp time) { return projections::internal::format_time(time); }

void append_base64(std::string_view bytes, std::string& out) {
  const size_t at = out.size();
  out.resize(at + (bytes.size() + 2) / 3 * 4 + 1);  // EVP_EncodeBlock adds a NUL
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(at + static_cast<size_t>(written));
}

}  // namespace stockroom::wire

// Events: the facts the engine records (domain.md, "Commands" -> events column).
//
// One struct per event, named in the past tense. Each event names its aggregate by
// its fields, so stream_of() derives the stream; a decider returns EventData only
// and the engine adds position, version, time, command id and actor when it records.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/model/command.h"
#include "engine/model/types.h"

namespace stockroom {

struct ProductDefined {
  Sku sku;
  std::string name;
  Money price;
  bool operator==(const ProductDefined&) const = default;
};
struct ProductRepriced {
  Sku sku;
  Money price;
  bool operator==(const ProductRepriced&) const = default;
};
struct ProductRetired {
  Sku sku;
  bool operator==(const ProductRetired&) const = default;
};
struct StockReceived {
  Sku sku;
  Quantity quantity;
  std::string reference;
  bool operator==(const StockReceived&) const = default;
};
struct StockAdjusted {
  Sku sku;
  Quantity delta;
  std::string reason;
  bool operator==(const StockAdjusted&) const = default;
};
struct StockReserved {
  Sku sku;
  OrderId order_id;
  Quantity quantity;
  bool operator==(const StockReserved&) const = default;
};
struct StockReleased {
  Sku sku;
  OrderId order_id;
  Quantity quantity;
  bool operator==(const StockReleased&) const = default;
};
struct StockShipped {
  Sku sku;
  OrderId order_id;
  Quantity quantity;
  bool operator==(const StockShipped&) const = default;
};
struct StockReturned {
  Sku sku;
  OrderId order_id;
  Quantity quantity;
  bool operator==(const StockReturned&) const = default;
};

struct CartOpened {
  CartId cart_id;
  CustomerId customer_id;
  Currency currency;
  bool operator==(const CartOpened&) const = default;
};
struct CartItemAdded {
  CartId cart_id;
  Sku sku;
  Quantity quantity;
  Money unit_price;  // the product's price when added
  bool operator==(const CartItemAdded&) const = default;
};
struct CartItemRemoved {
  CartId cart_id;
  Sku sku;
  Quantity quantity;  // what was removed (the whole line resolved to its quantity)
  bool operator==(const CartItemRemoved&) const = default;
};
struct CartAbandoned {
  CartId cart_id;
  bool operator==(const CartAbandoned&) const = default;
};
struct CartCheckedOut {
  CartId cart_id;
  OrderId order_id;
  bool operator==(const CartCheckedOut&) const = default;
};

struct OrderPlaced {
  OrderId order_id;
  CartId cart_id;
  CustomerId customer_id;
  std::vector<OrderLine> lines;  // unit prices of the moment of checkout
  Money total;
  Timestamp expires_at;  // placed time + reservation TTL in force then
  // Placed by a checkout across partitions (PlaceOrder): the stock is held in the
  // products' partitions, not reserved in this log, so this order's stock effects
  // (release, ship, return) are not events here either.
  bool stock_elsewhere = false;
  bool operator==(const OrderPlaced&) const = default;
};
struct OrderCancelled {
  OrderId order_id;
  std::string reason;
  Money refund_due;  // captured - refunded at the moment of cancelling
  bool operator==(const OrderCancelled&) const = default;
};
struct OrderExpired {
  OrderId order_id;
  Money refund_due;  // captured - refunded at the moment of expiry
  bool operator==(const OrderExpired&) const = default;
};
struct OrderPaid {
  OrderId order_id;
  bool operator==(const OrderPaid&) const = default;
};
struct OrderShipped {
  OrderId order_id;
  std::string carrier;
  std::string tracking;
  bool operator==(const OrderShipped&) const = default;
};
struct OrderDelivered {
  OrderId order_id;
  bool operator==(const OrderDelivered&) const = default;
};
struct OrderItemsReturned {
  OrderId order_id;
  std::vector<ReturnLine> lines;
  bool restock = false;
  bool operator==(const OrderItemsReturned&) const = default;
};

struct PaymentAuthorized {
  OrderId order_id;
  PaymentId payment_id;
  Money amount;
  std::string provider_ref;
  bool operator==(const PaymentAuthorized&) const = default;
};
struct PaymentCaptured {
  OrderId order_id;
  PaymentId payment_id;
  Money amount;
  bool operator==(const PaymentCaptured&) const = default;
};
struct PaymentVoided {
  OrderId order_id;
  PaymentId payment_id;
  Money amount;  // the authorized remainder that was released
  bool operator==(const PaymentVoided&) const = default;
};
struct PaymentFailed {
  OrderId order_id;
  PaymentId payment_id;
  std::string reason;
  bool operator==(const PaymentFailed&) const = default;
};
struct PaymentRefunded {
  OrderId order_id;
  PaymentId payment_id;
  Money amount;
  std::string reason;
  bool operator==(const PaymentRefunded&) const = default;
};

struct ProductRated {
  Sku sku;
  CustomerId customer_id;
  OrderId order_id;
  int32_t stars = 0;
  std::string comment;
  bool operator==(const ProductRated&) const = default;
};
struct RatingRevised {
  Sku sku;
  CustomerId customer_id;
  OrderId order_id;
  int32_t stars = 0;
  std::string comment;
  bool operator==(const RatingRevised&) const = default;
};
struct RatingRejected {
  Sku sku;
  CustomerId customer_id;
  std::string reason;
  bool operator==(const RatingRejected&) const = default;
};

// Holds (command.h, PlaceHold): on the product's stream beside the StockReserved and
// StockReleased that move its stock, so the stock invariants of domain.md hold as
// they are. A HoldReleased of quantity 0 is a tombstone: nothing was held.
struct HoldPlaced {
  Sku sku;
  OrderId order_id;
  uint64_t attempt = 0;
  Quantity quantity;
  Money unit_price;  // the product's price when held: the order's line price
  Timestamp expires_at;
  bool operator==(const HoldPlaced&) const = default;
};
struct HoldConfirmed {
  Sku sku;
  OrderId order_id;
  uint64_t attempt = 0;
  bool operator==(const HoldConfirmed&) const = default;
};
struct HoldReleased {
  Sku sku;
  OrderId order_id;
  uint64_t attempt = 0;
  Quantity quantity;  // what was released; 0: a tombstone
  std::string reason;
  Timestamp expires_at;  // the attempt's: the tombstone guards until then
  bool operator==(const HoldReleased&) const = default;
};

// A checkout whose order or products live in other partitions (cluster mode,
// docs/scale-out.md "Checkouts across partitions"): the cart's partition coordinates
// it from this event on, and the cart takes no change until it ends, placed
// (CartCheckedOut) or failed (CheckoutFailed, the cart open again). A new owner of the
// partition finds the started ones and drives each to its end.
struct CheckoutStarted {
  CartId cart_id;
  OrderId order_id;
  uint64_t attempt = 0;  // 1, 2, ... per cart: names its holds (PlaceHold::attempt)
  Timestamp expires_at;  // the holds' expiry: start + the reservation TTL
  bool operator==(const CheckoutStarted&) const = default;
};
struct CheckoutFailed {
  CartId cart_id;
  OrderId order_id;
  uint64_t attempt = 0;
  std::string code;  // the refusal the client got, e.g. "OUT_OF_STOCK"
  std::string message;
  bool operator==(const CheckoutFailed&) const = default;
};
// A running checkout's refusal, logged before its holds are released, so that a new
// owner resuming the attempt releases them and answers this refusal (a hold it asked
// again would now meet its own tombstone). The attempt ends with CheckoutFailed.
struct CheckoutRefused {
  CartId cart_id;
  OrderId order_id;
  uint64_t attempt = 0;
  std::string code;
  std::string message;
  bool operator==(const CheckoutRefused&) const = default;
};

using EventData = std::variant<
    ProductDefined, ProductRepriced, ProductRetired, StockReceived, StockAdjusted, StockReserved,
    StockReleased, StockShipped, StockReturned, CartOpened, CartItemAdded, CartItemRemoved,
    CartAbandoned, CartCheckedOut, OrderPlaced, OrderCancelled, OrderExpired, OrderPaid,
    OrderShipped, OrderDelivered, OrderItemsReturned, PaymentAuthorized, PaymentCaptured,
    PaymentVoided, PaymentFailed, PaymentRefunded, ProductRated, RatingRevised, RatingRejected,
    HoldPlaced, HoldConfirmed, HoldReleased, CheckoutStarted, CheckoutFailed, CheckoutRefused>;

// The event's type name as stored and shown, e.g. "StockReserved".
[[nodiscard]] std::string_view event_type_name(const EventData& event) noexcept;

// Every event type name, in the order of EventData's alternatives.
[[nodiscard]] std::span<const std::string_view> event_type_names() noexcept;

// The kinds of stream (domain.md, "Streams"): the one table of their names, the
// prefix that names each stream, and the view of the stream's shape (what as_of folds
// it into). Every mapping from a stream name to its kind goes through it.
enum class AggregateKind : uint8_t { kProduct, kCart, kOrder, kReview };
struct StreamKindName {
  AggregateKind aggregate;
  std::string_view kind;    // "product", "cart", "order", "review"
  std::string_view prefix;  // "product-", ...
  std::string_view view;    // "stock", "cart", "order", "rating"
};
[[nodiscard]] std::span<const StreamKindName> stream_kinds() noexcept;
// The kind of a stream name (its prefix followed by at least one character); nullopt
// for a name of no kind.
[[nodiscard]] std::optional<StreamKindName> stream_kind_of(std::string_view stream) noexcept;

// Stream names (domain.md, "Streams").
[[nodiscard]] std::string product_stream(const Sku& sku);
[[nodiscard]] std::string cart_stream(const CartId& cart_id);
[[nodiscard]] std::string order_stream(const OrderId& order_id);
[[nodiscard]] std::string review_stream(const Sku& sku, const CustomerId& customer_id);

// The stream an event belongs to.
[[nodiscard]] std::string stream_of(const EventData& event);

// The schema version written into every stored event. Bump it when a schema field is
// added; readers accept every version up to this one (FlatBuffers evolution rules).
inline constexpr uint16_t kEventSchemaVersion = 1;

// An event as recorded in the log.
struct RecordedEvent {
  Position position;
  std::string stream;
  StreamVersion version;
  Timestamp time;
  CommandId command_id;
  Actor actor;
  uint16_t schema_version = kEventSchemaVersion;
  EventData data;
  bool operator==(const RecordedEvent&) const = default;
};

}  // namespace stockroom

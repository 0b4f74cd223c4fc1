// Commands: what a caller asks the engine to do (domain.md, "Commands").
//
// One struct per command, named imperatively. A Command is the variant of all of
// them; a CommandEnvelope adds what every command carries (id, actor, optional
// expected version). Form checks live in validate.h, rules in decide.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/model/types.h"

namespace stockroom {

struct DefineProduct {
  Sku sku;
  std::string name;
  Money price;
  bool operator==(const DefineProduct&) const = default;
};

struct RepriceProduct {
  Sku sku;
  Money price;
  bool operator==(const RepriceProduct&) const = default;
};

struct RetireProduct {
  Sku sku;
  bool operator==(const RetireProduct&) const = default;
};

struct ReceiveStock {
  Sku sku;
  Quantity quantity;
  std::string reference;  // optional; empty when absent
  bool operator==(const ReceiveStock&) const = default;
};

struct AdjustStock {
  Sku sku;
  Quantity delta;  // may be negative, never zero
  std::string reason;
  bool operator==(const AdjustStock&) const = default;
};

struct OpenCart {
  CartId cart_id;
  CustomerId customer_id;
  Currency currency;
  bool operator==(const OpenCart&) const = default;
};

struct AddCartItem {
  CartId cart_id;
  Sku sku;
  Quantity quantity;
  // Cluster mode, a product of another partition: its price as the cart's partition
  // read it from the product's partition just before (the NATS service sets it; no
  // wire decoder reads it and the log does not store it with the command, so a resend
  // after a reprice is still a duplicate). Without it such a product is NOT_FOUND.
  std::optional<Money> quoted_price;
  bool operator==(const AddCartItem&) const = default;
};

struct RemoveCartItem {
  CartId cart_id;
  Sku sku;
  std::optional<Quantity> quantity;  // absent: the whole line
  bool operator==(const RemoveCartItem&) const = default;
};

struct AbandonCart {
  CartId cart_id;
  bool operator==(const AbandonCart&) const = default;
};

struct CheckOutCart {
  CartId cart_id;
  OrderId order_id;
  bool operator==(const CheckOutCart&) const = default;
};

struct CancelOrder {
  OrderId order_id;
  std::string reason;
  bool operator==(const CancelOrder&) const = default;
};

struct ShipOrder {
  OrderId order_id;
  std::string carrier;   // optional; empty when absent
  std::string tracking;  // optional; empty when absent
  bool operator==(const ShipOrder&) const = default;
};

struct DeliverOrder {
  OrderId order_id;
  bool operator==(const DeliverOrder&) const = default;
};

// A line with its unit price: an order's (OrderPlaced) and an order.place's.
struct OrderLine {
  Sku sku;
  Quantity quantity;
  Money unit_price;
  bool operator==(const OrderLine&) const = default;
};

struct ReturnLine {
  Sku sku;
  Quantity quantity;
  bool operator==(const ReturnLine&) const = default;
};

struct ReturnOrderItems {
  OrderId order_id;
  std::vector<ReturnLine> lines;
  bool restock = false;
  bool operator==(const ReturnOrderItems&) const = default;
};

struct AuthorizePayment {
  OrderId order_id;
  PaymentId payment_id;
  Money amount;
  std::string provider_ref;  // optional; empty when absent
  bool operator==(const AuthorizePayment&) const = default;
};

struct CapturePayment {
  OrderId order_id;
  PaymentId payment_id;
  std::optional<Money> amount;  // absent: all that is authorized and not captured
  bool operator==(const CapturePayment&) const = default;
};

struct VoidPayment {
  OrderId order_id;
  PaymentId payment_id;
  bool operator==(const VoidPayment&) const = default;
};

struct FailPayment {
  OrderId order_id;
  PaymentId payment_id;
  std::string reason;
  bool operator==(const FailPayment&) const = default;
};

struct RefundPayment {
  OrderId order_id;
  PaymentId payment_id;
  Money amount;
  std::string reason;
  bool operator==(const RefundPayment&) const = default;
};

struct SubmitRating {
  OrderId order_id;
  Sku sku;
  int32_t stars = 0;
  std::string comment;  // optional; empty when absent
  bool operator==(const SubmitRating&) const = default;
};

struct RejectRating {
  Sku sku;
  CustomerId customer_id;
  std::string reason;
  bool operator==(const RejectRating&) const = default;
};

// Holds (cluster mode, docs/scale-out.md "Checkouts across partitions"): a checkout
// coordinated by another partition reserves a product partition's lines with one
// stock.hold, then confirms them once the order exists, or releases them. A hold is
// named by its order and the coordinator's attempt (a checkout tried again after a
// release is a new attempt); a release leaves a tombstone, so a late hold of that
// attempt is refused. Staff or service only: the coordinator sends them.
struct HoldLine {
  Sku sku;
  Quantity quantity;
  bool operator==(const HoldLine&) const = default;
};

struct PlaceHold {
  OrderId order_id;
  uint64_t attempt = 0;  // >= 1
  Currency currency;     // the cart's: every product must be priced in it
  std::vector<HoldLine> lines;
  Timestamp expires_at;  // a hold not confirmed by then counts for nothing
  bool operator==(const PlaceHold&) const = default;
};

struct ReleaseHold {
  OrderId order_id;
  uint64_t attempt = 0;
  std::vector<Sku> skus;
  std::string reason;
  Timestamp expires_at;  // the attempt's (as in its PlaceHold): how long the tombstone guards
  bool operator==(const ReleaseHold&) const = default;
};

struct ConfirmHold {
  OrderId order_id;
  uint64_t attempt = 0;
  std::vector<Sku> skus;
  bool operator==(const ConfirmHold&) const = default;
};

// A rating checked where its order lives (cluster mode: rating.submit's buyer,
// delivery and sku), recorded where the product lives, where the one rating per
// customer per product and the ratings view are (docs/scale-out.md). Staff or
// service only: the order's partition sends it with the client's command id.
struct RecordRating {
  Sku sku;
  CustomerId customer_id;
  OrderId order_id;
  int32_t stars = 0;
  std::string comment;  // optional; empty when absent
  bool operator==(const RecordRating&) const = default;
};

// An order placed by a checkout coordinated in another partition (cluster mode,
// docs/scale-out.md "Checkouts across partitions"): its stock is already held in the
// products' partitions (PlaceHold), so placing it reserves nothing here, and its
// lines carry the unit prices the holds were placed at. Keyed by the order id. Staff
// or service only: the cart's partition sends it.
struct PlaceOrder {
  OrderId order_id;
  CartId cart_id;
  CustomerId customer_id;
  std::vector<OrderLine> lines;  // one per sku, every unit price in one currency
  Timestamp expires_at;          // the holds' expiry: the order's reservation TTL
  bool operator==(const PlaceOrder&) const = default;
};

// What an order placed by order.place did to its stock, carried to a product
// partition by the order partition's outbox (docs/scale-out.md): its reserved stock
// released (cancel, expiry), shipped, or returned to stock. Keyed by the first line's
// sku; every line must be a product of that partition. Staff or service only. Each
// effect is sent once under one command id, so a resend is a duplicate.
enum class StockEffect : uint8_t { kRelease, kShip, kReturn };

// "release", "ship", "return".
[[nodiscard]] std::string_view stock_effect_name(StockEffect effect) noexcept;

struct SettleStock {
  OrderId order_id;
  StockEffect effect = StockEffect::kRelease;
  std::vector<ReturnLine> lines;  // {sku, quantity}, each sku once
  bool operator==(const SettleStock&) const = default;
};

// Ends a checkout the cart's partition coordinates (CheckoutStarted): the order
// placed and its holds confirmed (CartCheckedOut), or refused and every hold released
// (CheckoutFailed with the refusal the client gets). Issued by the saga's driver in
// the cart's partition, never accepted from outside; its command id is
// engine_command_id() of it: "checkout-end:<cart_id>~<attempt>".
struct FinishCheckout {
  CartId cart_id;
  uint64_t attempt = 0;
  bool placed = false;
  std::string code;  // when !placed: the refusal's code name
  std::string message;
  // The refusal fixed first (CheckoutRefused), the attempt left running while its
  // holds are released; its command id is "checkout-refused:<cart_id>~<attempt>".
  bool refusing = false;
  bool operator==(const FinishCheckout&) const = default;
};

// Issued by the engine itself when a hold (PlaceHold) was neither confirmed nor
// released by its expiry; never accepted from outside. Its command id is
// engine_command_id() of it: "expire-hold:<sku>~<order_id>".
struct ExpireHold {
  Sku sku;
  OrderId order_id;
  bool operator==(const ExpireHold&) const = default;
};

// Issued by the engine itself when an order's reservation TTL has passed; never
// accepted from outside (no subject maps to it). Its command id is
// expiry_command_id(order_id).
struct ExpireOrder {
  OrderId order_id;
  bool operator==(const ExpireOrder&) const = default;
};

// The command id of the engine's expiry of `order`: "expire:" and the whole order id
// (up to 71 characters). ':' is outside the alphabet of client command ids
// (is_valid_id), so no client can send it, and it names exactly one order.
[[nodiscard]] CommandId expiry_command_id(const OrderId& order);

using Command =
    std::variant<DefineProduct, RepriceProduct, RetireProduct, ReceiveStock, AdjustStock, OpenCart,
                 AddCartItem, RemoveCartItem, AbandonCart, CheckOutCart, CancelOrder, ShipOrder,
                 DeliverOrder, ReturnOrderItems, AuthorizePayment, CapturePayment, VoidPayment,
                 FailPayment, RefundPayment, SubmitRating, RejectRating, PlaceHold, ReleaseHold,
                 ConfirmHold, RecordRating, PlaceOrder, SettleStock, ExpireHold, ExpireOrder,
                 FinishCheckout>;

// The engine's own commands (ExpireHold, ExpireOrder, FinishCheckout): no subject maps to them, and
// each has the one command id engine_command_id() gives, outside the alphabet of
// client ids.
[[nodiscard]] bool is_engine_command(const Command& command) noexcept;
// REQUIRES: is_engine_command(command).
[[nodiscard]] CommandId engine_command_id(const Command& command);

// The contract name of a command, e.g. "cart.add_item" (the NATS subject suffix).
[[nodiscard]] std::string_view command_name(const Command& command) noexcept;

// The command kind for a contract name; nullopt for an unknown name. The returned
// command has empty fields: it tells the kind, e.g. for the decoder to fill in.
[[nodiscard]] std::optional<Command> command_for_name(std::string_view name);

struct CommandEnvelope {
  CommandId command_id;
  Actor actor;
  std::optional<StreamVersion> expected_version;  // of the command's target stream
  Command command;
  bool operator==(const CommandEnvelope&) const = default;
};

}  // namespace stockroom

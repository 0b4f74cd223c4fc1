#include "engine/model/routing.h"

#include <array>

#include "engine/model/event.h"

namespace stockroom {
namespace {

// The key of each command, in the order of the Command variant's alternatives (the
// same order as kCommandNames in command.cc); the static_assert keeps the two in step.
constexpr std::array<KeyField, std::variant_size_v<Command>> kKeyFields = {
    KeyField::kSku,     KeyField::kSku,     KeyField::kSku,     KeyField::kSku,
    KeyField::kSku,     KeyField::kCartId,  KeyField::kCartId,  KeyField::kCartId,
    KeyField::kCartId,  KeyField::kCartId,  KeyField::kOrderId, KeyField::kOrderId,
    KeyField::kOrderId, KeyField::kOrderId, KeyField::kOrderId, KeyField::kOrderId,
    KeyField::kOrderId, KeyField::kOrderId, KeyField::kOrderId, KeyField::kOrderId,
    KeyField::kSku,     KeyField::kSku,     KeyField::kSku,     KeyField::kSku,
    KeyField::kSku,     KeyField::kOrderId, KeyField::kSku,     KeyField::kSku,
    KeyField::kOrderId, KeyField::kCartId,
};

std::string_view first_sku(const std::vector<Sku>& skus) noexcept {
  return skus.empty() ? std::string_view() : skus.front().str();
}

struct KeyOf {
  std::string_view operator()(const DefineProduct& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const RepriceProduct& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const RetireProduct& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const ReceiveStock& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const AdjustStock& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const OpenCart& c) const noexcept { return c.cart_id.str(); }
  std::string_view operator()(const AddCartItem& c) const noexcept { return c.cart_id.str(); }
  std::string_view operator()(const RemoveCartItem& c) const noexcept { return c.cart_id.str(); }
  std::string_view operator()(const AbandonCart& c) const noexcept { return c.cart_id.str(); }
  std::string_view operator()(const CheckOutCart& c) const noexcept { return c.cart_id.str(); }
  std::string_view operator()(const FinishCheckout& c) const noexcept { return c.cart_id.str(); }
  std::string_view operator()(const RejectRating& c) const noexcept { return c.sku.str(); }
  // A hold's lines all live in one product partition: the first names it (validate.h
  // requires one line at least).
  std::string_view operator()(const PlaceHold& c) const noexcept {
    return c.lines.empty() ? std::string_view() : c.lines.front().sku.str();
  }
  std::string_view operator()(const ReleaseHold& c) const noexcept { return first_sku(c.skus); }
  std::string_view operator()(const ConfirmHold& c) const noexcept { return first_sku(c.skus); }
  std::string_view operator()(const ExpireHold& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const RecordRating& c) const noexcept { return c.sku.str(); }
  std::string_view operator()(const PlaceOrder& c) const noexcept { return c.order_id.str(); }
  std::string_view operator()(const SettleStock& c) const noexcept {
    return c.lines.empty() ? std::string_view() : c.lines.front().sku.str();
  }
  // Everything else targets an order (order.*, payment.*, rating.submit, order.expire).
  template <class C>
  std::string_view operator()(const C& c) const noexcept {
    return c.order_id.str();
  }
};

}  // namespace

KeyField key_field(const Command& command) noexcept { return kKeyFields[command.index()]; }

std::string_view key_field_name(KeyField field) noexcept {
  switch (field) {
    case KeyField::kSku:
      return "sku";
    case KeyField::kCartId:
      return "cart_id";
    case KeyField::kOrderId:
      return "order_id";
  }
  return "sku";
}

std::string_view routing_key(const Command& command) noexcept {
  return std::visit(KeyOf{}, command);
}

std::optional<std::string_view> routing_key_of_stream(std::string_view stream) noexcept {
  const std::optional<StreamKindName> kind = stream_kind_of(stream);
  if (!kind) return std::nullopt;
  std::string_view id = stream.substr(kind->prefix.size());
  if (kind->aggregate == AggregateKind::kReview) {
    // review-<sku>~<customer_id>: '~' is outside the id alphabet, so the first one ends
    // the sku.
    const size_t tilde = id.find('~');
    if (tilde == std::string_view::npos) return std::nullopt;
    id = id.substr(0, tilde);
  }
  if (id.empty()) return std::nullopt;
  return id;
}

}  // namespace stockroom

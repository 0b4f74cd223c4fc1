#include "engine/domain/decision.h"

namespace stockroom {

Refusal refuse_not_found(std::string_view what, std::string_view field, const std::string& id) {
  return fail(ErrorCode::kNotFound, std::string(what) + " " + id + " does not exist",
              {{std::string(field), id}});
}

Refusal refuse_state(std::string message, std::vector<ErrorDetail> details) {
  return fail(ErrorCode::kInvalidState, std::move(message), std::move(details));
}

Refusal refuse_currency(std::string_view owner, Currency expected, Currency actual) {
  return fail(ErrorCode::kCurrencyMismatch,
              "currency " + std::string(actual.str()) + " differs from the " + std::string(owner) +
                  "'s currency " + std::string(expected.str()),
              {{"expected", std::string(expected.str())}, {"actual", std::string(actual.str())}});
}

Refusal refuse_amount(std::string message, int64_t requested, int64_t allowed) {
  return fail(ErrorCode::kAmountExceeded, std::move(message),
              {{"requested", requested}, {"allowed", allowed}});
}

namespace {

std::string shortage_message(const std::vector<Shortage>& shortages) {
  std::string out =
      shortages.size() == 1 ? "" : std::to_string(shortages.size()) + " lines short of stock: ";
  for (size_t i = 0; i < shortages.size(); ++i) {
    const Shortage& s = shortages[i];
    out += (i == 0 ? "" : "; ") + s.sku + ": requested " + std::to_string(s.requested) +
           ", available " + std::to_string(s.available);
  }
  return out;
}

}  // namespace

Refusal refuse_out_of_stock(std::vector<Shortage> shortages) {
  const Shortage& first = shortages.front();
  Refusal refusal =
      fail(ErrorCode::kOutOfStock, shortage_message(shortages),
           {{"sku", first.sku}, {"requested", first.requested}, {"available", first.available}});
  refusal.error().shortages = std::move(shortages);
  return refusal;
}

Refusal refuse_overflow(std::string_view what) {
  return fail(ErrorCode::kAmountExceeded,
              std::string(what) + " would exceed the largest representable amount",
              {{"overflow", std::string(what)}});
}

Refusal refuse_forbidden(std::string message, const Actor& actor) {
  return fail(ErrorCode::kForbidden, std::move(message),
              {{"actor_id", actor.id.str()}, {"role", std::string(role_name(actor.role))}});
}

std::string_view order_status_name(OrderStatus status) noexcept {
  switch (status) {
    case OrderStatus::kNone:
      return "none";
    case OrderStatus::kAwaitingPayment:
      return "awaiting_payment";
    case OrderStatus::kPaid:
      return "paid";
    case OrderStatus::kShipped:
      return "shipped";
    case OrderStatus::kDelivered:
      return "delivered";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

std::string_view cart_status_name(CartStatus status) noexcept {
  switch (status) {
    case CartStatus::kNone:
      return "none";
    case CartStatus::kOpen:
      return "open";
    case CartStatus::kCheckedOut:
      return "checked_out";
    case CartStatus::kAbandoned:
      return "abandoned";
    case CartStatus::kCheckingOut:
      return "checking_out";
  }
  return "unknown";
}

}  // namespace stockroom

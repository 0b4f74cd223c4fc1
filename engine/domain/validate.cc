#include "engine/domain/validate.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/model/utf8.h"

namespace stockroom {
namespace {

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxTextChars = 200;  // reasons, carriers, tracking, references
constexpr size_t kMaxCommentChars = 2000;

// The first failure of several checks, in order.
Status first_failure(std::initializer_list<Status> checks) {
  for (const Status& s : checks) {
    if (!s) return s;
  }
  return {};
}

Status invalid(std::string_view field, std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::string(field) + " " + message,
              {{"field", std::string(field)}});
}

Status check_id(std::string_view field, const std::string& value) {
  if (is_valid_id(value)) return {};
  return invalid(field, "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'");
}

Status check_currency(std::string_view field, const Currency& currency) {
  if (is_valid_currency(currency.str())) return {};
  return invalid(field, "must be an ISO 4217 code of three upper-case letters");
}

enum class Sign : uint8_t { kNonNegative, kPositive };

Status check_money(std::string_view field, const Money& money, Sign sign) {
  std::string amount = std::string(field) + ".amount";
  if (sign == Sign::kPositive && money.amount <= 0) {
    return invalid(amount, "must be greater than 0, got " + std::to_string(money.amount));
  }
  if (money.amount < 0) {
    return invalid(amount, "must not be negative, got " + std::to_string(money.amount));
  }
  return check_currency(std::string(field) + ".currency", money.currency);
}

Status check_quantity(std::string_view field, Quantity q) {
  if (q.value >= 1 && q.value <= kMaxLineQuantity) return {};
  return invalid(
      field, "must be 1-" + std::to_string(kMaxLineQuantity) + ", got " + std::to_string(q.value));
}

Status check_text(std::string_view field, std::string_view text, size_t min, size_t max) {
  std::optional<size_t> length = utf8_length(text);
  if (!length) return invalid(field, "is not valid UTF-8");
  if (*length >= min && *length <= max) return {};
  if (min > 0 && *length == 0) return invalid(field, "must not be empty");
  return invalid(field, "must be at most " + std::to_string(max) + " characters, got " +
                            std::to_string(*length));
}

Status check_reason(std::string_view text) { return check_text("reason", text, 1, kMaxTextChars); }

Status check_optional(std::string_view field, std::string_view text) {
  return check_text(field, text, 0, kMaxTextChars);
}

}  // namespace

namespace {

Status check(const DefineProduct& c) {
  return first_failure({check_id("sku", c.sku.str()), check_text("name", c.name, 1, kMaxNameChars),
                        check_money("price", c.price, Sign::kNonNegative)});
}

Status check(const RepriceProduct& c) {
  return first_failure(
      {check_id("sku", c.sku.str()), check_money("price", c.price, Sign::kNonNegative)});
}

Status check(const RetireProduct& c) { return check_id("sku", c.sku.str()); }

Status check(const ReceiveStock& c) {
  return first_failure({check_id("sku", c.sku.str()), check_quantity("quantity", c.quantity),
                        check_optional("reference", c.reference)});
}

Status check_delta(Quantity delta) {
  if (delta.value == 0) return invalid("delta", "must not be 0");
  if (delta.value < -kMaxLineQuantity || delta.value > kMaxLineQuantity) {
    return invalid("delta", "must be within +/-" + std::to_string(kMaxLineQuantity) + ", got " +
                                std::to_string(delta.value));
  }
  return {};
}

Status check(const AdjustStock& c) {
  return first_failure(
      {check_id("sku", c.sku.str()), check_delta(c.delta), check_reason(c.reason)});
}

Status check(const OpenCart& c) {
  return first_failure({check_id("cart_id", c.cart_id.str()),
                        check_id("customer_id", c.customer_id.str()),
                        check_currency("currency", c.currency)});
}

Status check(const AddCartItem& c) {
  return first_failure({check_id("cart_id", c.cart_id.str()), check_id("sku", c.sku.str()),
                        check_quantity("quantity", c.quantity)});
}

Status check(const RemoveCartItem& c) {
  return first_failure({check_id("cart_id", c.cart_id.str()), check_id("sku", c.sku.str()),
                        c.quantity ? check_quantity("quantity", *c.quantity) : Status{}});
}

Status check(const AbandonCart& c) { return check_id("cart_id", c.cart_id.str()); }

Status check(const CheckOutCart& c) {
  return first_failure(
      {check_id("cart_id", c.cart_id.str()), check_id("order_id", c.order_id.str())});
}

Status check(const CancelOrder& c) {
  return first_failure({check_id("order_id", c.order_id.str()), check_reason(c.reason)});
}

Status check(const ShipOrder& c) {
  return first_failure({check_id("order_id", c.order_id.str()),
                        check_optional("carrier", c.carrier),
                        check_optional("tracking", c.tracking)});
}

Status check(const DeliverOrder& c) { return check_id("order_id", c.order_id.str()); }

// Lines of {sku, quantity} (a return's, a hold's): at least one, each sku once.
template <class Line>
Status check_sku_lines(const std::vector<Line>& lines) {
  if (lines.empty()) return invalid("lines", "must name at least one line");
  std::set<std::string> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    if (auto s = first_failure({check_id(field + ".sku", lines[i].sku.str()),
                                check_quantity(field + ".quantity", lines[i].quantity)});
        !s) {
      return s;
    }
    if (!seen.insert(lines[i].sku.str()).second) {
      return invalid(field + ".sku", "repeats sku " + lines[i].sku.str() + "; name it once");
    }
  }
  return {};
}

Status check(const ReturnOrderItems& c) {
  return first_failure({check_id("order_id", c.order_id.str()), check_sku_lines(c.lines)});
}

Status check(const AuthorizePayment& c) {
  return first_failure({check_id("order_id", c.order_id.str()),
                        check_id("payment_id", c.payment_id.str()),
                        check_money("amount", c.amount, Sign::kPositive),
                        check_optional("provider_ref", c.provider_ref)});
}

Status check(const CapturePayment& c) {
  return first_failure({check_id("order_id", c.order_id.str()),
                        check_id("payment_id", c.payment_id.str()),
                        c.amount ? check_money("amount", *c.amount, Sign::kPositive) : Status{}});
}

Status check(const VoidPayment& c) {
  return first_failure(
      {check_id("order_id", c.order_id.str()), check_id("payment_id", c.payment_id.str())});
}

Status check(const FailPayment& c) {
  return first_failure({check_id("order_id", c.order_id.str()),
                        check_id("payment_id", c.payment_id.str()), check_reason(c.reason)});
}

Status check(const RefundPayment& c) {
  return first_failure({check_id("order_id", c.order_id.str()),
                        check_id("payment_id", c.payment_id.str()),
                        check_money("amount", c.amount, Sign::kPositive), check_reason(c.reason)});
}

Status check_stars(int32_t stars) {
  if (stars >= 1 && stars <= 5) return {};
  return invalid("stars", "must be 1-5, got " + std::to_string(stars));
}

Status check(const SubmitRating& c) {
  return first_failure({check_id("order_id", c.order_id.str()), check_id("sku", c.sku.str()),
                        check_stars(c.stars),
                        check_text("comment", c.comment, 0, kMaxCommentChars)});
}

Status check(const RecordRating& c) {
  return first_failure({check_id("sku", c.sku.str()), check_id("customer_id", c.customer_id.str()),
                        check_id("order_id", c.order_id.str()), check_stars(c.stars),
                        check_text("comment", c.comment, 0, kMaxCommentChars)});
}

Status check(const RejectRating& c) {
  return first_failure({check_id("sku", c.sku.str()), check_id("customer_id", c.customer_id.str()),
                        check_reason(c.reason)});
}

// A hold names at most this many lines: a cart's (max_cart_lines, 500 by default)
// with room for a larger configured bound.
constexpr size_t kMaxHoldLines = 10'000;

Status check_attempt(uint64_t attempt) {
  if (attempt >= 1) return {};
  return invalid("attempt", "must be 1 or more");
}

Status check_hold_lines(const std::vector<HoldLine>& lines) {
  if (lines.size() > kMaxHoldLines) {
    return invalid("lines", "may name at most " + std::to_string(kMaxHoldLines) + " lines");
  }
  return check_sku_lines(lines);
}

Status check_hold_skus(const std::vector<Sku>& skus) {
  if (skus.empty()) return invalid("skus", "must name at least one sku");
  if (skus.size() > kMaxHoldLines) {
    return invalid("skus", "may name at most " + std::to_string(kMaxHoldLines) + " skus");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < skus.size(); ++i) {
    std::string field = "skus[" + std::to_string(i) + "]";
    if (auto s = check_id(field, skus[i].str()); !s) return s;
    if (!seen.insert(skus[i].str()).second) {
      return invalid(field, "repeats sku " + skus[i].str() + "; name it once");
    }
  }
  return {};
}

Status check(const PlaceHold& c) {
  return first_failure({check_id("order_id", c.order_id.str()), check_attempt(c.attempt),
                        check_currency("currency", c.currency), check_hold_lines(c.lines)});
}

Status check(const ReleaseHold& c) {
  return first_failure({check_id("order_id", c.order_id.str()), check_attempt(c.attempt),
                        check_hold_skus(c.skus), check_reason(c.reason)});
}

Status check(const ConfirmHold& c) {
  return first_failure(
      {check_id("order_id", c.order_id.str()), check_attempt(c.attempt), check_hold_skus(c.skus)});
}

// An order.place's lines: one at least, one per sku, a positive quantity and a price
// of at least zero in one currency.
Status check_priced_lines(const std::vector<OrderLine>& lines) {
  if (lines.size() > kMaxHoldLines) {
    return invalid("lines", "may name at most " + std::to_string(kMaxHoldLines) + " lines");
  }
  if (auto s = check_sku_lines(lines); !s) return s;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string field = "lines[" + std::to_string(i) + "]";
    if (auto s = check_money(field + ".unit_price", lines[i].unit_price, Sign::kNonNegative); !s) {
      return s;
    }
    if (lines[i].unit_price.currency != lines.front().unit_price.currency) {
      return invalid(field + ".unit_price",
                     "is in " + std::string(lines[i].unit_price.currency.str()) +
                         ", not the order's " +
                         std::string(lines.front().unit_price.currency.str()));
    }
  }
  return {};
}

Status check(const PlaceOrder& c) {
  return first_failure({check_id("order_id", c.order_id.str()),
                        check_id("cart_id", c.cart_id.str()),
                        check_id("customer_id", c.customer_id.str()), check_priced_lines(c.lines)});
}

Status check(const SettleStock& c) {
  if (c.lines.size() > kMaxHoldLines) {
    return invalid("lines", "may name at most " + std::to_string(kMaxHoldLines) + " lines");
  }
  return first_failure({check_id("order_id", c.order_id.str()), check_sku_lines(c.lines)});
}

Status check(const ExpireOrder& c) { return check_id("order_id", c.order_id.str()); }

Status check(const FinishCheckout& c) {
  if (auto s = check_id("cart_id", c.cart_id.str()); !s) return s;
  if (c.attempt == 0) return invalid("attempt", "must be 1 or more");
  if (!c.placed && !error_code_from_name(c.code)) return invalid("code", "must name an error code");
  if (c.placed && c.refusing) return invalid("refusing", "a placed checkout refuses nothing");
  return {};
}

Status check(const ExpireHold& c) {
  return first_failure({check_id("sku", c.sku.str()), check_id("order_id", c.order_id.str())});
}

// A client's command id is of the id alphabet; the engine's own commands carry ids
// outside it (engine/model/command.h), each exactly the one its command implies.
Status check_command_id(const CommandEnvelope& envelope) {
  if (!is_engine_command(envelope.command)) {
    return check_id("command_id", envelope.command_id.str());
  }
  const CommandId expected = engine_command_id(envelope.command);
  if (envelope.command_id == expected) return {};
  return invalid("command_id", "of the engine's own " +
                                   std::string(command_name(envelope.command)) + " must be " +
                                   expected.str());
}

}  // namespace

Status validate(const CommandEnvelope& envelope) {
  return first_failure({check_command_id(envelope), check_id("actor.id", envelope.actor.id.str()),
                        std::visit([](const auto& c) { return check(c); }, envelope.command)});
}

}  // namespace stockroom

#include "engine/domain/payment_decider.h"

#include <algorithm>
#include <optional>
#include <string>

#include "engine/domain/order_decider.h"
#include "engine/model/checked_math.h"

namespace stockroom {
namespace {

const PaymentState* find_payment(const OrderState& order, const PaymentId& id) {
  auto it = std::find_if(order.payments.begin(), order.payments.end(),
                         [&](const PaymentState& p) { return p.payment_id == id; });
  return it == order.payments.end() ? nullptr : &*it;
}

// Money the order's payments hold: captured net of refunds plus authorized remainders.
std::optional<int64_t> committed(const OrderState& order) {
  std::optional<int64_t> sum = 0;
  for (const PaymentState& p : order.payments) {
    if (sum) sum = checked_add(*sum, p.captured - p.refunded);
    if (sum) sum = checked_add(*sum, p.uncaptured());
  }
  return sum;
}

Result<const PaymentState*> existing_payment(const OrderId& order_id, const OrderState& order,
                                             const PaymentId& payment_id) {
  if (auto s = check_placed(order_id, order); !s) return std::unexpected(s.error());
  const PaymentState* p = find_payment(order, payment_id);
  if (p == nullptr) return refuse_not_found("payment", "payment_id", payment_id.str());
  return p;
}

Refusal refuse_payment_status(const PaymentId& id, std::string reason) {
  return refuse_state("payment " + id.str() + " " + reason, {{"payment_id", id.str()}});
}

bool ended(const OrderState& order) {
  return order.status == OrderStatus::kCancelled || order.status == OrderStatus::kExpired;
}

// OrderPaid follows a capture that brings an unpaid order's net capture to its total.
bool completes_payment(const OrderState& order, int64_t captured) {
  std::optional<int64_t> net = checked_add(order.captured_net(), captured);
  return order.status == OrderStatus::kAwaitingPayment && net && *net >= order.total.amount;
}

Status check_capture(const CapturePayment& command, const OrderState& order,
                     const PaymentState& p) {
  if (p.status != PaymentStatus::kAuthorized) {
    return refuse_payment_status(command.payment_id, "is no longer authorized");
  }
  if (ended(order)) {
    return refuse_order_status(command.order_id, order, "its payments can no longer be captured");
  }
  if (command.amount && command.amount->currency != order.currency) {
    return refuse_currency("order", order.currency, command.amount->currency);
  }
  // An explicit amount is a bound question (AMOUNT_EXCEEDED in decide, as for refund); only
  // "capture the rest" of nothing is a lifecycle one.
  if (!command.amount && p.uncaptured() <= 0) {
    return refuse_payment_status(command.payment_id, "has nothing left to capture");
  }
  return {};
}

}  // namespace

Decision decide(const AuthorizePayment& command, const OrderState& order) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  if (order.status != OrderStatus::kAwaitingPayment) {
    return refuse_order_status(command.order_id, order, "only an unpaid order takes payments");
  }
  if (find_payment(order, command.payment_id) != nullptr) {
    return fail(ErrorCode::kAlreadyExists, "payment " + command.payment_id.str() + " exists",
                {{"payment_id", command.payment_id.str()}});
  }
  if (command.amount.currency != order.currency) {
    return refuse_currency("order", order.currency, command.amount.currency);
  }
  std::optional<int64_t> held = committed(order);
  if (!held) return refuse_overflow("committed payments");
  int64_t open = order.total.amount - *held;
  if (command.amount.amount > open) {
    return refuse_amount("authorizing " + std::to_string(command.amount.amount) + " exceeds the " +
                             std::to_string(open) + " not yet committed",
                         command.amount.amount, open);
  }
  return accept(PaymentAuthorized{command.order_id, command.payment_id, command.amount,
                                  command.provider_ref});
}

Decision decide(const CapturePayment& command, const OrderState& order) {
  auto p = existing_payment(command.order_id, order, command.payment_id);
  if (!p) return std::unexpected(p.error());
  if (auto s = check_capture(command, order, **p); !s) return std::unexpected(s.error());
  int64_t remainder = (*p)->uncaptured();
  Money amount = command.amount.value_or(Money{remainder, order.currency});
  if (amount.amount > remainder) {
    return refuse_amount("capturing " + std::to_string(amount.amount) + " exceeds the " +
                             std::to_string(remainder) + " authorized and not captured",
                         amount.amount, remainder);
  }
  std::vector<EventData> events;
  events.emplace_back(PaymentCaptured{command.order_id, command.payment_id, amount});
  if (completes_payment(order, amount.amount)) events.emplace_back(OrderPaid{command.order_id});
  return events;
}

Decision decide(const VoidPayment& command, const OrderState& order) {
  auto p = existing_payment(command.order_id, order, command.payment_id);
  if (!p) return std::unexpected(p.error());
  if ((*p)->status != PaymentStatus::kAuthorized || (*p)->uncaptured() <= 0) {
    return refuse_payment_status(command.payment_id, "has no authorized remainder to void");
  }
  return accept(PaymentVoided{command.order_id, command.payment_id,
                              Money{(*p)->uncaptured(), order.currency}});
}

Decision decide(const FailPayment& command, const OrderState& order) {
  if (auto s = check_placed(command.order_id, order); !s) return std::unexpected(s.error());
  const PaymentState* p = find_payment(order, command.payment_id);
  if (p != nullptr && (p->status != PaymentStatus::kAuthorized || p->captured > 0)) {
    return refuse_payment_status(command.payment_id,
                                 "can fail only while authorized with nothing captured");
  }
  return accept(PaymentFailed{command.order_id, command.payment_id, command.reason});
}

Decision decide(const RefundPayment& command, const OrderState& order) {
  auto p = existing_payment(command.order_id, order, command.payment_id);
  if (!p) return std::unexpected(p.error());
  if (command.amount.currency != order.currency) {
    return refuse_currency("order", order.currency, command.amount.currency);
  }
  int64_t refundable = (*p)->captured - (*p)->refunded;
  if (command.amount.amount > refundable) {
    return refuse_amount("refunding " + std::to_string(command.amount.amount) + " exceeds the " +
                             std::to_string(refundable) + " captured and not refunded",
                         command.amount.amount, refundable);
  }
  return accept(
      PaymentRefunded{command.order_id, command.payment_id, command.amount, command.reason});
}

}  // namespace stockroom

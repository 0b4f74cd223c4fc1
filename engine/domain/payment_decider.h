// The payment decider: an order's payments, kept in the order's stream.
//
// Money arithmetic per payment: uncaptured = authorized - captured - voided; an order's
// committed money = sum of (captured - refunded + uncaptured) over its payments, and
// never exceeds its total. Each function decides one command that has passed
// validate() and check_role(); the first check is always that the order exists
// (NOT_FOUND). Pure.
#pragma once

#include "engine/domain/decision.h"
#include "engine/domain/state.h"
#include "engine/model/command.h"

namespace stockroom {

// Awaiting payment (INVALID_STATE); payment id new (ALREADY_EXISTS); order currency
// (CURRENCY_MISMATCH); amount <= total - committed (AMOUNT_EXCEEDED) ->
// PaymentAuthorized.
[[nodiscard]] Decision decide(const AuthorizePayment& command, const OrderState& order);

// Payment exists (NOT_FOUND), authorized (INVALID_STATE); order not cancelled or
// expired (INVALID_STATE); order currency (CURRENCY_MISMATCH); something left to
// capture (INVALID_STATE); amount <= uncaptured (AMOUNT_EXCEEDED) -> PaymentCaptured,
// then OrderPaid when an order awaiting payment reaches captured - refunded == total.
[[nodiscard]] Decision decide(const CapturePayment& command, const OrderState& order);

// Payment exists (NOT_FOUND); authorized with an uncaptured remainder (INVALID_STATE)
// -> PaymentVoided{the remainder}.
[[nodiscard]] Decision decide(const VoidPayment& command, const OrderState& order);

// A new payment id (records a declined attempt) or an authorized payment with nothing
// captured (releases its remainder); otherwise INVALID_STATE -> PaymentFailed.
[[nodiscard]] Decision decide(const FailPayment& command, const OrderState& order);

// Payment exists (NOT_FOUND); order currency (CURRENCY_MISMATCH); amount <= captured -
// refunded on that payment (AMOUNT_EXCEEDED) -> PaymentRefunded.
[[nodiscard]] Decision decide(const RefundPayment& command, const OrderState& order);

}  // namespace stockroom

// The shared vocabulary of the deciders: what a decision returns and how its refusals
// are worded, so that every decider phrases the same code the same way. Pure.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/domain/state.h"
#include "engine/model/error.h"
#include "engine/model/event.h"
#include "engine/model/types.h"

namespace stockroom {

// The events that record an accepted command, in the order they are appended.
using Decision = Result<std::vector<EventData>>;
using Refusal = std::unexpected<Error>;

// An acceptance of the given events, in argument order.
template <class... E>
[[nodiscard]] Decision accept(E&&... events) {
  std::vector<EventData> out;
  out.reserve(sizeof...(E));
  (out.emplace_back(std::forward<E>(events)), ...);
  return out;
}

// NOT_FOUND: "<what> <id> does not exist", details {field: id}.
[[nodiscard]] Refusal refuse_not_found(std::string_view what, std::string_view field,
                                       const std::string& id);

// INVALID_STATE with a message and details.
[[nodiscard]] Refusal refuse_state(std::string message, std::vector<ErrorDetail> details = {});

// CURRENCY_MISMATCH: `actual` where `expected` (the cart's, order's or product's) was due.
[[nodiscard]] Refusal refuse_currency(std::string_view owner, Currency expected, Currency actual);

// AMOUNT_EXCEEDED: `requested` above the `allowed` bound.
[[nodiscard]] Refusal refuse_amount(std::string message, int64_t requested, int64_t allowed);

// AMOUNT_EXCEEDED for arithmetic that would overflow int64 (`what` names the sum).
[[nodiscard]] Refusal refuse_overflow(std::string_view what);

// OUT_OF_STOCK naming every short line (a checkout's, a hold's): details of the first,
// `shortages` all of them. REQUIRES: `shortages` is not empty.
[[nodiscard]] Refusal refuse_out_of_stock(std::vector<Shortage> shortages);

// FORBIDDEN, naming the actor.
[[nodiscard]] Refusal refuse_forbidden(std::string message, const Actor& actor);

// Contract names of lifecycle states, e.g. "awaiting_payment", "checked_out".
[[nodiscard]] std::string_view order_status_name(OrderStatus status) noexcept;
[[nodiscard]] std::string_view cart_status_name(CartStatus status) noexcept;

}  // namespace stockroom

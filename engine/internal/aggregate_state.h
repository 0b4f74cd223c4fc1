// AnyState: the state of whichever aggregate a stream holds, for the parts of the
// engine that handle every kind alike (the state cache, snapshots, the audit).
// Pure: no I/O. Thread-compatible.
#pragma once

#include <string_view>
#include <variant>

#include "engine/domain/state.h"
#include "engine/model/event.h"

namespace stockroom::engine::internal {

using AnyState = std::variant<ProductState, CartState, OrderState, ReviewState>;

// The empty state of the aggregate kind a stream name starts with (a product's for
// any name that is not a cart's, an order's or a review's).
[[nodiscard]] AnyState empty_state_for(std::string_view stream);

// evolve() on whichever state `state` holds.
void evolve_any(AnyState& state, const EventData& event, Timestamp time);

// The version the state is at: the events folded into it.
[[nodiscard]] StreamVersion version_of(const AnyState& state);

}  // namespace stockroom::engine::internal

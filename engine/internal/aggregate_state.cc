#include "engine/internal/aggregate_state.h"

#include "engine/evolve.h"

namespace stockroom::engine::internal {

AnyState empty_state_for(std::string_view stream) {
  if (stream.starts_with("cart-")) return CartState{};
  if (stream.starts_with("order-")) return OrderState{};
  if (stream.starts_with("review-")) return ReviewState{};
  return ProductState{};
}

void evolve_any(AnyState& state, const EventData& event, Timestamp time) {
  std::visit([&](auto& s) { evolve(s, event, time); }, state);
}

StreamVersion version_of(const AnyState& state) {
  return std::visit([](const auto& s) { return s.version; }, state);
}

}  // namespace stockroom::engine::internal

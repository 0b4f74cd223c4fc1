#include "engine/internal/aggregate_state.h"

#include "engine/domain/evolve.h"
#include "engine/model/event.h"

namespace stockroom::engine::internal {

AnyState empty_state_for(std::string_view stream) {
  const auto kind = stream_kind_of(stream);  // the one table, engine/model/event.h
  switch (kind ? kind->aggregate : AggregateKind::kProduct) {
    case AggregateKind::kCart:
      return CartState{};
    case AggregateKind::kOrder:
      return OrderState{};
    case AggregateKind::kReview:
      return ReviewState{};
    case AggregateKind::kProduct:
      break;
  }
  return ProductState{};
}

void evolve_any(AnyState& state, const EventData& event, Timestamp time) {
  std::visit([&](auto& s) { evolve(s, event, time); }, state);
}

StreamVersion version_of(const AnyState& state) {
  return std::visit([](const auto& s) { return s.version; }, state);
}

}  // namespace stockroom::engine::internal

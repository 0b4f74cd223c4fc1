// evolve(): folds one event into the state of the aggregate it belongs to. Pure.
//
// Each overload applies only events of its own aggregate and ignores the others, so
// a caller may fold a whole stream without dispatching. Every applied event bumps
// the state's version by one.
#pragma once

#include "engine/domain/state.h"
#include "engine/model/event.h"

namespace stockroom {

void evolve(ProductState& state, const EventData& event, Timestamp time);
void evolve(CartState& state, const EventData& event, Timestamp time);
void evolve(OrderState& state, const EventData& event, Timestamp time);
void evolve(ReviewState& state, const EventData& event, Timestamp time);

}  // namespace stockroom

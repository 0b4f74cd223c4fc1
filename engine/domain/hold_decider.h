// Holds: a product partition's side of a checkout coordinated by another partition
// (command.h, PlaceHold; docs/scale-out.md "Checkouts across partitions"). Pure.
//
// Every hold command is safe to deliver twice, late or out of order: a request that
// finds what it asks for already done is refused with ALREADY_EXISTS and writes
// nothing (the coordinator counts it as done); a hold of an attempt that was released
// (a tombstone) or whose expiry has passed is INVALID_STATE.
#pragma once

#include "engine/domain/decide.h"
#include "engine/domain/decision.h"

namespace stockroom {

// All of its lines or none: each product defined, active and priced in the hold's
// currency, each line's stock available (OUT_OF_STOCK names every short one).
// HoldPlaced and StockReserved per line.
[[nodiscard]] Decision decide(const PlaceHold& command, StateReader& states,
                              const DecideContext& context);

// Releases what the attempt holds: HoldReleased and StockReleased per held line, a
// tombstone HoldReleased (quantity 0) for a line it never held. A confirmed hold is
// the order's now (INVALID_STATE); a line a later attempt holds is left alone.
[[nodiscard]] Decision decide(const ReleaseHold& command, StateReader& states);

// HoldConfirmed per line the attempt holds; INVALID_STATE when one was released or is
// past its expiry, NOT_FOUND when there is no trace of it (never held, or released and
// forgotten past its expiry). Either way the coordinator cannot have its stock.
[[nodiscard]] Decision decide(const ConfirmHold& command, StateReader& states,
                              const DecideContext& context);

// The engine's own expiry of a hold neither confirmed nor released by its expiry:
// HoldReleased ("expired") and StockReleased. INVALID_STATE when the hold is not held
// any more or not due yet (the schedule entry was stale).
[[nodiscard]] Decision decide(const ExpireHold& command, const ProductState& product,
                              const DecideContext& context);

}  // namespace stockroom

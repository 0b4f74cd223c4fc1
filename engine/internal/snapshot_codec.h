// Snapshots: the state of one stream after its first `version` events, stored so that a
// cache miss folds only the events after it (docs/engine.md, "Snapshots"). The stored
// form is one FlatBuffer of schemas/snapshots.fbs, identifier "SRSN", under the
// stream's name in the "snapshots" keyspace (docs/storage.md, "Snapshots").
//
// A snapshot is anchored to the event it was taken at: that event's position and its
// chain hash. A reader uses a snapshot only when its format is this build's and the
// log still holds that very event at that version; otherwise it folds the stream
// from its first event. Pure: no I/O. Thread-safe (the encoder's builder is
// per-thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/internal/aggregate_state.h"
#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

inline constexpr std::string_view kSnapshotSpace = "snapshots";

// Bump on ANY change to schemas/snapshots.fbs or to what evolve() makes of an event:
// snapshots of another format are then ignored (and rewritten as streams grow).
inline constexpr uint8_t kSnapshotFormat = 2;  // 2: a product's holds

struct Snapshot {
  AnyState state;       // at version_of(state) >= 1
  Position position;    // of the stream's event at that version
  events::Hash hash{};  // the chain hash after that event
};

// The snapshot of `stream` at `state` into `out` (cleared first; reuse it). Equal
// arguments give equal bytes. `position` and `hash` are those of the stream's event
// at version_of(state).
void encode_snapshot(std::string_view stream, const AnyState& state, Position position,
                     const events::Hash& hash, std::string& out);

// The snapshot `bytes` hold, stored under the key `stream`. Errors:
//   kInvalidState  written in another format than kSnapshotFormat (an older or a newer
//                  build): to be ignored, it is not damage;
//   kMalformed     anything else that cannot be used: not a Snapshot FlatBuffer, a
//                  missing field, another stream's name, a state of another kind than
//                  the stream's, version 0, a hash that is not 32 bytes.
[[nodiscard]] Result<Snapshot> decode_snapshot(std::string_view bytes, std::string_view stream);

}  // namespace stockroom::engine::internal

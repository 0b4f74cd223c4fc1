// verify_indexes: the checks of the "streams" and "time" indexes beyond the chain walk
// (docs/storage.md, "Verifying"). verify_chain() already proves that every event's
// (stream, version) entry points at it; so a "streams" family holding exactly one
// entry per event has no stray entry. For "time", each event's entry is looked up at
// the time its record holds, and the family must hold exactly one entry per event.
// When a count is off, a second pass finds the first stray entry to name its position.
// Threads: reads only; safe beside the writer.
#pragma once

#include "engine/model/error.h"
#include "events/event_log.h"
#include "events/internal/log_reader.h"
#include "events/internal/log_store.h"

namespace stockroom::events::internal {

[[nodiscard]] Result<VerifyReport> verify_indexes(const LogStore& store, const LogReader& reader,
                                                  const Head& head,
                                                  const EventLog::TimeOf& time_of);

}  // namespace stockroom::events::internal

// The log options of a writable open of a data directory: the same keyspaces for the
// engine and for a standby that follows a partition's stream into it (follower.h), so
// that both write the same families.
#pragma once

#include "engine/engine.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

[[nodiscard]] events::LogOptions writable_log_options(const EngineOptions& options);

}  // namespace stockroom::engine::internal

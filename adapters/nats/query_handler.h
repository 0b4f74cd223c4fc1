// Answers one decoded query from the engine's read side (nats-api.md, "Queries").
// Runs on a query worker, never on the writer or a NATS delivery thread.
#pragma once

#include <string>

#include "adapters/wire/wire.h"
#include "engine/engine.h"

namespace stockroom::nats_adapter {

// Writes the reply (or the error reply) into `out` in the codec's encoding.
void answer_query(const engine::Engine& engine, const wire::Codec& codec, const wire::Query& query,
                  std::string& out);

}  // namespace stockroom::nats_adapter

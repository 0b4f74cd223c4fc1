// Answers one decoded query from the engine's read side (nats-api.md, "Queries").
// Runs on a query worker, never on the writer or a NATS delivery thread.
#pragma once

#include <functional>
#include <string>

#include "adapters/audit/signed_head.h"
#include "adapters/nats/reply_limit.h"
#include "adapters/wire/wire.h"
#include "engine/engine.h"

namespace stockroom::nats_adapter {

// Where query.head gets the latest signed head (HeadPublisher::latest); empty when
// this serve signs no heads, and query.head is then refused with UNAVAILABLE.
using HeadSource = std::function<audit::SignedHead()>;

// Writes the reply (or the error reply) into `out` in the codec's encoding. Pages of
// events (history, events) are cut to fit `limit`, next_version / next_position
// saying where to go on; when not even their first event fits, the reply is that
// event's PAYLOAD_TOO_LARGE (reply_limit.h). Other replies are written whole: the
// caller checks their size.
void answer_query(const engine::Engine& engine, const wire::Codec& codec, const wire::Query& query,
                  const ReplyLimit& limit, std::string& out, const HeadSource& heads = {});

}  // namespace stockroom::nats_adapter

// Answers one decoded query from the engine's read side (nats-api.md, "Queries").
// Runs on a query worker, never on the writer or a NATS delivery thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "adapters/audit/signed_head.h"
#include "adapters/nats/query_budget.h"
#include "adapters/nats/reply_limit.h"
#include "adapters/wire/wire.h"
#include "engine/engine.h"

namespace stockroom::nats_adapter {

// Where query.head gets the latest signed head (HeadPublisher::latest); empty when
// this serve signs no heads, and query.head is then refused with UNAVAILABLE.
using HeadSource = std::function<audit::SignedHead()>;

// How an answered query ended: whole, or stopped by its budget with a reply that says
// how far it got (verify's `checked`, the feed's `next_position`).
enum class QueryEnd : uint8_t { kComplete, kCutShort };

// Point queries (one key: order, stock, rating, cart, head) cost the same whatever
// the log's size; the others grow with it and run on the long lane (query_lane.h).
[[nodiscard]] bool is_point_query(wire::Query::Kind kind) noexcept;

// Writes the reply (or the error reply) into `out` in the codec's encoding. Pages of
// events (history, events) are cut to fit `limit`, next_version / next_position
// saying where to go on; when not even their first event fits, the reply is that
// event's PAYLOAD_TOO_LARGE (reply_limit.h). Other replies are written whole: the
// caller checks their size.
// `budget` bounds what verify and a filtered events scan may cost: they work in
// chunks and, once it is spent, reply with what they have (kCutShort): verify with
// `checked` short of its range, the feed with `next_position` where its scan stopped.
// A verify whose budget is cancelled before it began is UNAVAILABLE.
QueryEnd answer_query(const engine::Engine& engine, const wire::Codec& codec,
                      const wire::Query& query, const ReplyLimit& limit, std::string& out,
                      const HeadSource& heads = {}, const QueryBudget& budget = {});

}  // namespace stockroom::nats_adapter

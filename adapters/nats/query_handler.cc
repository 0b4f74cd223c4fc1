#include "adapters/nats/query_handler.h"

#include <algorithm>
#include <iterator>

namespace stockroom::nats_adapter {
namespace {

using Kind = wire::Query::Kind;

Error not_found(std::string what) { return Error{ErrorCode::kNotFound, std::move(what), {}, {}}; }

void view_query(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
                std::string& out) {
  const std::string_view name = wire::view_name(q.kind);
  auto v = e.view(name, q.key);
  if (!v) return codec.error_reply(v.error(), out);
  if (!*v || q.key.starts_with('\x01')) {
    return codec.error_reply(not_found(std::string(name) + " " + q.key + " does not exist"), out);
  }
  codec.view_reply(name, **v, out);
}

// The view shape of a stream kind (as_of).
std::string_view shape_of(std::string_view stream) {
  const auto kind = stream_kind_of(stream);
  return kind ? kind->view : std::string_view();
}

void as_of(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
           std::string& out) {
  auto folded = q.time ? e.as_of(q.stream, *q.time)
                       : e.as_of(q.stream, q.position.value_or(e.head().position));
  if (!folded) return codec.error_reply(folded.error(), out);
  codec.view_reply(shape_of(q.stream), *folded, out);
}

// The longest page of `events` that fits `limit`, or the refusal of its first event
// when even that one does not fit. `next(kept)` is the page's next value.
void page(const wire::Codec& codec, const std::vector<engine::LoggedEvent>& events,
          std::string_view next_name, const wire::NextFn& next, const ReplyLimit& limit,
          std::string& out) {
  if (codec.events_page(events, next_name, next, limit.body_bytes(), out) > 0 || events.empty()) {
    return;
  }
  // Its size alone, for the message: one more encoding, only in this rare case.
  codec.events_reply({events.front()}, next_name, 0, out);
  codec.error_reply(event_too_large(events.front(), next_name, out.size(), limit), out);
}

void history(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
             const ReplyLimit& limit, std::string& out) {
  auto events = e.history(q.stream, q.from_version, q.limit);
  if (!events) return codec.error_reply(events.error(), out);
  if (events->empty() && q.from_version.value <= 1) {
    return codec.error_reply(not_found("stream " + q.stream + " has no events"), out);
  }
  const auto next = [&](size_t kept) {
    return kept == 0 ? q.from_version.value : (*events)[kept - 1].event.version.value + 1;
  };
  page(codec, *events, "next_version", next, limit, out);
}

// How many positions a filtered feed scans, and how many events verify walks, between
// two looks at the budget: tens of milliseconds each on a log in the page cache
// (verify also reads the stream index twice per event), so a deadline is kept closely.
constexpr uint64_t kScanWindow = 16'384;
constexpr uint64_t kVerifyChunk = 4'096;

// Events of the feed's types from `from`, window by window until the page is full,
// the head is passed or the budget is spent. `scanned`: the last position looked at.
Result<std::vector<engine::LoggedEvent>> scan_types(const engine::Engine& e, const wire::Query& q,
                                                    uint64_t head, const QueryBudget& budget,
                                                    uint64_t& scanned, QueryEnd& end) {
  std::vector<engine::LoggedEvent> events;
  scanned = std::max<uint64_t>(q.from_position.value, 1) - 1;
  while (scanned < head && events.size() < q.limit) {
    const uint64_t to = std::min(head, scanned + kScanWindow);
    auto part =
        e.events_from(Position{scanned + 1}, q.limit - events.size(), q.types, Position{to});
    if (!part) return std::unexpected(part.error());
    const bool filled = part->size() == q.limit - events.size();
    scanned = filled && !part->empty() ? part->back().event.position.value : to;
    std::move(part->begin(), part->end(), std::back_inserter(events));
    if (scanned < head && events.size() < q.limit && budget.spent()) {
      end = QueryEnd::kCutShort;
      break;
    }
  }
  return events;
}

QueryEnd feed(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
              const ReplyLimit& limit, const QueryBudget& budget, std::string& out) {
  // The head before the scan: the scan reaches at least that far, so going on past it
  // skips nothing (one read after could pass events appended meanwhile).
  const uint64_t head = e.head().position.value;
  QueryEnd end = QueryEnd::kComplete;
  uint64_t scanned = 0;
  auto events = q.types.empty() ? e.events_from(q.from_position, q.limit)
                                : scan_types(e, q, head, budget, scanned, end);
  if (!events) {
    codec.error_reply(events.error(), out);
    return QueryEnd::kComplete;
  }
  const auto next = [&](size_t kept) {
    uint64_t n = kept == 0 ? q.from_position.value : (*events)[kept - 1].event.position.value + 1;
    // With a type filter the scan may stop short of the limit (at the head, or where
    // the budget ran out); the next position is then past what it scanned, so a
    // follower does not rescan. Not for a page cut by bytes: the events after it are
    // still to come.
    if (!q.types.empty() && kept == events->size()) n = std::max(n, scanned + 1);
    return n;
  };
  page(codec, *events, "next_position", next, limit, out);
  return end;
}

QueryEnd verify(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
                const QueryBudget& budget, std::string& out) {
  if (budget.cancelled()) {
    codec.error_reply(Error{ErrorCode::kUnavailable,
                            "serve is shutting down; retry verify on another instance",
                            {},
                            {}},
                      out);
    return QueryEnd::kComplete;
  }
  const uint64_t to = q.to_position.value_or(e.head().position).value;
  uint64_t next = std::max<uint64_t>(q.from_position.value, 1);
  uint64_t checked = 0;
  // Chunk by chunk, each starting from the stored hash before it, which the previous
  // chunk has just recomputed: the same walk as one call, in pieces.
  for (;;) {
    const uint64_t chunk_end = std::min(to, next + kVerifyChunk - 1);
    auto report = e.verify(Position{next}, Position{chunk_end});
    if (!report) {
      codec.error_reply(report.error(), out);
      return QueryEnd::kComplete;
    }
    checked += report->checked;
    const bool done = !report->ok || chunk_end >= to || report->checked == 0;
    if (done || budget.spent()) {
      report->checked = checked;
      codec.verify_reply(*report, out);
      return done ? QueryEnd::kComplete : QueryEnd::kCutShort;
    }
    next = chunk_end + 1;
  }
}

void head(const wire::Codec& codec, const HeadSource& heads, std::string& out) {
  if (!heads) {
    return codec.error_reply(
        Error{ErrorCode::kUnavailable, "this serve signs no heads (no signing key)", {}, {}}, out);
  }
  codec.head_reply(heads(), out);
}

}  // namespace

bool is_point_query(Kind kind) noexcept {
  switch (kind) {
    case Kind::kOrder:
    case Kind::kStock:
    case Kind::kRating:
    case Kind::kCart:
    case Kind::kHead:
      return true;
    case Kind::kHistory:
    case Kind::kEvents:
    case Kind::kAsOf:
    case Kind::kVerify:
      return false;
  }
  return false;
}

QueryEnd answer_query(const engine::Engine& engine, const wire::Codec& codec,
                      const wire::Query& query, const ReplyLimit& limit, std::string& out,
                      const HeadSource& heads, const QueryBudget& budget) {
  switch (query.kind) {
    case Kind::kOrder:
    case Kind::kStock:
    case Kind::kRating:
    case Kind::kCart:
      view_query(engine, codec, query, out);
      return QueryEnd::kComplete;
    case Kind::kHistory:
      history(engine, codec, query, limit, out);
      return QueryEnd::kComplete;
    case Kind::kEvents:
      return feed(engine, codec, query, limit, budget, out);
    case Kind::kAsOf:
      as_of(engine, codec, query, out);
      return QueryEnd::kComplete;
    case Kind::kVerify:
      return verify(engine, codec, query, budget, out);
    case Kind::kHead:
      head(codec, heads, out);
      return QueryEnd::kComplete;
  }
  codec.error_reply(Error{ErrorCode::kUnknownCommand, "unknown query", {}, {}}, out);
  return QueryEnd::kComplete;
}

}  // namespace stockroom::nats_adapter

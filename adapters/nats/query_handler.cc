#include "adapters/nats/query_handler.h"

#include <algorithm>

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

void feed(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
          const ReplyLimit& limit, std::string& out) {
  // The head before the scan: the scan reaches at least that far, so going on past it
  // skips nothing (one read after could pass events appended meanwhile).
  const uint64_t head = e.head().position.value;
  auto events = e.events_from(q.from_position, q.limit, q.types);
  if (!events) return codec.error_reply(events.error(), out);
  const auto next = [&](size_t kept) {
    uint64_t n = kept == 0 ? q.from_position.value : (*events)[kept - 1].event.position.value + 1;
    // With a type filter the scan may stop at the head without filling the limit; the
    // next position is then past the head, so a follower does not rescan. Not for a
    // page cut by bytes: the events after it are still to come.
    if (!q.types.empty() && events->size() < q.limit && kept == events->size()) {
      n = std::max(n, head + 1);
    }
    return n;
  };
  page(codec, *events, "next_position", next, limit, out);
}

void verify(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
            std::string& out) {
  const Position to = q.to_position.value_or(e.head().position);
  auto report = e.verify(q.from_position, to);
  if (!report) return codec.error_reply(report.error(), out);
  codec.verify_reply(*report, out);
}

void head(const wire::Codec& codec, const HeadSource& heads, std::string& out) {
  if (!heads) {
    return codec.error_reply(
        Error{ErrorCode::kUnavailable, "this serve signs no heads (no signing key)", {}, {}}, out);
  }
  codec.head_reply(heads(), out);
}

}  // namespace

void answer_query(const engine::Engine& engine, const wire::Codec& codec, const wire::Query& query,
                  const ReplyLimit& limit, std::string& out, const HeadSource& heads) {
  switch (query.kind) {
    case Kind::kOrder:
    case Kind::kStock:
    case Kind::kRating:
    case Kind::kCart:
      return view_query(engine, codec, query, out);
    case Kind::kHistory:
      return history(engine, codec, query, limit, out);
    case Kind::kEvents:
      return feed(engine, codec, query, limit, out);
    case Kind::kAsOf:
      return as_of(engine, codec, query, out);
    case Kind::kVerify:
      return verify(engine, codec, query, out);
    case Kind::kHead:
      return head(codec, heads, out);
  }
  codec.error_reply(Error{ErrorCode::kUnknownCommand, "unknown query", {}, {}}, out);
}

}  // namespace stockroom::nats_adapter

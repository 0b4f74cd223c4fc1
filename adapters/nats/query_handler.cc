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
  if (stream.starts_with("product-")) return "stock";
  if (stream.starts_with("order-")) return "order";
  if (stream.starts_with("cart-")) return "cart";
  if (stream.starts_with("review-")) return "rating";
  return {};
}

void as_of(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
           std::string& out) {
  auto folded = q.time ? e.as_of(q.stream, *q.time)
                       : e.as_of(q.stream, q.position.value_or(e.head().position));
  if (!folded) return codec.error_reply(folded.error(), out);
  codec.view_reply(shape_of(q.stream), *folded, out);
}

void history(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
             std::string& out) {
  auto events = e.history(q.stream, q.from_version, q.limit);
  if (!events) return codec.error_reply(events.error(), out);
  if (events->empty() && q.from_version.value <= 1) {
    return codec.error_reply(not_found("stream " + q.stream + " has no events"), out);
  }
  const uint64_t next =
      events->empty() ? q.from_version.value : events->back().event.version.value + 1;
  codec.events_reply(*events, "next_version", next, out);
}

void feed(const engine::Engine& e, const wire::Codec& codec, const wire::Query& q,
          std::string& out) {
  auto events = e.events_from(q.from_position, q.limit, q.types);
  if (!events) return codec.error_reply(events.error(), out);
  // With a type filter the scan may stop at the head without filling the limit;
  // the next position is then past the head, so a follower does not rescan.
  uint64_t next = q.from_position.value;
  if (!events->empty()) next = events->back().event.position.value + 1;
  if (!q.types.empty() && events->size() < q.limit) {
    next = std::max(next, e.head().position.value + 1);
  }
  codec.events_reply(*events, "next_position", next, out);
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
                  std::string& out, const HeadSource& heads) {
  switch (query.kind) {
    case Kind::kOrder:
    case Kind::kStock:
    case Kind::kRating:
    case Kind::kCart:
      return view_query(engine, codec, query, out);
    case Kind::kHistory:
      return history(engine, codec, query, out);
    case Kind::kEvents:
      return feed(engine, codec, query, out);
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

#include "adapters/wire/fb_query_request.h"

#include <array>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "adapters/wire/fb_buffer.h"
#include "schemas/api_generated.h"

namespace stockroom::wire::fbcodec {
namespace {

using Kind = Query::Kind;

// A refusal that names its field the way the JSON codec does: "<field>: <problem>",
// with the detail {"field": <field>}.
std::unexpected<Error> field_error(ErrorCode code, std::string_view field,
                                   std::string_view problem) {
  return fail(code, std::string(field) + ": " + std::string(problem),
              {{"field", std::string(field)}});
}

// A view key or stream name: required and non-empty.
Result<std::string> required_key(const flatbuffers::String* value, std::string_view field) {
  if (value == nullptr) return field_error(ErrorCode::kMalformed, field, "required string");
  if (value->size() == 0)
    return field_error(ErrorCode::kInvalidArgument, field, "must not be empty");
  return value->str();
}

// Positions and versions start at 1; 0 ("none yet") is no place to start from.
Result<std::optional<uint64_t>> from_one(flatbuffers::Optional<uint64_t> value,
                                         std::string_view field) {
  if (!value) return std::nullopt;
  if (*value == 0)
    return field_error(ErrorCode::kInvalidArgument, field, "must be 1 or more, got 0");
  return *value;
}

Result<size_t> limit_of(const fb::QueryRequest& r) {
  const flatbuffers::Optional<uint32_t> limit = r.limit();
  if (!limit) return Query::kMaxQueryLimit;
  if (*limit < 1 || *limit > Query::kMaxQueryLimit) {
    return field_error(
        ErrorCode::kInvalidArgument, "limit",
        "must be 1-" + std::to_string(Query::kMaxQueryLimit) + ", got " + std::to_string(*limit));
  }
  return size_t{*limit};
}

Status read_view(const fb::QueryRequest& r, Query& q) {
  const bool by_sku = q.kind == Kind::kStock || q.kind == Kind::kRating;
  const flatbuffers::String* value = q.kind == Kind::kOrder ? r.order_id()
                                     : by_sku               ? r.sku()
                                                            : r.cart_id();
  const std::string_view field = q.kind == Kind::kOrder ? "order_id" : by_sku ? "sku" : "cart_id";
  Result<std::string> key = required_key(value, field);
  if (!key) return std::unexpected(std::move(key.error()));
  q.key = std::move(*key);
  return {};
}

Status read_history(const fb::QueryRequest& r, Query& q) {
  Result<std::string> stream = required_key(r.stream(), "stream");
  if (!stream) return std::unexpected(std::move(stream.error()));
  q.stream = std::move(*stream);
  const Result<std::optional<uint64_t>> from = from_one(r.from_version(), "from_version");
  if (!from) return std::unexpected(from.error());
  if (*from) q.from_version = StreamVersion{**from};
  const Result<size_t> limit = limit_of(r);
  if (!limit) return std::unexpected(limit.error());
  q.limit = *limit;
  return {};
}

Status read_events(const fb::QueryRequest& r, Query& q) {
  const Result<std::optional<uint64_t>> from = from_one(r.from_position(), "from_position");
  if (!from) return std::unexpected(from.error());
  if (!*from) return field_error(ErrorCode::kMalformed, "from_position", "required integer");
  q.from_position = Position{**from};
  const Result<size_t> limit = limit_of(r);
  if (!limit) return std::unexpected(limit.error());
  q.limit = *limit;
  if (const auto* types = r.types()) {
    q.types.reserve(types->size());
    // Never null: a vector element is an offset, and the Verifier checked each string.
    for (const flatbuffers::String* type : *types) q.types.push_back(type->str());
  }
  return {};
}

Status read_as_of(const fb::QueryRequest& r, Query& q) {
  Result<std::string> stream = required_key(r.stream(), "stream");
  if (!stream) return std::unexpected(std::move(stream.error()));
  q.stream = std::move(*stream);
  const Result<std::optional<uint64_t>> position = from_one(r.position(), "position");
  if (!position) return std::unexpected(position.error());
  if (*position) q.position = Position{**position};
  if (const flatbuffers::Optional<int64_t> time = r.time_us()) q.time = Timestamp{*time};
  // As the JSON codec: neither is the current state, both is ambiguous (INVALID_ARGUMENT).
  if (q.position && q.time) {
    return fail(ErrorCode::kInvalidArgument, "as_of takes at most one of position or time_us");
  }
  return {};
}

Status read_verify(const fb::QueryRequest& r, Query& q) {
  const Result<std::optional<uint64_t>> from = from_one(r.from_position(), "from_position");
  if (!from) return std::unexpected(from.error());
  if (*from) q.from_position = Position{**from};
  if (const flatbuffers::Optional<uint64_t> to = r.to_position()) {
    q.to_position = Position{*to};
    if (q.to_position < q.from_position) {
      return field_error(ErrorCode::kInvalidArgument, "to_position",
                         "must not be before from_position");
    }
  }
  return {};
}

Status read_fields(const fb::QueryRequest& r, Query& q) {
  switch (q.kind) {
    case Kind::kOrder:
    case Kind::kStock:
    case Kind::kRating:
    case Kind::kCart:
      return read_view(r, q);
    case Kind::kHistory:
      return read_history(r, q);
    case Kind::kEvents:
      return read_events(r, q);
    case Kind::kAsOf:
      return read_as_of(r, q);
    case Kind::kVerify:
      return read_verify(r, q);
    case Kind::kHead:
      return {};
  }
  return fail(ErrorCode::kUnknownCommand, "no such query");
}

// A QueryRequest with no field set: what an empty body means, as `{}` does in JSON
// (`nats req <p>.query.verify ''` asks for the defaults).
std::string_view empty_request() {
  static const std::string bytes = [] {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreateQueryRequest(b));
    return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  }();
  return bytes;
}

}  // namespace

Result<Query> read_query_request(std::string_view name, std::string_view body) {
  const std::optional<Kind> kind = query_kind(name);
  if (!kind) {
    return fail(ErrorCode::kUnknownCommand, "no query named \"" + std::string(name) + "\"",
                {{"query", std::string(name)}});
  }
  Result<std::span<const uint8_t>> bytes =
      request_bytes(body.empty() ? empty_request() : body, "query");
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  if (!verifier.VerifyBuffer<fb::QueryRequest>(nullptr)) {
    return fail(ErrorCode::kMalformed, "query is not a valid QueryRequest FlatBuffer");
  }
  Query query;
  query.kind = *kind;
  if (Status read = read_fields(*flatbuffers::GetRoot<fb::QueryRequest>(bytes->data()), query);
      !read) {
    return std::unexpected(std::move(read.error()));
  }
  return query;
}

}  // namespace stockroom::wire::fbcodec

// JSON query requests (nats-api.md, "Queries"): one object whose fields depend on the
// query name. Keys are only checked for presence and type here; what they name is the
// engine's business (an unknown key is NOT_FOUND there).
#include <array>
#include <string>
#include <utility>

#include "adapters/wire/internal_json.h"
#include "adapters/wire/internal_json_reader.h"
#include "projections/internal/time_format.h"

namespace stockroom::wire::internal {
namespace {

using Kind = Query::Kind;

constexpr std::string_view kTimeForm = "must be RFC 3339 UTC, e.g. 2026-11-24T16:18:00.123456Z";

// A required string that must not be empty.
std::string non_empty(RequestReader& r, const char* name) {
  std::string value = r.string(name);
  if (r.ok() && value.empty()) r.fail(ErrorCode::kInvalidArgument, name, "must not be empty");
  return value;
}

// An optional position or version: 1 or more.
std::optional<uint64_t> from_one(RequestReader& r, const char* name) {
  const std::optional<uint64_t> value = r.optional_uint64(name);
  if (value && *value == 0) r.fail(ErrorCode::kInvalidArgument, name, "must be 1 or more, got 0");
  return value;
}

size_t read_limit(RequestReader& r) {
  const std::optional<uint64_t> limit = r.optional_uint64("limit");
  if (!limit) return Query::kMaxQueryLimit;
  if (*limit < 1 || *limit > Query::kMaxQueryLimit) {
    r.fail(
        ErrorCode::kInvalidArgument, "limit",
        "must be 1-" + std::to_string(Query::kMaxQueryLimit) + ", got " + std::to_string(*limit));
  }
  return static_cast<size_t>(*limit);
}

// RFC 3339 UTC text to a timestamp. The engine's parser takes exactly six fractional
// digits; clients often write none or milliseconds (JavaScript's toISOString), so the
// fraction is padded, or cut to microseconds (rounding down keeps "as of" inclusive).
std::optional<Timestamp> read_time(std::string_view text) {
  if (text.empty() || text.back() != 'Z') return std::nullopt;
  text.remove_suffix(1);
  std::string_view whole = text;
  std::string fraction;
  if (const size_t dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = std::string(text.substr(dot + 1));
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    for (const char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  fraction.resize(6, '0');
  return projections::internal::parse_time(std::string(whole) + "." + fraction + "Z");
}

void read_types(RequestReader& r, std::vector<std::string>& types) {
  const rapidjson::Value* array = r.optional_array("types");
  if (array == nullptr) return;
  for (rapidjson::SizeType i = 0; i < array->Size() && r.ok(); ++i) {
    const rapidjson::Value& item = (*array)[i];
    if (!item.IsString()) {
      r.fail(ErrorCode::kMalformed, "types[" + std::to_string(i) + "]",
             "expected string, got " + std::string(json_kind(item)));
      return;
    }
    types.emplace_back(item.GetString(), item.GetStringLength());
  }
}

void read_as_of(RequestReader& r, Query& q) {
  q.stream = non_empty(r, "stream");
  if (const auto position = from_one(r, "position")) q.position = Position{*position};
  const bool has_time = r.has("time");
  const std::string time = r.optional_string("time");
  if (!r.ok()) return;
  if (has_time) {
    q.time = read_time(time);
    if (!q.time) r.fail(ErrorCode::kInvalidArgument, "time", kTimeForm);
  }
  // Neither is the current state (both are optional in nats-api.md); both is ambiguous.
  if (q.position && q.time && r.ok()) {
    r.fail(ErrorCode::kInvalidArgument, "", "as_of takes at most one of position or time");
  }
}

void read_fields(RequestReader& r, Query& q) {
  switch (q.kind) {
    case Kind::kOrder:
      q.key = non_empty(r, "order_id");
      return;
    case Kind::kStock:
    case Kind::kRating:
      q.key = non_empty(r, "sku");
      return;
    case Kind::kCart:
      q.key = non_empty(r, "cart_id");
      return;
    case Kind::kHistory:
      q.stream = non_empty(r, "stream");
      if (const auto from = from_one(r, "from_version")) q.from_version = StreamVersion{*from};
      q.limit = read_limit(r);
      return;
    case Kind::kEvents: {
      const std::optional<uint64_t> from = from_one(r, "from_position");
      if (!from && r.ok()) r.fail(ErrorCode::kMalformed, "from_position", "required integer");
      q.from_position = Position{from.value_or(1)};
      q.limit = read_limit(r);
      read_types(r, q.types);
      return;
    }
    case Kind::kAsOf:
      read_as_of(r, q);
      return;
    case Kind::kVerify:
      if (const auto from = from_one(r, "from_position")) q.from_position = Position{*from};
      if (const auto to = r.optional_uint64("to_position")) {
        q.to_position = Position{*to};
        if (r.ok() && q.to_position < q.from_position) {
          r.fail(ErrorCode::kInvalidArgument, "to_position", "must not be before from_position");
        }
      }
      return;
    case Kind::kHead:
      return;
  }
}

}  // namespace

Result<Query> decode_json_query(std::string_view name, std::string_view body) {
  Query query;
  const std::optional<Kind> kind = query_kind(name);
  if (kind) query.kind = *kind;
  if (!kind) {
    return fail(ErrorCode::kUnknownCommand, "no query named \"" + std::string(name) + "\"",
                {{"query", std::string(name)}});
  }
  // An empty body is the empty object: `nats req <p>.query.verify ''` asks for defaults.
  Result<rapidjson::Document> document = parse_body(body.empty() ? std::string_view("{}") : body);
  if (!document) return std::unexpected(std::move(document.error()));
  RequestReader r(*document, "", "a JSON object as the request body");
  read_fields(r, query);
  if (!r.ok()) return std::unexpected(r.error());
  return query;
}

}  // namespace stockroom::wire::internal

#include "adapters/wire/keyed_subject.h"

#include <string>

#include "engine/model/routing.h"

namespace stockroom::wire {
namespace {

KeyedName split_after_dots(std::string_view tail, int name_tokens) noexcept {
  size_t end = 0;
  for (int i = 0; i < name_tokens; ++i) {
    end = tail.find('.', i == 0 ? 0 : end + 1);
    if (end == std::string_view::npos) return {tail, std::nullopt};
  }
  return {tail.substr(0, end), tail.substr(end + 1)};
}

Error key_mismatch(std::string_view key, std::string_view field, std::string_view body_key) {
  return Error{ErrorCode::kInvalidArgument,
               "the subject's key '" + std::string(key) + "' differs from the body's " +
                   std::string(field) + " '" + std::string(body_key) + "'",
               {{"subject_key", std::string(key)}, {"field", std::string(field)}},
               {}};
}

// The body field that holds a keyed query's routing id.
std::string_view query_key_field(Query::Kind kind) noexcept {
  switch (kind) {
    case Query::Kind::kOrder:
      return "order_id";
    case Query::Kind::kCart:
      return "cart_id";
    case Query::Kind::kStock:
    case Query::Kind::kRating:
      return "sku";
    default:
      return "stream";
  }
}

}  // namespace

KeyedName split_command_subject(std::string_view tail) noexcept {
  return split_after_dots(tail, 2);
}

KeyedName split_query_subject(std::string_view tail) noexcept { return split_after_dots(tail, 1); }

Status check_command_key(const Command& command, std::string_view key) {
  const std::string_view body_key = routing_key(command);
  if (key == body_key) return {};
  return std::unexpected(key_mismatch(key, key_field_name(key_field(command)), body_key));
}

std::optional<std::string_view> query_routing_key(const Query& query) noexcept {
  switch (query.kind) {
    case Query::Kind::kOrder:
    case Query::Kind::kStock:
    case Query::Kind::kRating:
    case Query::Kind::kCart:
      return query.key;
    case Query::Kind::kHistory:
    case Query::Kind::kAsOf:
      return routing_key_of_stream(query.stream);
    case Query::Kind::kEvents:
    case Query::Kind::kVerify:
    case Query::Kind::kHead:
      return std::nullopt;
  }
  return std::nullopt;
}

Status check_query_key(const Query& query, std::string_view key) {
  const bool per_aggregate = query.kind != Query::Kind::kEvents &&
                             query.kind != Query::Kind::kVerify && query.kind != Query::Kind::kHead;
  if (!per_aggregate) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument,
                                 "this query reads a whole partition and takes no key in its "
                                 "subject; send it to <p>.query.<name> (or <p>.p.<partition>"
                                 ".query.<name> in a cluster)",
                                 {{"subject_key", std::string(key)}},
                                 {}});
  }
  const std::optional<std::string_view> body_key = query_routing_key(query);
  const std::string_view field = query_key_field(query.kind);
  if (body_key && *body_key == key) return {};
  return std::unexpected(key_mismatch(key, field, body_key.value_or(query.stream)));
}

std::string keyed_subject_tail(std::string_view tail, std::string_view json_body) {
  const Codec& json = codec_for(Encoding::kJson);
  std::string key;  // a copy: the decoded value it comes from ends with its block
  if (tail.starts_with("cmd.")) {
    const KeyedName keyed = split_command_subject(tail.substr(4));
    if (keyed.key) return std::string(tail);
    const Result<CommandEnvelope> command = json.decode_command(keyed.name, json_body);
    if (command) key = routing_key(command->command);
  } else if (tail.starts_with("query.")) {
    const KeyedName keyed = split_query_subject(tail.substr(6));
    if (keyed.key) return std::string(tail);
    const Result<Query> query = json.decode_query(keyed.name, json_body);
    if (query) key = query_routing_key(*query).value_or("");
  }
  if (key.empty()) return std::string(tail);
  return std::string(tail) + "." + key;
}

}  // namespace stockroom::wire

// A query request in FlatBuffers: a QueryRequest buffer (schemas/api.fbs) sent to
// <p>.query.<name>. Pure, thread-safe.
#pragma once

#include <string_view>

#include "adapters/wire/wire.h"
#include "engine/model/error.h"

namespace stockroom::wire::fbcodec {

// The query of `body` sent as query `name` (e.g. "history"), by the rules the JSON
// codec follows too (nats-api.md, "Queries"), with the same messages and details:
//   kUnknownCommand   `name` is no query (checked before the body)
//   kMalformed        not a valid QueryRequest; a key, or events' from_position, absent
//   kInvalidArgument  an empty key or stream; limit outside 1..1000; from_version,
//                     from_position or as_of's position 0; as_of with both position
//                     and time_us; verify's to_position before from_position
// An empty body is a QueryRequest with no field set (as `{}` in JSON). Fields the
// query does not use are ignored.
[[nodiscard]] Result<Query> read_query_request(std::string_view name, std::string_view body);

}  // namespace stockroom::wire::fbcodec

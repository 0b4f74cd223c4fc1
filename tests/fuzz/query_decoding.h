// The one body of the two query fuzzers (JSON and FlatBuffers): a refusal is a decode
// code with a well-formed reply; an accepted query's routing key and key check answer
// a value.
#pragma once

#include <string>

#include "adapters/wire/keyed_subject.h"
#include "adapters/wire/wire.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockroom::fuzz {

inline void fuzz_query(const wire::Codec& codec, bool json, const uint8_t* data, size_t size) {
  const Request request = split_request(data, size);
  const wire::KeyedName name = wire::split_query_subject(request.tail);
  const Result<wire::Query> decoded = codec.decode_query(name.name, request.body);
  if (!decoded.has_value()) {
    FUZZ_CHECK(is_decode_error(decoded.error().code));
    std::string reply;
    codec.error_reply(decoded.error(), reply);
    if (json) FUZZ_CHECK(is_json(reply));
    return;
  }
  FUZZ_CHECK(decoded->limit >= 1 && decoded->limit <= wire::Query::kMaxQueryLimit);
  FUZZ_CHECK(!(decoded->position.has_value() && decoded->time.has_value()));
  static_cast<void>(wire::query_routing_key(*decoded));
  if (name.key.has_value()) {
    const Status key = wire::check_query_key(*decoded, *name.key);
    if (!key.has_value()) FUZZ_CHECK(key.error().code == ErrorCode::kInvalidArgument);
  }
}

}  // namespace stockroom::fuzz

// The JSON form of a signed head, one line, as pushed on <p>.audit.head, answered to
// <p>.query.head and kept by auditors in a heads file (nats-api.md):
//   {"partition":0,"position":N,"hash":"<64 hex>","time_us":T,
//    "signature":"<base64 of 64 bytes>","key_id":"<16 hex>"}
// Fields in that order, no whitespace.
#pragma once

#include <string>
#include <string_view>

#include "adapters/audit/signed_head.h"
#include "engine/model/error.h"

namespace stockroom::audit {

// Writes the JSON object into `out` (cleared first).
void head_json(const SignedHead& head, std::string& out);
[[nodiscard]] std::string head_json(const SignedHead& head);

// Parses one JSON object in the form above. Members it does not know are ignored
// (a later version may add some). kMalformed, naming the field, for anything else:
// not JSON, a missing field or one of the wrong type or form (the hash must be 64
// lower-case hex digits as signed, the signature the 88 characters of padded
// base64 of 64 bytes, the key id 16 lower-case hex digits). Never checks the
// signature: verify_head() does.
[[nodiscard]] Result<SignedHead> parse_head_json(std::string_view text);

}  // namespace stockroom::audit

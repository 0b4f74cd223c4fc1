// SignedHead: the log's head (position, hash) at a time, signed by serve's key
// (nats-api.md, "A signed head"). It is an outsider's receipt: whoever holds one and
// the public key can later show that the log held exactly that hash at that position,
// and that the operator said so at that time. JSON form: head_json.h.
#pragma once

#include <cstdint>
#include <string>

#include "adapters/audit/public_key.h"
#include "adapters/audit/signing_key.h"
#include "engine/model/error.h"
#include "engine/model/types.h"
#include "events/event_log.h"

namespace stockroom::audit {

struct SignedHead {
  uint32_t partition = 0;  // 0 on a single node
  events::Head head;       // position 0 with 32 zero bytes for an empty log
  Timestamp time;          // when it was signed (µs since the Unix epoch)
  Signature signature{};
  std::string key_id;  // key_id_of() the signer's public key
};

// Field by field (events::Head has no operator== of its own).
[[nodiscard]] bool operator==(const SignedHead& a, const SignedHead& b) noexcept;

// The exact ASCII bytes signed:
//   stockroom-head:<partition>:<position>:<hash as 64 lower-case hex>:<time_us>
// all numbers in decimal, so that `openssl pkeyutl -verify -rawin` checks a head
// with nothing but this line and the public key.
[[nodiscard]] std::string head_message(uint32_t partition, const events::Head& head,
                                       Timestamp time);

// Signs `head` as of `time` with `key`.
[[nodiscard]] SignedHead sign_head(const SigningKey& key, uint32_t partition,
                                   const events::Head& head, Timestamp time);

// Success when `head` carries `key`'s key id and its signature is `key`'s over its
// fields. kInvalidArgument otherwise, saying which: another key, or a signature that
// does not match (a field or the signature changed).
[[nodiscard]] Status verify_head(const PublicKey& key, const SignedHead& head);

}  // namespace stockroom::audit

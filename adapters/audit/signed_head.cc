#include "adapters/audit/signed_head.h"

#include <fmt/format.h>

namespace stockroom::audit {

std::string head_message(uint32_t partition, const events::Head& head, Timestamp time) {
  return fmt::format("stockroom-head:{}:{}:{}:{}", partition, head.position.value,
                     events::to_hex(head.hash), time.micros);
}

SignedHead sign_head(const SigningKey& key, uint32_t partition, const events::Head& head,
                     Timestamp time) {
  return SignedHead{partition, head, time, key.sign(head_message(partition, head, time)),
                    key.public_key().key_id()};
}

bool operator==(const SignedHead& a, const SignedHead& b) noexcept {
  return a.partition == b.partition && a.head.position == b.head.position &&
         a.head.hash == b.head.hash && a.time == b.time && a.signature == b.signature &&
         a.key_id == b.key_id;
}

Status verify_head(const PublicKey& key, const SignedHead& head) {
  if (head.key_id != key.key_id()) {
    return fail(ErrorCode::kInvalidArgument,
                "signed by key " + head.key_id + ", not by the given key " + key.key_id());
  }
  if (!key.verifies(head_message(head.partition, head.head, head.time), head.signature)) {
    return fail(ErrorCode::kInvalidArgument,
                "the signature does not match the head's fields (changed since signing, or "
                "forged)");
  }
  return {};
}

}  // namespace stockroom::audit

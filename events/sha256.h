// SHA-256 (OpenSSL) for the hash chain and command fingerprints.
#pragma once

#include <cstdint>
#include <span>

#include "events/event_log.h"

namespace stockroom::events {

[[nodiscard]] Hash sha256(std::span<const uint8_t> data);

// hash_n = SHA-256(hash_{n-1} || record_n): the chain step of docs/storage.md.
[[nodiscard]] Hash chain_hash(const Hash& previous, std::span<const uint8_t> record);

}  // namespace stockroom::events

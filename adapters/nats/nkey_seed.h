// An NATS nkey user seed file (`--nats-nkey FILE`): NATS.c signs the server's nonce
// with the seed it reads from the file, but it must be told the user's public key too,
// which this derives from the seed (the nkeys encoding: base32 of a two-byte prefix
// "SU", the 32-byte Ed25519 seed and a CRC-16; the public key "U..." likewise).
//
// The seed is read, used and wiped here; it is never in an error message.
#pragma once

#include <string>

#include "engine/model/error.h"

namespace stockroom::nats_adapter {

// The public key ("U" and 55 more base32 characters) of the first user seed ("SU...")
// in the file at `path`, a bare line or inside "-----BEGIN USER NKEY SEED-----" as nsc
// writes it. kInvalidArgument, naming the file but not its contents, when the file
// cannot be read or holds no valid user seed.
[[nodiscard]] Result<std::string> nkey_public_key_of_seed_file(const std::string& path);

}  // namespace stockroom::nats_adapter

// PublicKey: the Ed25519 public key that checks signed heads (nats-api.md, "A signed
// head"). An auditor holds it as a PEM SubjectPublicKeyInfo file (what `serve` writes
// beside its signing key as FILE.pub, and what `openssl pkey -pubout` prints).
//
// Values: cheap to copy (copies share one immutable OpenSSL key); safe to use from
// several threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/model/error.h"

struct evp_pkey_st;

namespace stockroom::audit {

// The 32 raw bytes of an Ed25519 public key (RFC 8032).
using RawPublicKey = std::array<uint8_t, 32>;

// The 64 bytes of an Ed25519 signature.
using Signature = std::array<uint8_t, 64>;

// The key id shown beside every signed head: the first 16 hex digits (lower case) of
// SHA-256 of the 32-byte raw public key.
[[nodiscard]] std::string key_id_of(const RawPublicKey& raw);

class PublicKey {
 public:
  // From PEM text ("-----BEGIN PUBLIC KEY-----"). kInvalidArgument when the text holds
  // no public key, or one that is not Ed25519.
  [[nodiscard]] static Result<PublicKey> from_pem(std::string_view pem);
  // From a PEM file; kInvalidArgument naming the path when it cannot be read.
  [[nodiscard]] static Result<PublicKey> read_pem_file(const std::string& path);
  // From the 32 raw bytes (e.g. the hex a `serve` log line shows).
  [[nodiscard]] static Result<PublicKey> from_raw(const RawPublicKey& raw);

  [[nodiscard]] const RawPublicKey& raw() const noexcept { return raw_; }
  [[nodiscard]] const std::string& key_id() const noexcept { return key_id_; }
  // PEM SubjectPublicKeyInfo, ending in a newline.
  [[nodiscard]] std::string pem() const;

  // True when `signature` is this key's Ed25519 signature of `message`.
  [[nodiscard]] bool verifies(std::string_view message, const Signature& signature) const;

 private:
  friend class SigningKey;
  PublicKey() = default;  // only through the factories: a PublicKey always holds a key
  // REQUIRES: `key` is an Ed25519 key (public, or private with its public half).
  [[nodiscard]] static PublicKey of(std::shared_ptr<evp_pkey_st> key);

  std::shared_ptr<evp_pkey_st> key_;
  RawPublicKey raw_{};
  std::string key_id_;
};

}  // namespace stockroom::audit

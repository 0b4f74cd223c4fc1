// SigningKey: the Ed25519 private key `serve` signs its heads with (nats-api.md, "A
// signed head"), kept as a PEM PKCS#8 file ("-----BEGIN PRIVATE KEY-----", what
// `openssl genpkey -algorithm ed25519` writes). Files: key_file.h.
//
// Values: cheap to copy (copies share one immutable OpenSSL key); sign() may be called
// from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/audit/public_key.h"
#include "engine/model/error.h"

namespace stockroom::audit {

class SigningKey {
 public:
  // A new random key. kUnavailable only if OpenSSL cannot make one (no entropy).
  [[nodiscard]] static Result<SigningKey> generate();
  // From PEM text. kInvalidArgument when the text holds no private key, an encrypted
  // one (serve starts unattended: there is nobody to ask for a passphrase), or one
  // that is not Ed25519.
  [[nodiscard]] static Result<SigningKey> from_pem(std::string_view pem);

  [[nodiscard]] const PublicKey& public_key() const noexcept { return public_; }
  // PEM PKCS#8, unencrypted, ending in a newline. Secret: write it with mode 0600.
  [[nodiscard]] std::string private_pem() const;

  // The Ed25519 signature of `message`. Cannot fail with a key made by the factories
  // above; aborts if OpenSSL itself fails (as events/sha256.cc does).
  [[nodiscard]] Signature sign(std::string_view message) const;

 private:
  SigningKey(std::shared_ptr<evp_pkey_st> key, PublicKey public_key)
      : key_(std::move(key)), public_(std::move(public_key)) {}

  std::shared_ptr<evp_pkey_st> key_;
  PublicKey public_;
};

}  // namespace stockroom::audit

#include "adapters/audit/signing_key.h"

#include <openssl/pem.h>

#include <cstdlib>

#include "adapters/audit/internal/openssl.h"

namespace stockroom::audit {
namespace {

using internal::openssl_error;

// PEM reading asks this for a passphrase: none is ever given, so an encrypted key
// fails to load instead of prompting on a terminal nobody watches.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

}  // namespace

Result<SigningKey> SigningKey::generate() {
  internal::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) {
    return std::unexpected(
        openssl_error(ErrorCode::kUnavailable, "cannot generate an Ed25519 key"));
  }
  internal::SharedPkey shared = internal::share(std::move(key));
  return SigningKey(shared, PublicKey::of(shared));
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "an encrypted private key; serve needs it unencrypted (protect the file instead)");
  }
  internal::BioPtr bio = internal::memory_bio(pem);
  internal::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return std::unexpected(
        openssl_error(ErrorCode::kInvalidArgument, "not a PEM private key (BEGIN PRIVATE KEY)"));
  }
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return fail(ErrorCode::kInvalidArgument, std::string("a ") +
                                                 EVP_PKEY_get0_type_name(key.get()) +
                                                 " private key, not an Ed25519 one");
  }
  internal::SharedPkey shared = internal::share(std::move(key));
  return SigningKey(shared, PublicKey::of(shared));
}

std::string SigningKey::private_pem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return internal::bio_text(bio.get());
}

Signature SigningKey::sign(std::string_view message) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  Signature out{};
  size_t size = out.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), out.data(), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      size != out.size()) {
    std::abort();
  }
  return out;
}

}  // namespace stockroom::audit

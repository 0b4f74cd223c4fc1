#include "adapters/audit/public_key.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "adapters/audit/internal/openssl.h"
#include "events/sha256.h"

namespace stockroom::audit {
namespace {

using internal::openssl_error;

}  // namespace

std::string key_id_of(const RawPublicKey& raw) {
  return events::to_hex(events::sha256(raw)).substr(0, 16);
}

PublicKey PublicKey::of(std::shared_ptr<evp_pkey_st> key) {
  PublicKey out;
  size_t size = out.raw_.size();
  // Cannot fail for an Ed25519 key, which is what the factories hand in.
  (void)EVP_PKEY_get_raw_public_key(key.get(), out.raw_.data(), &size);
  out.key_ = std::move(key);
  out.key_id_ = key_id_of(out.raw_);
  return out;
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  internal::BioPtr bio = internal::memory_bio(pem);
  internal::PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return std::unexpected(
        openssl_error(ErrorCode::kInvalidArgument, "not a PEM public key (BEGIN PUBLIC KEY)"));
  }
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return fail(
        ErrorCode::kInvalidArgument,
        std::string("a ") + EVP_PKEY_get0_type_name(key.get()) + " public key, not an Ed25519 one");
  }
  return of(internal::share(std::move(key)));
}

Result<PublicKey> PublicKey::read_pem_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kInvalidArgument, "cannot read public key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  Result<PublicKey> key = from_pem(text.str());
  if (!key) key.error().message = path + ": " + key.error().message;
  return key;
}

Result<PublicKey> PublicKey::from_raw(const RawPublicKey& raw) {
  internal::PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  if (!key) {
    return std::unexpected(openssl_error(ErrorCode::kInvalidArgument, "not an Ed25519 public key"));
  }
  return of(internal::share(std::move(key)));
}

std::string PublicKey::pem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return {};
  return internal::bio_text(bio.get());
}

bool PublicKey::verifies(std::string_view message, const Signature& signature) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 hashes the message itself: no digest is named, and it is one-shot.
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  // A refused signature leaves a reason queued; it must not show up in a later error.
  ERR_clear_error();
  return ok;
}

}  // namespace stockroom::audit

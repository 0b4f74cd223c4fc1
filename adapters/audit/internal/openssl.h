// The OpenSSL handles of adapters/audit, owned by smart pointers, and the one place
// where OpenSSL's error queue becomes the text of a stockroom::Error. Internal to
// adapters/audit.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "engine/model/error.h"

namespace stockroom::audit::internal {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Keys are immutable once made, and OpenSSL 3 lets several threads sign or verify
// with one EVP_PKEY (each with its own EVP_MD_CTX): copies of a key share it.
using SharedPkey = std::shared_ptr<EVP_PKEY>;

[[nodiscard]] inline SharedPkey share(PkeyPtr key) { return SharedPkey(key.release(), PkeyFree{}); }

// A read-only memory BIO over `text` (which must outlive it).
[[nodiscard]] BioPtr memory_bio(std::string_view text);

// Everything written to a memory BIO so far.
[[nodiscard]] std::string bio_text(BIO* bio);

// `what` followed by OpenSSL's reason for the last failure (the error queue is
// cleared), as an Error with `code`.
[[nodiscard]] Error openssl_error(ErrorCode code, std::string_view what);

}  // namespace stockroom::audit::internal

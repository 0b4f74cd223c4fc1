#include "events/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace stockroom::events {
namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread, reused: no allocation per hash on the hot path.
EVP_MD_CTX* thread_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

Hash digest(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  EVP_MD_CTX* ctx = thread_context();
  Hash out{};
  unsigned int len = 0;
  // These calls fail only when OpenSSL itself is broken (no SHA-256 or no memory).
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    std::abort();
  }
  return out;
}

}  // namespace

Hash sha256(std::span<const uint8_t> data) { return digest(data, {}); }

Hash chain_hash(const Hash& previous, std::span<const uint8_t> record) {
  return digest(previous, record);
}

}  // namespace stockroom::events

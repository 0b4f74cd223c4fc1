#include "adapters/audit/internal/openssl.h"

#include <openssl/err.h>

#include <climits>

namespace stockroom::audit::internal {

BioPtr memory_bio(std::string_view text) {
  // PEM texts are small; a size beyond int is no key anyway and reads as empty.
  const int size = text.size() > INT_MAX ? 0 : static_cast<int>(text.size());
  return BioPtr(BIO_new_mem_buf(text.data(), size));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Error openssl_error(ErrorCode code, std::string_view what) {
  std::string message(what);
  // The earliest error is the cause; later ones are OpenSSL's own follow-ups.
  if (const unsigned long first = ERR_peek_error(); first != 0) {
    const char* reason = ERR_reason_error_string(first);
    if (reason != nullptr) message += std::string(": ") + reason;
  }
  ERR_clear_error();
  return Error{code, std::move(message), {}, {}};
}

}  // namespace stockroom::audit::internal

#include "adapters/nats/nats_status.h"

#include <string>

namespace stockroom::nats_adapter {

Status from_nats(natsStatus status, std::string_view what, ErrorCode code) {
  if (status == NATS_OK) return {};
  std::string message = std::string(what) + ": " + natsStatus_GetText(status);
  // The detail is thread-local in NATS.c: it belongs to the call that just failed.
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') {
    message += std::string(" (") + detail + ")";
  }
  return fail(code, std::move(message));
}

}  // namespace stockroom::nats_adapter

#include "adapters/cluster/internal/js_status.h"

#include <charconv>

namespace stockroom::cluster::internal {

bool is_transient(natsStatus status, int err_code) {
  switch (status) {
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_NOT_YET_CONNECTED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_SLOW_CONSUMER:
      return true;
    case NATS_ERR:
      return err_code == kJsClusterIncomplete || err_code == kJsClusterNoPeers ||
             err_code == kJsClusterNotAssigned || err_code == kJsClusterNotAvailable ||
             err_code == kJsClusterNotLeader || err_code == kJsInsufficientResources;
    default:
      return false;
  }
}

std::string describe(std::string_view what, natsStatus status) {
  std::string text = std::string(what) + ": " + natsStatus_GetText(status);
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') {
    text += std::string(" (") + detail + ")";
  }
  return text;
}

std::optional<uint64_t> wrong_last_sequence(std::string_view text) {
  constexpr std::string_view kMarker = "wrong last sequence: ";
  const size_t at = text.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = text.data() + at + kMarker.size();
  uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(first, text.data() + text.size(), seq);
  if (ec != std::errc() || end == first) return std::nullopt;
  return seq;
}

}  // namespace stockroom::cluster::internal

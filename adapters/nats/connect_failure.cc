#include "adapters/nats/connect_failure.h"

#include <string>

namespace stockroom::nats_adapter {
namespace {

// NATS.c's detail of the failed call ("SSL handshake error: certificate verify
// failed"), or empty. It carries no credential: those are in the CONNECT it sends.
std::string last_detail() {
  const char* detail = nats_GetLastError(nullptr);
  return detail != nullptr ? std::string(detail) : std::string();
}

}  // namespace

ConnectFailure classify_connect_failure(natsStatus status, std::string_view url) {
  const std::string at = "NATS at " + std::string(url);
  switch (status) {
    case NATS_NO_SERVER:
      return {true, Error{ErrorCode::kUnavailable,
                          "cannot connect to " + at + ": no server answers there"}};
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return {false, Error{ErrorCode::kForbidden,
                           at + " refused the credentials: authorization violation (check "
                                "--nats-user/--nats-password, --nats-token, --nats-nkey or "
                                "--nats-creds)"}};
    case NATS_SSL_ERROR:
    case NATS_SECURE_CONNECTION_REQUIRED:
    case NATS_SECURE_CONNECTION_WANTED: {
      const std::string detail = last_detail();
      return {false, Error{ErrorCode::kInvalidArgument,
                           "TLS with " + at + " failed: " + natsStatus_GetText(status) +
                               (detail.empty() ? "" : " (" + detail + ")") +
                               " (check the server's certificate and --nats-ca, --nats-cert, "
                               "--nats-key)"}};
    }
    default: {
      const std::string detail = last_detail();
      return {false, Error{ErrorCode::kInvalidArgument,
                           "cannot connect to " + at + ": " + natsStatus_GetText(status) +
                               (detail.empty() ? "" : " (" + detail + ")")}};
    }
  }
}

}  // namespace stockroom::nats_adapter

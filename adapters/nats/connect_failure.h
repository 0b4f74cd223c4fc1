// Why a first connection to NATS failed, and whether waiting can fix it. A server that
// is not up yet may come (serve keeps trying in the background); one that refused the
// credentials or whose TLS failed will refuse again, so serve and send end at once
// with a message that says which (an endless silent retry would hide the mistake).
#pragma once

#include <nats/nats.h>

#include <string_view>

#include "engine/model/error.h"

namespace stockroom::nats_adapter {

struct ConnectFailure {
  bool server_not_up = false;  // no server answered at any URL: worth waiting for
  // kUnavailable when the server is not up; kForbidden for refused credentials
  // ("authorization violation"); kInvalidArgument for TLS (its "certificate verify
  // failed" detail from NATS.c) and anything else. The message names the URL, never
  // a credential.
  Error error;
};

// For the status natsConnection_Connect returned (not NATS_OK), called on the thread
// that called it (NATS.c keeps its error detail per thread). `url` as printable_url
// gives it.
[[nodiscard]] ConnectFailure classify_connect_failure(natsStatus status, std::string_view url);

}  // namespace stockroom::nats_adapter

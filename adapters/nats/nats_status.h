// natsStatus into the contract's errors: where NATS.c's result codes enter Stockroom,
// once. For the adapter's own files; headers elsewhere keep NATS.c out.
#pragma once

#include <nats/nats.h>

#include <string_view>

#include "engine/model/error.h"

namespace stockroom::nats_adapter {

// Ok for NATS_OK; else `code` with "<what>: <NATS.c's text>" and, when NATS.c kept
// one, its last error's detail. kUnavailable by default: NATS is gone or busy, retry.
[[nodiscard]] Status from_nats(natsStatus status, std::string_view what,
                               ErrorCode code = ErrorCode::kUnavailable);

}  // namespace stockroom::nats_adapter

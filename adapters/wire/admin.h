// The admin requests of serve (docs/api.md, "Admin subjects"), JSON only: what the
// `stockroom checkpoint` command sends to the serve that holds a data directory, and
// the reply. Pure: no I/O. Decoders return kMalformed / kInvalidArgument as wire.h's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::wire {

// The subject after "<p>.": serve subscribes to it without a queue group, so every
// serve on the prefix receives each request and only the one it names answers.
inline constexpr std::string_view kCheckpointSubject = "admin.checkpoint";

// {"data": "<the serve's data directory>", "dir": "<the checkpoint target>"}, both
// absolute paths (kInvalidArgument otherwise).
struct CheckpointRequest {
  std::string data;
  std::string dir;
};

[[nodiscard]] Result<CheckpointRequest> decode_checkpoint_request(std::string_view body);
void checkpoint_request_json(const CheckpointRequest& request, std::string& out);

// Success: {"ok":true,"dir","position","hash"}: where the copy is and the head it
// holds. A failure is the error reply of every query: {"ok":false,"error":{...}}.
struct CheckpointReply {
  bool ok = false;
  std::string dir;
  uint64_t position = 0;
  std::string hash;           // lowercase hex
  std::string error_code;     // when !ok, e.g. "ALREADY_EXISTS"
  std::string error_message;  // when !ok
};

void checkpoint_reply_json(const std::string& dir, const events::Head& head, std::string& out);
// Either shape; kMalformed for anything else.
[[nodiscard]] Result<CheckpointReply> decode_checkpoint_reply(std::string_view body);

}  // namespace stockroom::wire

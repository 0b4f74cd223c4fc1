// reply.h: how the cluster benchmark reads a JSON reply of serve without parsing it.
#pragma once

#include <string_view>

namespace stockroom::bench {

// An accepted reply: `{"ok":true,...}` from a single node, `{"partition":<i>,"ok":true,...}`
// from a partition of a cluster (nats-api.md: its "partition" goes first).
inline bool reply_ok(std::string_view reply) {
  if (reply.starts_with(R"({"partition":)")) {
    const auto comma = reply.find(',');
    if (comma == std::string_view::npos) return false;
    reply.remove_prefix(comma);  // ',"ok":true...'
    return reply.starts_with(R"(,"ok":true)");
  }
  return reply.starts_with(R"({"ok":true)");
}

}  // namespace stockroom::bench

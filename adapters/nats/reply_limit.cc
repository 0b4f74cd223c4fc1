#include "adapters/nats/reply_limit.h"

#include <fmt/format.h>

namespace stockroom::nats_adapter {
namespace {

constexpr size_t kHeaderLine = 10;  // "NATS/1.0\r\n"
constexpr size_t kCrLf = 2;
constexpr size_t kColonSpace = 2;

int64_t as_int(size_t n) { return static_cast<int64_t>(n); }

}  // namespace

size_t encoded_size(const Outgoing& message) noexcept {
  if (message.headers.empty()) return message.data.size();
  size_t headers = kHeaderLine + kCrLf;
  for (const auto& [key, value] : message.headers) {
    headers += key.size() + kColonSpace + value.size() + kCrLf;
  }
  return message.data.size() + headers;
}

Error reply_too_large(std::string_view what, size_t body_size, const ReplyLimit& limit) {
  const size_t size = body_size + limit.header_bytes;
  return Error{ErrorCode::kPayloadTooLarge,
               fmt::format("the reply to {} would be {} bytes, above the NATS server's "
                           "max_payload of {} bytes",
                           what, size, limit.max_payload),
               {{"size", as_int(size)}, {"limit", as_int(limit.max_payload)}},
               {}};
}

Error event_too_large(const engine::LoggedEvent& event, std::string_view next_name,
                      size_t body_size, const ReplyLimit& limit) {
  const RecordedEvent& e = event.event;
  const size_t size = body_size + limit.header_bytes;
  const uint64_t next = next_name == "next_version" ? e.version.value + 1 : e.position.value + 1;
  return Error{
      ErrorCode::kPayloadTooLarge,
      fmt::format("the event at position {} ({} version {}) takes {} bytes in a reply, above the "
                  "NATS server's max_payload of {} bytes; {} {} goes on past it",
                  e.position.value, e.stream, e.version.value, size, limit.max_payload, next_name,
                  next),
      {{"position", as_int(e.position.value)},
       {"stream", e.stream},
       {"version", as_int(e.version.value)},
       {"size", as_int(size)},
       {"limit", as_int(limit.max_payload)},
       {std::string(next_name), as_int(next)}},
      {}};
}

Error without_details(const Error& error) {
  const size_t omitted = error.details.size() + error.shortages.size();
  return Error{error.code, error.message, {{"details_omitted", as_int(omitted)}}, {}};
}

}  // namespace stockroom::nats_adapter

// ReplyLimit: the size a reply must keep to, and the answers for what does not fit.
//
// A NATS server refuses a message above its max_payload (1 MiB by default, told to
// clients in its INFO), headers included: NATS.c then fails the publish and the reply
// is lost. The service reads the limit of the server it is connected to for every
// reply and keeps to it instead (docs/api.md, "Replies that would not fit"):
//   - events pages (query.events, query.history) are cut by bytes as well as by count;
//   - an event that does not fit even alone is refused PAYLOAD_TOO_LARGE, naming it and
//     where to go on past it;
//   - any other reply that does not fit is refused PAYLOAD_TOO_LARGE; an accepted
//     command's reply first drops its event list and a refusal its details.
// Pure values and functions; no NATS calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "adapters/nats/outbox.h"
#include "engine/engine.h"
#include "engine/model/error.h"

namespace stockroom::nats_adapter {

struct ReplyLimit {
  size_t max_payload = std::numeric_limits<size_t>::max();  // the server's; max: unknown
  size_t header_bytes = 0;                                  // what the reply's headers take of it

  // What the reply's body may take.
  [[nodiscard]] size_t body_bytes() const noexcept {
    return max_payload > header_bytes ? max_payload - header_bytes : 0;
  }
  [[nodiscard]] bool fits(size_t body_size) const noexcept { return body_size <= body_bytes(); }
};

// The bytes a server counts against max_payload for `message`: its data and its
// headers as NATS.c encodes them ("NATS/1.0\r\n", "Key: Value\r\n" each, "\r\n").
[[nodiscard]] size_t encoded_size(const Outgoing& message) noexcept;

// PAYLOAD_TOO_LARGE for a reply to `what` (e.g. "query.order") whose body is
// `body_size` bytes. Details: size (headers included), limit.
[[nodiscard]] Error reply_too_large(std::string_view what, size_t body_size,
                                    const ReplyLimit& limit);

// PAYLOAD_TOO_LARGE for `event`, which alone makes a `body_size`-byte page. Details:
// position, stream, version, size, limit and `next_name` ("next_position" or
// "next_version") with the value past the event, so a reader can go on deliberately.
[[nodiscard]] Error event_too_large(const engine::LoggedEvent& event, std::string_view next_name,
                                    size_t body_size, const ReplyLimit& limit);

// `error` with its details and shortages left out and "details_omitted" (their
// number) in their place: the code and the message stay.
[[nodiscard]] Error without_details(const Error& error);

}  // namespace stockroom::nats_adapter

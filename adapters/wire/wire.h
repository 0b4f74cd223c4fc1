// The wire forms of the NATS contract (nats-api.md): requests in, replies out, in
// JSON (default) or FlatBuffers (`Content-Type: application/x-flatbuffers`). Both
// encodings carry the same fields. Pure: no I/O, no NATS; the service
// (adapters/nats) picks a codec per request and moves bytes.
//
// Every decode returns an error value for bad input (never throws, never crashes):
//   kMalformed        not JSON / not a valid FlatBuffer / a field of the wrong type
//                     (a string, or 1.5, where an integer is required), a missing
//                     required field (command_id included)
//   kInvalidArgument  a field of the right type that breaks its form or bound
//   kUnknownCommand   no such command (or query) name
// Bounds of the domain (id form, quantities, money) are checked by the engine's
// validate(); a codec only checks what it must to build the typed value.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/audit/signed_head.h"
#include "engine/engine.h"
#include "engine/model/command.h"
#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::wire {

enum class Encoding : uint8_t { kJson, kFlatBuffers };

// The Content-Type that selects FlatBuffers; anything else (or none) is JSON.
inline constexpr std::string_view kFlatBuffersContentType = "application/x-flatbuffers";

// The encoding a request's Content-Type header asks for: FlatBuffers when its media
// type is kFlatBuffersContentType, compared case-insensitively (media types are, RFC
// 9110 8.3.1) with surrounding whitespace and any parameters ("; charset=...") ignored;
// JSON otherwise, and without the header (empty).
[[nodiscard]] Encoding encoding_for(std::string_view content_type) noexcept;

// A parsed query (nats-api.md, "Queries"). Fields a query does not use keep their
// defaults.
struct Query {
  enum class Kind : uint8_t {
    kOrder,
    kStock,
    kRating,
    kCart,
    kHistory,
    kEvents,
    kAsOf,
    kVerify,
    kHead,  // no fields: {}
  };
  Kind kind = Kind::kOrder;
  std::string key;                      // order / stock / rating / cart: the view key
  std::string stream;                   // history, as_of
  StreamVersion from_version{1};        // history (default 1)
  Position from_position{1};            // events (required there), verify (default 1)
  std::optional<Position> to_position;  // verify (default: the head)
  size_t limit = kMaxQueryLimit;        // history, events: 1..1000 (default 1000)
  std::vector<std::string> types;       // events: event type names to keep
  std::optional<Position> position;     // as_of: at most one of position / time
  std::optional<Timestamp> time;        // as_of (RFC 3339 text in JSON)
  static constexpr size_t kMaxQueryLimit = 1000;
};

// The Kind of a query subject's name ("order", "history", "as_of", ...); nullopt for
// a name the contract does not have. Both codecs use this one table.
[[nodiscard]] std::optional<Query::Kind> query_kind(std::string_view name) noexcept;

// The view name of a view query ("order", "stock", "rating", "cart"); empty otherwise.
[[nodiscard]] std::string_view view_name(Query::Kind kind) noexcept;

// Whether a view's changes are pushed on <p>.view.<name>.<key> (nats-api.md, "Pushes":
// order, stock and rating; the cart view is queried, not pushed).
[[nodiscard]] bool view_is_pushed(std::string_view view) noexcept;

// The next_version / next_position of an events page that holds `kept` events.
using NextFn = std::function<uint64_t(size_t kept)>;

class Codec {
 public:
  virtual ~Codec() = default;

  // `name` is the subject tail after "<p>.cmd.", e.g. "cart.add_item".
  [[nodiscard]] virtual Result<CommandEnvelope> decode_command(std::string_view name,
                                                               std::string_view body) const = 0;
  // `name` is the subject tail after "<p>.query.", e.g. "history".
  [[nodiscard]] virtual Result<Query> decode_query(std::string_view name,
                                                   std::string_view body) const = 0;
  // Best effort: the command_id of a body that failed to decode, for the reply
  // (empty when it cannot be found).
  [[nodiscard]] virtual std::string command_id_of(std::string_view body) const = 0;

  // Replies (`out` is cleared first; reuse it to avoid reallocating).
  //   accepted:
  //   {"ok":true,"command_id","duplicate","position","events":[{type,stream,version,position}]}
  //   refused:  {"ok":false,"command_id","error":{"code","message","details":{...}}}
  virtual void command_reply(std::string_view command_id,
                             const Result<engine::CommandResult>& result,
                             std::string& out) const = 0;
  // An accepted command's reply with its event list left out, for a reply that would
  // not fit in a NATS message: "events":[] and "events_omitted":N (N events recorded;
  // query.history or query.events shows them). The rest as command_reply().
  virtual void command_reply_without_events(std::string_view command_id,
                                            const engine::CommandResult& result,
                                            std::string& out) const = 0;
  // A refused query: {"ok":false,"error":{...}}.
  virtual void error_reply(const Error& error, std::string& out) const = 0;
  // A view query or as_of: the view itself. `view_json` is the stored view (its
  // canonical JSON); `view` names its shape ("order", "stock", "rating", "cart").
  virtual void view_reply(std::string_view view, std::string_view view_json,
                          std::string& out) const = 0;
  // history: {"events":[...],"next_version":N}; events: {"events":[...],"next_position":N}.
  // `next_name` is "next_version" or "next_position".
  //
  // Writes the longest prefix of `events` whose reply fits in `max_bytes`, with
  // next(kept) as the next value (kept may be 0), and returns kept. 0 for a non-empty `events`
  // means that not even the first event fits (`out` is then unspecified). A page without events is
  // written whatever `max_bytes` (about 40 bytes: the caller's to check).
  [[nodiscard]] virtual size_t events_page(std::span<const engine::LoggedEvent> events,
                                           std::string_view next_name, const NextFn& next,
                                           size_t max_bytes, std::string& out) const = 0;
  // The whole page, whatever its size.
  void events_reply(const std::vector<engine::LoggedEvent>& events, std::string_view next_name,
                    uint64_t next, std::string& out) const {
    static_cast<void>(events_page(
        events, next_name, [next](size_t) { return next; }, std::numeric_limits<size_t>::max(),
        out));
  }
  // verify: {"ok","checked","head_position","head_hash","first_bad_position"?}
  virtual void verify_reply(const events::VerifyReport& report, std::string& out) const = 0;
  // head: the signed head, {"partition","position","hash","time_us","signature","key_id"}
  // (audit/head_json.h), exactly as pushed on <p>.audit.head.
  virtual void head_reply(const audit::SignedHead& head, std::string& out) const = 0;
};

[[nodiscard]] const Codec& json_codec();
[[nodiscard]] const Codec& flatbuffers_codec();
[[nodiscard]] const Codec& codec_for(Encoding encoding);

// One event as the contract shows it (pushes and feeds):
// {"position","stream","version","type","time","command_id","actor":{"id","role"},
//  "data":{...the event's fields...},"hash"}  (time RFC 3339 UTC, hash lower-case hex)
void event_json(const engine::LoggedEvent& event, std::string& out);

// What `replay --with-raw` adds to an event (storage.md, the chain): the exact stored
// record and the chain hash before it, so hash = SHA-256(prev_hash || record) can be
// recomputed with any tool. Shown as "record" (base64) and "prev_hash" (hex) after
// "hash".
struct RawRecord {
  std::string_view record;
  events::Hash prev_hash{};
};
void event_json(const engine::LoggedEvent& event, const RawRecord& raw, std::string& out);
// event_json (with `raw` when not null) appended to `out`, which is not cleared: for
// writing many events into one buffer.
void append_event_json(const engine::LoggedEvent& event, const RawRecord* raw, std::string& out);

// The "data" object of an event alone, as event_json writes it (CSV's data column).
void event_data_json(const engine::LoggedEvent& event, std::string& out);

// A time as events and views show it: RFC 3339 UTC with six fractional digits.
[[nodiscard]] std::string time_text(Timestamp time);

// Standard base64 (RFC 4648, with padding) of `bytes`, appended to `out`.
void append_base64(std::string_view bytes, std::string& out);

// The push subject kind of a stream: "product", "cart", "order", "review" and the id
// after it (product-SKU-1 -> {"product","SKU-1"}); nullopt for another stream name.
struct StreamKind {
  std::string_view kind;
  std::string_view id;
};
[[nodiscard]] std::optional<StreamKind> stream_kind(std::string_view stream) noexcept;

}  // namespace stockroom::wire

// The parts of the JSON codec (json_codec.cc puts them behind the Codec interface):
// request decoding (json_command.cc, json_query.cc), replies (json_reply.cc) and
// events (json_event.cc). Internal to adapters/wire.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/wire/wire.h"
#include "projections/internal/json.h"

namespace stockroom::wire::internal {

using projections::internal::JsonWriter;

[[nodiscard]] Result<CommandEnvelope> decode_json_command(std::string_view name,
                                                          std::string_view body);
[[nodiscard]] std::string json_command_id_of(std::string_view body);
[[nodiscard]] Result<Query> decode_json_query(std::string_view name, std::string_view body);

// {"code","message","details"?}; details hold Error::details and, for a shortage,
// the shortages (see json_reply.cc).
void write_error(JsonWriter& w, const Error& error);
// One event object as event_json shows it; with `raw`, "record" and "prev_hash" too.
void write_event(JsonWriter& w, const engine::LoggedEvent& event, const RawRecord* raw = nullptr);
// The members of an event's "data" object (inside an object the caller opened).
void write_event_data(JsonWriter& w, const RecordedEvent& event);

void json_command_reply(std::string_view command_id, const Result<engine::CommandResult>& result,
                        std::string& out);
void json_command_reply_without_events(std::string_view command_id,
                                       const engine::CommandResult& result, std::string& out);
void json_error_reply(const Error& error, std::string& out);
// Codec::events_page in JSON.
[[nodiscard]] size_t json_events_page(std::span<const engine::LoggedEvent> events,
                                      std::string_view next_name, const NextFn& next,
                                      size_t max_bytes, std::string& out);
void json_verify_reply(const events::VerifyReport& report, std::string& out);

}  // namespace stockroom::wire::internal

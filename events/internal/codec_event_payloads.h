// The event payloads of a record: EventData <-> the EventPayload union of
// schemas/events.fbs, one table per event struct with the same name and fields.
#pragma once

#include "engine/model/error.h"
#include "engine/model/event.h"
#include "events/internal/codec_values.h"
#include "schemas/events_generated.h"

namespace stockroom::events::codec {

struct EncodedPayload {
  fb::EventPayload type = fb::EventPayload::NONE;
  flatbuffers::Offset<void> table;
};

// Adds the payload table of `event` to `b` (call before starting the record table).
[[nodiscard]] EncodedPayload put_event_payload(Builder& b, const EventData& event);

// Reads the payload of a VERIFIED record. kMalformed when the payload is absent, of
// a union member this build does not know (a newer writer's event), or lacks a
// required field.
[[nodiscard]] Result<EventData> read_event_payload(const fb::EventRecord& record);

}  // namespace stockroom::events::codec

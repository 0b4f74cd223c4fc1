// The typed FlatBuffers views (schemas/api.fbs: StockView, OrderView, RatingView,
// CartView) built from a stored view's canonical JSON, so a FlatBuffers client gets
// the same fields as a JSON client without parsing JSON. Thread-compatible, no I/O.
#pragma once

#include <string_view>

#include "adapters/wire/fb_buffer.h"
#include "engine/model/error.h"
#include "schemas/api_generated.h"

namespace stockroom::wire::fbcodec {

// A QueryBody union member: its type and its table.
struct QueryBodyRef {
  fb::QueryBody type = fb::QueryBody::NONE;
  flatbuffers::Offset<void> table;
};

// Parses `json` as a view of shape `view` ("order", "stock", "rating", "cart") with
// the projection's *_view_from_json and adds the typed view to `b`. kMalformed (and
// nothing added) when `view` names no shape or `json` is not a view of that shape.
[[nodiscard]] Result<QueryBodyRef> put_view(Builder& b, std::string_view view,
                                            std::string_view json);

}  // namespace stockroom::wire::fbcodec

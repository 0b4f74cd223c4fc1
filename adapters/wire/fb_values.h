// Values every FlatBuffers reply uses: money and the error of a refusal. Each put_*
// adds its objects to the builder before returning the offset, so callers create
// children first and then their table (FlatBuffers cannot nest tables under
// construction). Thread-compatible, no I/O.
#pragma once

#include "adapters/wire/fb_buffer.h"
#include "engine/model/error.h"
#include "engine/model/types.h"
#include "schemas/api_generated.h"

namespace stockroom::wire::fbcodec {

using StringRef = flatbuffers::Offset<flatbuffers::String>;

[[nodiscard]] flatbuffers::Offset<fb::Money> put_money(Builder& b, const Money& money);

// ErrorInfo: the code's contract name, the message, the details (an int or a string
// each) and the shortages of an OUT_OF_STOCK.
[[nodiscard]] flatbuffers::Offset<fb::ErrorInfo> put_error(Builder& b, const Error& error);

}  // namespace stockroom::wire::fbcodec

// Bytes in and out of the FlatBuffers codec: the frame checks a request body must pass
// before flatbuffers::Verifier may look at it, and the copy of a finished reply.
// Thread-safe (per-thread storage), no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "flatbuffers/flatbuffers.h"

namespace stockroom::wire::fbcodec {

using Builder = flatbuffers::FlatBufferBuilder;

// `body` checked for a size the Verifier accepts (it asserts on 2 GiB or more) and,
// when not 8-aligned (a NATS payload need not be), copied to per-thread aligned
// storage: FlatBuffers reads scalars in place. The span is valid until the next call
// on this thread. kMalformed (naming `what`, e.g. "query") when too short or too large.
[[nodiscard]] Result<std::span<const uint8_t>> request_bytes(std::string_view body,
                                                             std::string_view what);

// A builder for one reply on this thread, cleared: its buffer keeps its capacity, so
// replies do not reallocate. Valid until the next call on this thread.
[[nodiscard]] Builder& reply_builder();

// The finished buffer of `b` into `out` (replaced).
void copy_out(const Builder& b, std::string& out);

}  // namespace stockroom::wire::fbcodec

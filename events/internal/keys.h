// The byte layout of every key and value the log stores (docs/storage.md, "Layout").
//
// Integers are big-endian so that RocksDB's bytewise key order is numeric order;
// signed times have their sign bit flipped so that negative times sort before
// positive ones. Encoders append to `out` so that a batch can reuse its buffers;
// decoders return nullopt on bytes of the wrong shape (a corrupt store), never crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/model/types.h"
#include "events/event_log.h"

namespace stockroom::events::internal {

// The key of the head in the "default" column family.
inline constexpr std::string_view kHeadKey = "head";
inline constexpr size_t kU64Size = 8;
// Ends the stream name in a "streams" key; no valid stream name contains it.
inline constexpr char kStreamSeparator = '\0';

void append_u64(std::string& out, uint64_t value);
[[nodiscard]] std::optional<uint64_t> read_u64(std::string_view bytes, size_t offset);
[[nodiscard]] uint64_t flip_sign(int64_t value) noexcept;
[[nodiscard]] int64_t unflip_sign(uint64_t value) noexcept;

// True for a non-empty name of [A-Za-z0-9_-]: the separator above cannot occur in it.
[[nodiscard]] bool is_valid_stream_name(std::string_view stream) noexcept;

// "log" and "chain" keys: the position, 8 bytes.
[[nodiscard]] std::string position_key(Position position);
// Exactly 8 bytes, else nullopt.
[[nodiscard]] std::optional<Position> decode_position(std::string_view key);

// "streams" keys: stream name, 0x00, version. The prefix is name + 0x00.
void append_stream_prefix(std::string& out, std::string_view stream);
void append_stream_key(std::string& out, std::string_view stream, StreamVersion version);
// The version of a key that starts with `prefix` (the stream prefix), else nullopt.
[[nodiscard]] std::optional<StreamVersion> decode_stream_key(std::string_view key,
                                                             std::string_view prefix);

// "time" keys: time (sign flipped) then position; the bound is the time part alone.
void append_time_key(std::string& out, Timestamp time, Position position);
[[nodiscard]] std::string time_bound(Timestamp time);
[[nodiscard]] std::optional<Position> decode_time_key_position(std::string_view key);

// "chain" values: hash (32), version (8), stream name (the rest).
struct ChainEntry {
  Hash hash{};
  StreamVersion version;
  std::string stream;
};
void append_chain_value(std::string& out, const Hash& hash, std::string_view stream,
                        StreamVersion version);
[[nodiscard]] std::optional<ChainEntry> decode_chain_value(std::string_view value);

// The head value: position (8), hash (32).
[[nodiscard]] std::string encode_head(const Head& head);
[[nodiscard]] std::optional<Head> decode_head(std::string_view value);

// "commands" values: recorded_at (8, sign flipped), fingerprint (32), result (the rest).
void append_command_value(std::string& out, const CommandRecord& record);
[[nodiscard]] std::optional<CommandRecord> decode_command_value(std::string_view value);
// Only the recorded_at of a command value (what the retention filter needs).
[[nodiscard]] std::optional<Timestamp> decode_command_time(std::string_view value);

}  // namespace stockroom::events::internal

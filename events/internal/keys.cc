#include "events/internal/keys.h"

#include <algorithm>
#include <cstring>

namespace stockroom::events::internal {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr size_t kHashSize = std::tuple_size_v<Hash>;

Hash read_hash(std::string_view bytes, size_t offset) {
  Hash hash{};
  std::memcpy(hash.data(), bytes.data() + offset, hash.size());
  return hash;
}

void append_hash(std::string& out, const Hash& hash) {
  out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
}

// '~' separates the two ids of a review stream (review-<sku>~<customer_id>).
bool is_stream_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '~';
}

}  // namespace

void append_u64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

std::optional<uint64_t> read_u64(std::string_view bytes, size_t offset) {
  if (bytes.size() < offset || bytes.size() - offset < kU64Size) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < kU64Size; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
  }
  return value;
}

uint64_t flip_sign(int64_t value) noexcept { return static_cast<uint64_t>(value) ^ kSignBit; }

int64_t unflip_sign(uint64_t value) noexcept { return static_cast<int64_t>(value ^ kSignBit); }

bool is_valid_stream_name(std::string_view stream) noexcept {
  return !stream.empty() && std::ranges::all_of(stream, is_stream_char);
}

std::string position_key(Position position) {
  std::string key;
  append_u64(key, position.value);
  return key;
}

std::optional<Position> decode_position(std::string_view key) {
  if (key.size() != kU64Size) return std::nullopt;
  return Position{*read_u64(key, 0)};
}

void append_stream_prefix(std::string& out, std::string_view stream) {
  out.append(stream);
  out.push_back(kStreamSeparator);
}

void append_stream_key(std::string& out, std::string_view stream, StreamVersion version) {
  append_stream_prefix(out, stream);
  append_u64(out, version.value);
}

std::optional<StreamVersion> decode_stream_key(std::string_view key, std::string_view prefix) {
  if (key.size() != prefix.size() + kU64Size || !key.starts_with(prefix)) return std::nullopt;
  return StreamVersion{*read_u64(key, prefix.size())};
}

void append_time_key(std::string& out, Timestamp time, Position position) {
  append_u64(out, flip_sign(time.micros));
  append_u64(out, position.value);
}

std::string time_bound(Timestamp time) {
  std::string key;
  append_u64(key, flip_sign(time.micros));
  return key;
}

std::optional<Position> decode_time_key_position(std::string_view key) {
  if (key.size() != 2 * kU64Size) return std::nullopt;
  return Position{*read_u64(key, kU64Size)};
}

void append_chain_value(std::string& out, const Hash& hash, std::string_view stream,
                        StreamVersion version) {
  append_hash(out, hash);
  append_u64(out, version.value);
  out.append(stream);
}

std::optional<ChainEntry> decode_chain_value(std::string_view value) {
  if (value.size() <= kHashSize + kU64Size) return std::nullopt;
  return ChainEntry{read_hash(value, 0), StreamVersion{*read_u64(value, kHashSize)},
                    std::string(value.substr(kHashSize + kU64Size))};
}

std::string encode_head(const Head& head) {
  std::string value;
  append_u64(value, head.position.value);
  append_hash(value, head.hash);
  return value;
}

std::optional<Head> decode_head(std::string_view value) {
  if (value.size() != kU64Size + kHashSize) return std::nullopt;
  return Head{Position{*read_u64(value, 0)}, read_hash(value, kU64Size)};
}

void append_command_value(std::string& out, const CommandRecord& record) {
  append_u64(out, flip_sign(record.recorded_at.micros));
  append_hash(out, record.fingerprint);
  out.append(record.result);
}

std::optional<CommandRecord> decode_command_value(std::string_view value) {
  if (value.size() < kU64Size + kHashSize) return std::nullopt;
  return CommandRecord{read_hash(value, kU64Size), Timestamp{unflip_sign(*read_u64(value, 0))},
                       std::string(value.substr(kU64Size + kHashSize))};
}

std::optional<Timestamp> decode_command_time(std::string_view value) {
  if (value.size() < kU64Size + kHashSize) return std::nullopt;
  return Timestamp{unflip_sign(*read_u64(value, 0))};
}

}  // namespace stockroom::events::internal

#include "events/internal/log_batch.h"

#include <fmt/format.h>

#include <utility>

#include "events/internal/keys.h"
#include "events/internal/rocks_status.h"
#include "events/sha256.h"

namespace stockroom::events::internal {
namespace {

rocksdb::Slice slice(std::string_view bytes) { return {bytes.data(), bytes.size()}; }

rocksdb::Slice slice(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

RocksLogBatch::RocksLogBatch(const void* owner, const LogStore& store, const LogReader& reader,
                             const Head& base, std::optional<Error> refusal)
    : owner_(owner),
      store_(store),
      reader_(reader),
      base_(base),
      tip_(base),
      error_(std::move(refusal)) {}

Result<Hash> RocksLogBatch::append(Position position, std::string_view stream,
                                   StreamVersion version, Timestamp time,
                                   std::span<const uint8_t> record, VersionCheck check) {
  if (error_) return std::unexpected(*error_);
  if (Status ok = check_append(position, stream, version, check); !ok) return refuse(ok.error());
  const Hash hash = chain_hash(tip_.hash, record);
  write_event(position, stream, version, time, record, hash);
  if (error_) return std::unexpected(*error_);
  tip_ = Head{position, hash};
  ++events_;
  if (auto it = versions_.find(stream); it != versions_.end()) {
    it->second = version;
  } else {
    versions_.emplace(std::string(stream), version);
  }
  return hash;
}

Status RocksLogBatch::check_append(Position position, std::string_view stream,
                                   StreamVersion version, VersionCheck check) {
  if (position.value != tip_.position.value + 1) {
    return fail(ErrorCode::kConflict, fmt::format("position {} is not the next position {}",
                                                  position.value, tip_.position.value + 1));
  }
  Result<StreamVersion> last = last_version(stream, version, check);
  if (!last) return std::unexpected(last.error());
  if (version.value != last->value + 1) {
    return fail(ErrorCode::kConflict,
                fmt::format("stream {} is at version {}: the next is {}, not {}", stream,
                            last->value, last->value + 1, version.value),
                {{"stream", std::string(stream)}, {"version", static_cast<int64_t>(last->value)}});
  }
  return {};
}

Result<StreamVersion> RocksLogBatch::last_version(std::string_view stream, StreamVersion version,
                                                  VersionCheck check) const {
  if (auto it = versions_.find(stream); it != versions_.end()) return it->second;
  if (check == VersionCheck::kCaller) {
    // The stream name is still checked: it becomes a key of the stream index.
    if (!is_valid_stream_name(stream)) return reader_.stream_version(stream);
    return StreamVersion{version.value == 0 ? 0 : version.value - 1};
  }
  return reader_.stream_version(stream);
}

void RocksLogBatch::write_event(Position position, std::string_view stream, StreamVersion version,
                                Timestamp time, std::span<const uint8_t> record, const Hash& hash) {
  const Families& families = store_.families();
  const std::string position_bytes = position_key(position);
  note(writes_.Put(families.log, slice(position_bytes), slice(record)));
  value_.clear();
  append_chain_value(value_, hash, stream, version);
  note(writes_.Put(families.chain, slice(position_bytes), slice(value_)));
  key_.clear();
  append_stream_key(key_, stream, version);
  note(writes_.Put(families.streams, slice(key_), slice(position_bytes)));
  key_.clear();
  append_time_key(key_, time, position);
  note(writes_.Put(families.time, slice(key_), rocksdb::Slice()));
}

void RocksLogBatch::put_command(const CommandId& command_id, const CommandRecord& record) {
  value_.clear();
  append_command_value(value_, record);
  note(writes_.Put(store_.families().commands, slice(command_id.str()), slice(value_)));
}

void RocksLogBatch::put(std::string_view space, std::string_view key, std::string_view value) {
  Result<rocksdb::ColumnFamilyHandle*> family = store_.space(space);
  if (!family) {
    static_cast<void>(refuse(family.error()));
    return;
  }
  note(writes_.Put(*family, slice(key), slice(value)));
}

void RocksLogBatch::remove(std::string_view space, std::string_view key) {
  Result<rocksdb::ColumnFamilyHandle*> family = store_.space(space);
  if (!family) {
    static_cast<void>(refuse(family.error()));
    return;
  }
  note(writes_.Delete(*family, slice(key)));
}

void RocksLogBatch::remove_range(std::string_view space, std::string_view begin,
                                 std::string_view end) {
  Result<rocksdb::ColumnFamilyHandle*> family = store_.space(space);
  if (!family) {
    static_cast<void>(refuse(family.error()));
    return;
  }
  note(writes_.DeleteRange(*family, slice(begin), slice(end)));
}

rocksdb::WriteBatch& RocksLogBatch::seal() {
  if (!sealed_ && events_ > 0) {
    note(writes_.Put(store_.families().meta, slice(kHeadKey), slice(encode_head(tip_))));
  }
  sealed_ = true;
  return writes_;
}

void RocksLogBatch::mark_committed() {
  error_ =
      Error{ErrorCode::kInvalidState, "the batch is already committed: begin a new one", {}, {}};
}

void RocksLogBatch::note(const rocksdb::Status& status) {
  if (!status.ok() && !error_) error_ = storage_error(status, "building a batch");
}

std::unexpected<Error> RocksLogBatch::refuse(Error error) {
  if (!error_) error_ = error;
  return std::unexpected(std::move(error));
}

}  // namespace stockroom::events::internal

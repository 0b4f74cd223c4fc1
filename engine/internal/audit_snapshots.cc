// The snapshots against the log: every snapshot this build can read is the fold of its
// stream's events up to its version, and is anchored to the event at that version (its
// position and chain hash). A snapshot of another format is not damage (the engine
// ignores it and writes a new one as the stream grows); one of this format that cannot
// be read, or that differs from the fold, is.
#include <fmt/format.h>

#include <algorithm>

#include "engine/internal/aggregate_state.h"
#include "engine/internal/audit_checks.h"
#include "engine/internal/snapshot_codec.h"
#include "events/record_codec.h"

namespace stockroom::engine::internal {
namespace {

constexpr size_t kChunk = 1024;

// Past every stream name ([A-Za-z0-9_-]), and past any key a tool could sensibly write.
constexpr std::string_view kEndOfKeys = "\xff\xff\xff\xff\xff\xff\xff\xff";

// Why the fold of `stream` up to the snapshot's version is not the snapshot, or "".
Result<std::string> differs_from_fold(const events::EventLog& log, const std::string& stream,
                                      const Snapshot& snapshot) {
  const StreamVersion version = version_of(snapshot.state);
  AnyState folded = empty_state_for(stream);
  for (StreamVersion from{1}; from <= version;) {
    const size_t limit = std::min<uint64_t>(kChunk, version.value - from.value + 1);
    auto stored = log.read_stream(stream, from, limit);
    if (!stored) return std::unexpected(stored.error());
    for (const events::StoredEvent& s : *stored) {
      auto event = events::decode_event(
          {reinterpret_cast<const uint8_t*>(s.record.data()), s.record.size()});
      if (!event) return std::unexpected(event.error());
      evolve_any(folded, event->data, event->time);
      if (event->version == version &&
          (s.position != snapshot.position || s.hash != snapshot.hash)) {
        return fmt::format(
            "is anchored to position {} at version {}, but the log holds another event there "
            "(position {})",
            snapshot.position.value, version.value, s.position.value);
      }
    }
    if (stored->size() < limit) break;
    from.value += limit;
  }
  if (version_of(folded) != version) {
    return fmt::format("is at version {} but the stream ends at version {}", version.value,
                       version_of(folded).value);
  }
  if (folded != snapshot.state) {
    return fmt::format("at version {} differs from the fold of the stream's events", version.value);
  }
  return std::string();
}

}  // namespace

Result<std::optional<Finding>> check_snapshots(const events::EventLog& log,
                                               const AuditOptions& options) {
  uint64_t done = 0;
  for (std::string next;;) {
    auto rows = log.scan(kSnapshotSpace, next, kEndOfKeys, kChunk);
    // A data directory written before snapshots existed has no such keyspace.
    if (!rows && rows.error().code == ErrorCode::kNotFound) return std::nullopt;
    if (!rows) return std::unexpected(rows.error());
    for (const auto& [stream, bytes] : *rows) {
      auto snapshot = decode_snapshot(bytes, stream);
      if (!snapshot && snapshot.error().code == ErrorCode::kInvalidState) continue;
      if (!snapshot) return Finding{std::nullopt, snapshot.error().message};
      auto why = differs_from_fold(log, stream, *snapshot);
      if (!why) return std::unexpected(why.error());
      if (!why->empty()) {
        return Finding{snapshot->position, fmt::format("the snapshot of {} {}", stream, *why)};
      }
      if (options.progress && ++done % kChunk == 0) options.progress("snapshots", done, 0);
    }
    if (rows->size() < kChunk) return std::nullopt;
    next = rows->back().first + '\0';
  }
}

}  // namespace stockroom::engine::internal

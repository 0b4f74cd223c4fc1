// JournalBatch: a LogBatch that forwards every write to another batch and keeps a
// journal of them, so that a follower can make byte for byte the same writes to its
// own log (cluster mode, docs/scale-out.md). One journal is one group of commands:
// its events with their chain hashes, its command records, its view and schedule
// writes. The owner publishes the journal to the partition's JetStream stream before
// it commits the inner batch; a standby applies it with apply_journal().
//
// Journal format (version 1), all integers little-endian:
//   "SRJ1" then operations, each a tag byte and its fields:
//   'A' u64 position, str stream, u64 version, i64 time_us, str record, 32 bytes hash
//   'C' str command_id, 32 bytes fingerprint, i64 recorded_at_us, str result
//   'P' str space, str key, str value        (put)
//   'R' str space, str key                   (remove)
//   'D' str space, str begin, str end        (remove_range)
//   where str is u32 length then the bytes.
//
// Threads: as LogBatch (one thread builds it).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "events/event_log.h"

namespace stockroom::events {

// The keyspace and key that hold a partition's applied stream sequence (u64), written
// in the same batch as the writes of the journal that stream message carried.
inline constexpr std::string_view kReplicationSpace = "replication";
inline constexpr std::string_view kAppliedSequenceKey = "applied_sequence";

class JournalBatch final : public LogBatch {
 public:
  explicit JournalBatch(std::unique_ptr<LogBatch> inner);

  // The batch to commit (EventLog::commit takes the log's own batch type).
  [[nodiscard]] LogBatch& inner() noexcept { return *inner_; }
  [[nodiscard]] const std::string& journal() const noexcept { return journal_; }

  [[nodiscard]] Result<Hash> append(Position position, std::string_view stream,
                                    StreamVersion version, Timestamp time,
                                    std::span<const uint8_t> record,
                                    VersionCheck check = VersionCheck::kIndex) override;
  void put_command(const CommandId& command_id, const CommandRecord& record) override;
  void put(std::string_view space, std::string_view key, std::string_view value) override;
  void remove(std::string_view space, std::string_view key) override;
  void remove_range(std::string_view space, std::string_view begin, std::string_view end) override;
  [[nodiscard]] size_t event_count() const override { return inner_->event_count(); }
  [[nodiscard]] Head tip() const override { return inner_->tip(); }

 private:
  std::unique_ptr<LogBatch> inner_;
  std::string journal_;
};

// Makes the journal's writes to `batch` (begun on the follower's log at the head the
// journal follows). Each append must give the hash the journal carries, so a follower
// whose log differs from the owner's is refused (kConflict) rather than forked.
// kMalformed for bytes that are not a journal. Nothing is committed here.
[[nodiscard]] Status apply_journal(std::string_view journal, LogBatch& batch);

// Reads the events of a journal in order (the view is valid during the call only).
using JournalEventVisitor = std::function<Status(Position, std::string_view stream,
                                                 std::string_view record, const Hash& hash)>;
[[nodiscard]] Status visit_journal_events(std::string_view journal,
                                          const JournalEventVisitor& visit);

}  // namespace stockroom::events

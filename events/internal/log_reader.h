// LogReader: every read of the log, each by index (no full scans): point lookups by
// position, the stream index by prefix, the time index by range.
//
// Reads that take `head` see nothing past it, so a reader never shows an event whose
// batch is being committed but whose head is not yet published.
// Threads: const and safe from any thread, concurrently with the writer.
#pragma once

#include <rocksdb/db.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/model/error.h"
#include "events/event_log.h"
#include "events/internal/log_store.h"

namespace stockroom::events::internal {

class LogReader {
 public:
  // `store` must outlive the reader.
  explicit LogReader(const LogStore& store) : store_(store) {}

  // The head stored in the "default" family ({0, zero hash} for a new log).
  [[nodiscard]] Result<Head> stored_head() const;
  // The last version in the stream index (0 for a stream without events).
  // kInvalidArgument for a name that is not [A-Za-z0-9_-]+.
  [[nodiscard]] Result<StreamVersion> stream_version(std::string_view stream) const;

  [[nodiscard]] Result<std::optional<StoredEvent>> read(Position position, Position head) const;
  [[nodiscard]] Result<std::vector<StoredEvent>> read_stream(std::string_view stream,
                                                             StreamVersion from_version,
                                                             size_t limit, Position head) const;
  [[nodiscard]] Result<std::vector<StoredEvent>> read_range(Position from, Position to,
                                                            size_t limit, Position head) const;
  [[nodiscard]] Result<size_t> visit_range(Position from, Position to, size_t limit, Position head,
                                           const EventLog::EventVisitor& visit) const;
  // The first `limit` entries in time order, returned in position order (the same
  // events as the first `limit` by position whenever times do not decrease).
  [[nodiscard]] Result<std::vector<Position>> positions_in_time(Timestamp from, Timestamp until,
                                                                size_t limit, Position head) const;
  [[nodiscard]] Result<std::optional<EventLog::PositionSpan>> span_in_time(Timestamp from,
                                                                           Timestamp until,
                                                                           Position head) const;
  [[nodiscard]] Result<std::optional<CommandRecord>> find_command(const CommandId& id) const;
  [[nodiscard]] Status visit_commands(const EventLog::CommandVisitor& visit) const;

  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view space,
                                                       std::string_view key) const;
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> scan(
      std::string_view space, std::string_view begin, std::string_view end, size_t limit) const;

  // One value of one family; nullopt when the key is absent. `what` names the read in
  // errors.
  [[nodiscard]] Result<std::optional<std::string>> get_value(rocksdb::ColumnFamilyHandle* family,
                                                             std::string_view key,
                                                             std::string_view what) const;

 private:
  // The events at `positions`, which must all exist (they come from an index).
  [[nodiscard]] Result<std::vector<StoredEvent>> load(std::span<const Position> positions) const;
  [[nodiscard]] Result<std::vector<Position>> stream_positions(std::string_view stream,
                                                               StreamVersion from_version,
                                                               size_t limit, Position head) const;

  const LogStore& store_;
};

}  // namespace stockroom::events::internal

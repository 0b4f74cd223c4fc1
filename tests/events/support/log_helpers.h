// Helpers for the event log tests: open a log or fail the test, append and commit
// events in one call, turn strings into record bytes.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "events/event_log.h"

namespace stockroom::events::testing {

inline std::span<const uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// One event to append: the log treats the record as opaque bytes.
struct Appended {
  std::string stream;
  uint64_t version = 0;
  int64_t time_us = 0;
  std::string record;
};

inline std::unique_ptr<EventLog> open_log(const std::string& dir, const LogOptions& options = {}) {
  Result<std::unique_ptr<EventLog>> log = EventLog::open(dir, options);
  INFO((log ? std::string() : log.error().message));
  REQUIRE(log.has_value());
  return std::move(*log);
}

// Appends `events` at head + 1, head + 2, ... in one batch; returns the batch.
inline std::unique_ptr<LogBatch> batch_of(EventLog& log, const std::vector<Appended>& events) {
  std::unique_ptr<LogBatch> batch = log.begin_batch();
  uint64_t position = log.head().position.value;
  for (const Appended& event : events) {
    Result<Hash> hash =
        batch->append(Position{++position}, event.stream, StreamVersion{event.version},
                      Timestamp{event.time_us}, bytes(event.record));
    INFO((hash ? std::string() : hash.error().message));
    REQUIRE(hash.has_value());
  }
  return batch;
}

// Appends and commits `events` in one batch, failing the test on any error.
inline void commit_events(EventLog& log, const std::vector<Appended>& events) {
  std::unique_ptr<LogBatch> batch = batch_of(log, events);
  Status committed = log.commit(*batch);
  INFO((committed ? std::string() : committed.error().message));
  REQUIRE(committed.has_value());
}

inline std::string record_text(const StoredEvent& event) { return event.record; }

}  // namespace stockroom::events::testing

#include "engine/offline.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/expiry_schedule.h"
#include "engine/internal/projection_runtime.h"
#include "events/data_dir.h"
#include "projections/projection.h"

namespace stockroom::engine {

Result<std::unique_ptr<events::EventLog>> open_offline(const std::string& dir, OfflineMode mode) {
  if (std::optional<Error> problem = events::data_dir_problem(dir, true)) {
    return std::unexpected(std::move(*problem));
  }
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT")) {
    return fail(ErrorCode::kNotFound,
                fmt::format("{} is not a Stockroom data directory (no database in it)", dir));
  }
  events::LogOptions options;
  options.read_only = true;
  options.follow = mode != OfflineMode::kSnapshot;
  options.follow_indexes = mode == OfflineMode::kFollowWithIndexes;
  if (mode == OfflineMode::kSnapshot) {
    options.spaces = internal::ProjectionRuntime::spaces(projections::standard_projections());
    options.spaces.emplace_back(internal::kExpirySpace);
  }
  auto log = events::EventLog::open(dir, options);
  if (!log) {
    Error e = log.error();
    if (e.code == ErrorCode::kNotFound) {
      e.message = fmt::format("{} is not a Stockroom data directory ({})", dir, e.message);
    } else {
      e.message = fmt::format("cannot open {}: {}", dir, e.message);
    }
    return std::unexpected(std::move(e));
  }
  return log;
}

namespace {

// Folds `stream` up to the first event for which `past` is true.
template <class Past>
Result<std::string> fold_until(const events::EventLog& log, const std::string& stream, Past past) {
  std::vector<RecordedEvent> events;
  constexpr size_t kChunk = 1024;
  for (StreamVersion from{1};;) {
    auto stored = log.read_stream(stream, from, kChunk);
    if (!stored) return std::unexpected(stored.error());
    auto decoded = decode_all(*stored);
    if (!decoded) return std::unexpected(decoded.error());
    for (LoggedEvent& e : *decoded) {
      if (past(e.event)) return projections::fold_stream_view(stream, events);
      events.push_back(std::move(e.event));
    }
    if (decoded->size() < kChunk) break;
    from.value += kChunk;
  }
  return projections::fold_stream_view(stream, events);
}

}  // namespace

Result<std::string> fold_as_of(const events::EventLog& log, const std::string& stream,
                               Position position) {
  return fold_until(log, stream, [&](const RecordedEvent& e) { return e.position > position; });
}

Result<std::string> fold_as_of(const events::EventLog& log, const std::string& stream,
                               Timestamp time) {
  return fold_until(log, stream, [&](const RecordedEvent& e) { return e.time > time; });
}

}  // namespace stockroom::engine

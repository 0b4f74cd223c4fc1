#include "engine/offline.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/expiry_schedule.h"
#include "engine/internal/projection_runtime.h"
#include "engine/internal/snapshot_codec.h"
#include "events/data_dir.h"
#include "projections/projection.h"
#include "projections/stock_view.h"

namespace stockroom::engine {

Result<std::unique_ptr<events::EventLog>> open_offline(const std::string& dir, OfflineMode mode) {
  if (std::optional<Error> problem = events::data_dir_problem(dir, true)) {
    return std::unexpected(std::move(*problem));
  }
  if (std::optional<Error> damage = events::store_without_current(dir)) {
    damage->message = fmt::format("cannot open {}: {}", dir, damage->message);
    return std::unexpected(std::move(*damage));
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
    options.spaces.emplace_back(internal::kSnapshotSpace);
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

constexpr std::string_view kProductPrefix = "product-";

// The stock view a product's snapshot gives: field for field its ProductState (the
// stock view folds like evolve(), docs/projections.md), the sku its stream names, and
// the snapshot's event as the last one applied.
projections::StockView stock_view_of(std::string_view stream, const internal::Snapshot& snapshot) {
  const auto& state = std::get<ProductState>(snapshot.state);
  return projections::StockView{Sku(stream.substr(kProductPrefix.size())),
                                state.name,
                                state.price,
                                state.retired,
                                state.on_hand,
                                state.reserved,
                                state.version,
                                snapshot.position};
}

// as_of(position) of a product from its snapshot and the events after it, when the
// snapshot is at or before `position` and still anchored to the log; nullopt when
// there is no such snapshot (the caller folds the whole stream). Only products: their
// streams are the ones that grow without bound (a best-seller's stock), and only
// their view is the state itself; an order's, a cart's or a review's view needs what
// its events carry beyond the state (times, amounts as recorded, the last position),
// so those streams are folded from their events as before. Not for as_of(time): event
// times may step back across restarts, so the events up to a time are not always a
// prefix that ends at the snapshot.
std::optional<Result<std::string>> product_as_of(const events::EventLog& log,
                                                 const std::string& stream, Position position) {
  if (!stream.starts_with(kProductPrefix)) return std::nullopt;
  auto stored = log.get(internal::kSnapshotSpace, stream);
  // No snapshots keyspace here (an older directory, a follower), or none for the stream.
  if (!stored || !*stored) return std::nullopt;
  auto snapshot = internal::decode_snapshot(**stored, stream);
  if (!snapshot || snapshot->position > position) return std::nullopt;
  projections::StockView view = stock_view_of(stream, *snapshot);
  constexpr size_t kChunk = 1024;
  bool anchor = true;
  for (StreamVersion from = view.version;;) {
    auto chunk = log.read_stream(stream, from, kChunk);
    if (!chunk) return std::unexpected(chunk.error());
    auto decoded = decode_all(*chunk);
    if (!decoded) return std::unexpected(decoded.error());
    for (const LoggedEvent& e : *decoded) {
      if (anchor) {
        anchor = false;
        if (e.event.version != view.version || e.event.position != snapshot->position ||
            e.hash != snapshot->hash) {
          return std::nullopt;
        }
        continue;
      }
      if (e.event.position > position) return projections::to_json(view);
      projections::apply(view, e.event);
    }
    if (anchor) return std::nullopt;
    if (decoded->size() < kChunk) return projections::to_json(view);
    from.value += kChunk;
  }
}

}  // namespace

Result<std::string> fold_as_of(const events::EventLog& log, const std::string& stream,
                               Position position) {
  if (auto from_snapshot = product_as_of(log, stream, position)) return std::move(*from_snapshot);
  return fold_until(log, stream, [&](const RecordedEvent& e) { return e.position > position; });
}

Result<std::string> fold_as_of(const events::EventLog& log, const std::string& stream,
                               Timestamp time) {
  return fold_until(log, stream, [&](const RecordedEvent& e) { return e.time > time; });
}

}  // namespace stockroom::engine

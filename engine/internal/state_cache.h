// StateCache: the writer's aggregate states, bounded, folded from the log on a miss.
//
// Owned and used by the writer thread only. Entries are evicted least-recently-used
// by trim(), which the writer calls between groups only, and which keeps every state
// changed by a group not yet durable: such a state must never be evicted and reloaded
// from a log that lacks those changes (the writer decides group k+1 while group k is
// being made durable, docs/engine.md).
//
// Snapshots (docs/engine.md): with snapshot_every = N > 0, the writer hands every
// staged event to stage_snapshot(), which puts the stream's state into the group's
// batch whenever the stream reaches a multiple of N; a miss then loads the stream's
// snapshot and folds only the events after it. A snapshot that cannot be used (another
// format, damaged, or no longer anchored to the log's event at its version) is
// ignored: the stream is folded from its first event, as with N = 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/domain/decide.h"
#include "engine/domain/state.h"
#include "engine/internal/aggregate_state.h"
#include "engine/internal/snapshot_codec.h"
#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

class StateCache final : public StateReader {
 public:
  // `log` must have the kSnapshotSpace keyspace when snapshot_every > 0.
  StateCache(const events::EventLog& log, size_t capacity, uint64_t snapshot_every = 0);

  const ProductState& product(const Sku& sku) override;
  const CartState& cart(const CartId& cart_id) override;
  const OrderState& order(const OrderId& order_id) override;
  const ReviewState& review(const Sku& sku, const CustomerId& customer_id) override;
  // The state of any stream, loaded on a miss like the typed accessors above.
  const AnyState& state_of(const std::string& stream) { return lookup(stream); }

  // Folds `event` into the state of its stream (loading it first) and returns the
  // stream's version after it: the version the event is recorded with.
  [[nodiscard]] StreamVersion apply(const EventData& event, Timestamp time);

  // Called for every event after apply() and its append at `position` (chain hash
  // `hash`): when `version` is a multiple of snapshot_every, puts the snapshot of the
  // stream's state into `batch`, so it is exactly as durable as the events reaching it.
  void stage_snapshot(const std::string& stream, StreamVersion version, Position position,
                      const events::Hash& hash, events::LogBatch& batch);

  // The first storage error a load met since the last call. A load that fails leaves
  // an empty state behind, so the writer must check this after every decision and
  // treat the group as failed when set.
  [[nodiscard]] std::optional<Error> take_error();

  // Numbers the group whose events apply() folds from now on (increasing).
  void begin_group(uint64_t group) noexcept { group_ = group; }

  // Evicts least-recently-used states beyond the capacity, except those changed by
  // group `pinned_from` or later (the groups not yet durable): the cache may stay
  // above its capacity by what those groups changed. Between groups only.
  void trim(uint64_t pinned_from);

  // Forgets every state (after a failed commit: the cache may hold uncommitted changes).
  void clear();

  [[nodiscard]] uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }
  // Misses served from a snapshot, and snapshots found but not used.
  [[nodiscard]] uint64_t snapshot_loads() const noexcept {
    return snapshot_loads_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t snapshots_ignored() const noexcept {
    return snapshots_ignored_.load(std::memory_order_relaxed);
  }

 private:
  struct Entry {
    AnyState state;
    std::list<std::string>::iterator lru;
    uint64_t changed_in;  // the last group that changed it (0: loaded, never changed)
  };

  // How a fold of a stream's events ended.
  enum class Folded : uint8_t { kDone, kFailed, kAnchorLost };

  AnyState& lookup(const std::string& stream);
  Entry& find_or_load(const std::string& stream);
  AnyState load(const std::string& stream);
  // The stream's usable-looking snapshot, if any (a storage error sets error_).
  std::optional<Snapshot> read_snapshot(const std::string& stream);
  // Folds the events of `stream` into `state`: all of them, or with `anchor` (then
  // `state` is its snapshot's) those after the anchor's event, which is read again
  // and must match it.
  Folded fold(const std::string& stream, AnyState& state, const Snapshot* anchor);

  const events::EventLog& log_;
  size_t capacity_;
  uint64_t snapshot_every_;  // 0: no snapshots
  std::string snapshot_buffer_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front: most recently used
  std::optional<Error> error_;
  uint64_t group_ = 0;
  std::atomic<uint64_t> misses_{0};  // read by stats() from other threads
  std::atomic<uint64_t> snapshot_loads_{0};
  std::atomic<uint64_t> snapshots_ignored_{0};
};

}  // namespace stockroom::engine::internal

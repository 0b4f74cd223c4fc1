// StateCache: the writer's aggregate states, bounded, folded from the log on a miss.
//
// Owned and used by the writer thread only. Entries are evicted least-recently-used
// by trim(), which the writer calls between groups only: a state changed by a
// group that is not yet committed must never be evicted and reloaded without it.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "engine/decide.h"
#include "engine/error.h"
#include "engine/state.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

using AnyState = std::variant<ProductState, CartState, OrderState, ReviewState>;

class StateCache final : public StateReader {
 public:
  StateCache(const events::EventLog& log, size_t capacity);

  const ProductState& product(const Sku& sku) override;
  const CartState& cart(const CartId& cart_id) override;
  const OrderState& order(const OrderId& order_id) override;
  const ReviewState& review(const Sku& sku, const CustomerId& customer_id) override;

  // Folds `event` into the state of its stream (loading it first) and returns the
  // stream's version after it: the version the event is recorded with.
  [[nodiscard]] StreamVersion apply(const EventData& event, Timestamp time);

  // The first storage error a load met since the last call. A load that fails leaves
  // an empty state behind, so the writer must check this after every decision and
  // treat the group as failed when set.
  [[nodiscard]] std::optional<Error> take_error();

  // Evicts least-recently-used states beyond the capacity. Between groups only.
  void trim();

  // Forgets every state (after a failed commit: the cache may hold uncommitted changes).
  void clear();

  [[nodiscard]] uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    AnyState state;
    std::list<std::string>::iterator lru;
  };

  AnyState& lookup(const std::string& stream);
  AnyState load(const std::string& stream);

  const events::EventLog& log_;
  size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front: most recently used
  std::optional<Error> error_;
  std::atomic<uint64_t> misses_{0};  // read by stats() from other threads
};

}  // namespace stockroom::engine::internal

#include "engine/internal/state_cache.h"

#include "events/record_codec.h"

namespace stockroom::engine::internal {

StateCache::StateCache(const events::EventLog& log, size_t capacity, uint64_t snapshot_every)
    : log_(log), capacity_(capacity == 0 ? 1 : capacity), snapshot_every_(snapshot_every) {}

const ProductState& StateCache::product(const Sku& sku) {
  return std::get<ProductState>(lookup(product_stream(sku)));
}

const CartState& StateCache::cart(const CartId& cart_id) {
  return std::get<CartState>(lookup(cart_stream(cart_id)));
}

const OrderState& StateCache::order(const OrderId& order_id) {
  return std::get<OrderState>(lookup(order_stream(order_id)));
}

const ReviewState& StateCache::review(const Sku& sku, const CustomerId& customer_id) {
  return std::get<ReviewState>(lookup(review_stream(sku, customer_id)));
}

StreamVersion StateCache::apply(const EventData& event, Timestamp time) {
  Entry& entry = find_or_load(stream_of(event));
  entry.changed_in = group_;
  evolve_any(entry.state, event, time);
  return version_of(entry.state);
}

void StateCache::stage_snapshot(const std::string& stream, StreamVersion version, Position position,
                                const events::Hash& hash, events::LogBatch& batch) {
  if (snapshot_every_ == 0 || version.value % snapshot_every_ != 0) return;
  auto it = entries_.find(stream);
  // apply() has just brought the stream to `version`; anything else is not the state
  // of that event, and no snapshot is better than a wrong one.
  if (it == entries_.end() || version_of(it->second.state) != version) return;
  encode_snapshot(stream, it->second.state, position, hash, snapshot_buffer_);
  batch.put(kSnapshotSpace, stream, snapshot_buffer_);
}

std::optional<Error> StateCache::take_error() {
  std::optional<Error> out;
  out.swap(error_);
  return out;
}

void StateCache::trim(uint64_t pinned_from) {
  // From the least recently used end, skipping what a group not yet durable changed.
  for (auto it = lru_.end(); entries_.size() > capacity_ && it != lru_.begin();) {
    --it;
    auto entry = entries_.find(*it);
    if (entry->second.changed_in >= pinned_from) continue;
    entries_.erase(entry);
    it = lru_.erase(it);
  }
}

void StateCache::clear() {
  entries_.clear();
  lru_.clear();
}

AnyState& StateCache::lookup(const std::string& stream) { return find_or_load(stream).state; }

StateCache::Entry& StateCache::find_or_load(const std::string& stream) {
  auto it = entries_.find(stream);
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  lru_.push_front(stream);
  auto [inserted, _] = entries_.emplace(stream, Entry{load(stream), lru_.begin(), 0});
  return inserted->second;
}

AnyState StateCache::load(const std::string& stream) {
  if (snapshot_every_ > 0) {
    if (std::optional<Snapshot> snapshot = read_snapshot(stream)) {
      AnyState state = std::move(snapshot->state);
      const Folded folded = fold(stream, state, &*snapshot);
      if (folded == Folded::kDone) {
        snapshot_loads_.fetch_add(1, std::memory_order_relaxed);
        return state;
      }
      if (folded == Folded::kFailed) return empty_state_for(stream);
      snapshots_ignored_.fetch_add(1, std::memory_order_relaxed);
    }
    if (error_) return empty_state_for(stream);
  }
  AnyState state = empty_state_for(stream);
  if (fold(stream, state, nullptr) != Folded::kDone) return empty_state_for(stream);
  return state;
}

std::optional<Snapshot> StateCache::read_snapshot(const std::string& stream) {
  auto stored = log_.get(kSnapshotSpace, stream);
  if (!stored) {
    if (!error_) error_ = stored.error();
    return std::nullopt;
  }
  if (!*stored) return std::nullopt;
  auto snapshot = decode_snapshot(**stored, stream);
  if (!snapshot) {
    // Another format, or damage: the events are the truth, and the next multiple of N
    // writes a good snapshot over this one.
    snapshots_ignored_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return std::move(*snapshot);
}

StateCache::Folded StateCache::fold(const std::string& stream, AnyState& state,
                                    const Snapshot* anchor) {
  constexpr size_t kChunk = 1024;
  // With an anchor, `state` is the snapshot's: its version is the anchor's event.
  StreamVersion from{anchor != nullptr ? version_of(state).value : 1};
  bool check_anchor = anchor != nullptr;
  for (;;) {
    auto stored = log_.read_stream(stream, from, kChunk);
    if (!stored) {
      if (!error_) error_ = stored.error();
      return Folded::kFailed;
    }
    for (const events::StoredEvent& s : *stored) {
      auto decoded = events::decode_event(
          {reinterpret_cast<const uint8_t*>(s.record.data()), s.record.size()});
      if (!decoded) {
        if (!error_) error_ = decoded.error();
        return Folded::kFailed;
      }
      if (check_anchor) {
        // The snapshot holds only if the log still has the very event it was taken at.
        check_anchor = false;
        if (decoded->version != from || s.position != anchor->position || s.hash != anchor->hash) {
          return Folded::kAnchorLost;
        }
        continue;
      }
      evolve_any(state, decoded->data, decoded->time);
    }
    if (check_anchor) return Folded::kAnchorLost;  // the stream ends before the snapshot
    if (stored->size() < kChunk) return Folded::kDone;
    from.value += kChunk;
  }
}

}  // namespace stockroom::engine::internal

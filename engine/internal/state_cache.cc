#include "engine/internal/state_cache.h"

#include "engine/evolve.h"
#include "events/record_codec.h"

namespace stockroom::engine::internal {
namespace {

// The empty state of the aggregate kind a stream name starts with.
AnyState empty_state_for(std::string_view stream) {
  const auto kind = stream_kind_of(stream);
  switch (kind ? kind->aggregate : AggregateKind::kProduct) {
    case AggregateKind::kCart:
      return CartState{};
    case AggregateKind::kOrder:
      return OrderState{};
    case AggregateKind::kReview:
      return ReviewState{};
    case AggregateKind::kProduct:
      break;
  }
  return ProductState{};
}

}  // namespace

StateCache::StateCache(const events::EventLog& log, size_t capacity)
    : log_(log), capacity_(capacity == 0 ? 1 : capacity) {}

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
  AnyState& state = lookup(stream_of(event));
  return std::visit(
      [&](auto& s) {
        evolve(s, event, time);
        return s.version;
      },
      state);
}

std::optional<Error> StateCache::take_error() {
  std::optional<Error> out;
  out.swap(error_);
  return out;
}

void StateCache::trim() {
  while (entries_.size() > capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

void StateCache::clear() {
  entries_.clear();
  lru_.clear();
}

AnyState& StateCache::lookup(const std::string& stream) {
  auto it = entries_.find(stream);
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.state;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  lru_.push_front(stream);
  auto [inserted, _] = entries_.emplace(stream, Entry{load(stream), lru_.begin()});
  return inserted->second.state;
}

AnyState StateCache::load(const std::string& stream) {
  AnyState state = empty_state_for(stream);
  constexpr size_t kChunk = 1024;
  StreamVersion from{1};
  for (;;) {
    auto stored = log_.read_stream(stream, from, kChunk);
    if (!stored) {
      if (!error_) error_ = stored.error();
      return empty_state_for(stream);
    }
    for (const events::StoredEvent& s : *stored) {
      auto decoded = events::decode_event(
          {reinterpret_cast<const uint8_t*>(s.record.data()), s.record.size()});
      if (!decoded) {
        if (!error_) error_ = decoded.error();
        return empty_state_for(stream);
      }
      std::visit([&](auto& st) { evolve(st, decoded->data, decoded->time); }, state);
    }
    if (stored->size() < kChunk) return state;
    from.value += kChunk;
  }
}

}  // namespace stockroom::engine::internal

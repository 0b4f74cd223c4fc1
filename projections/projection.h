// Projection: a read model kept from the event log (domain.md, "Read models").
//
// A projection owns one keyspace. For every recorded event the engine calls apply()
// inside the writer's group, with a ViewStore whose writes go into the same
// WriteBatch as the events (and the projection's checkpoint), so a view is never
// ahead of or behind the log after a crash. A rebuild calls the same apply() over the
// log from position 1; apply() must therefore be deterministic: the same events in
// the same order give byte-for-byte the same stored values.
//
// Adding a projection: implement this interface, add it to the list the engine is
// given (EngineOptions::projections, default standard_projections()), and rebuild it
// once to bring it up to date; the engine itself does not change.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/event.h"

namespace stockroom::projections {

// A view decoded for the rest of a group: what keep() hands a store, so that the
// group's further events on the same key neither decode nor encode it again.
class WorkingView {
 public:
  virtual ~WorkingView() = default;
  // The bytes to store: the same as encoding the view after every single event.
  [[nodiscard]] virtual std::string encode() const = 0;
};

// One projection's keyspace during an update. Reads see the writes made earlier in
// the same group. Threads: the writer's only.
class ViewStore {
 public:
  virtual ~ViewStore() = default;
  [[nodiscard]] virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void remove(std::string_view key) = 0;
  // Keys starting with `prefix`, in key order, including this group's writes.
  [[nodiscard]] virtual Result<std::vector<std::string>> keys_with_prefix(
      std::string_view prefix) = 0;

  // The decoded view keep() left under `key` in this group, or null. A put() or
  // remove() of the key drops it.
  [[nodiscard]] virtual WorkingView* working(std::string_view /*key*/) { return nullptr; }
  // Stores `view` under `key`. A store that keeps working views (the engine's, for a
  // group or a rebuild's chunk) encodes it once when the group is flushed; this
  // default encodes it now.
  virtual void keep(std::string_view key, std::unique_ptr<WorkingView> view) {
    put(key, view->encode());
  }
};

class Projection {
 public:
  virtual ~Projection() = default;

  // The view's name: "order", "stock", "rating", "cart". Also names its keyspace.
  [[nodiscard]] virtual std::string_view name() const = 0;

  // Applies one recorded event (most events touch no view of a given projection).
  // Errors are storage errors from `store` or a corrupt stored view (kMalformed).
  [[nodiscard]] virtual Status apply(const RecordedEvent& event, ViewStore& store) const = 0;

  // The stored value of the view with this key is what queries return: its JSON.
  // Keys of auxiliary entries a projection keeps (indexes) start with '\x01' and are
  // never returned by a query.
};

// The four views of domain.md: order, stock, rating, cart.
[[nodiscard]] std::vector<std::shared_ptr<const Projection>> standard_projections();

// as_of: folds the events of ONE stream (in version order) into the view shape of
// that stream's kind and returns its JSON: product-* -> stock view, cart-* -> cart
// view (prices as recorded in the cart's own events), order-* -> order view,
// review-* -> a rating view of that single review. kInvalidArgument for an unknown
// stream kind, kNotFound when `events` is empty.
[[nodiscard]] Result<std::string> fold_stream_view(std::string_view stream,
                                                   const std::vector<RecordedEvent>& events);

}  // namespace stockroom::projections

// Test support for the views: records EventData as the engine would (global
// positions without gaps, per-stream versions, times, command id, actor), so the
// pure apply functions and the projections see realistic RecordedEvents. No I/O.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/event.h"
#include "projections/projection.h"
#include "support/money.h"
#include "tests/projections/memory_view_store.h"

namespace stockroom::testing {

// 2026-11-24T16:18:00.123456Z
inline constexpr Timestamp kBaseTime{1'795'537'080'123'456};
inline constexpr int64_t kSecond = 1'000'000;

// The ids most cases use.
inline const CartId c1("c-1");
inline const OrderId o1("o-1");
inline const PaymentId pay1("p-1");
inline const Sku mug("SKU-1");
inline const Sku plate("SKU-2");

class Recorder {
 public:
  // Records one event; each event is one second after the previous one unless at()
  // says otherwise.
  RecordedEvent record(EventData data) {
    RecordedEvent e;
    e.position = Position{++position_};
    e.stream = stream_of(data);
    e.version = StreamVersion{++versions_[e.stream]};
    e.time = next_time_;
    e.command_id = CommandId("cmd-" + std::to_string(position_));
    e.actor = Actor{ActorId("sam"), Role::kStaff};
    e.data = std::move(data);
    next_time_.micros += kSecond;
    log_.push_back(e);
    return e;
  }
  std::vector<RecordedEvent> record_all(const std::vector<EventData>& events) {
    std::vector<RecordedEvent> out;
    for (const EventData& e : events) out.push_back(record(e));
    return out;
  }
  Recorder& at(Timestamp time) {
    next_time_ = time;
    return *this;
  }

  [[nodiscard]] const std::vector<RecordedEvent>& log() const { return log_; }
  [[nodiscard]] std::vector<RecordedEvent> stream(const std::string& name) const {
    std::vector<RecordedEvent> out;
    for (const RecordedEvent& e : log_) {
      if (e.stream == name) out.push_back(e);
    }
    return out;
  }

 private:
  uint64_t position_ = 0;
  std::map<std::string, uint64_t> versions_;
  Timestamp next_time_ = kBaseTime;
  std::vector<RecordedEvent> log_;
};

// Folds `events` into a fresh View with the view's pure apply.
template <class View>
View fold(const std::vector<RecordedEvent>& events) {
  View view;
  for (const RecordedEvent& e : events) apply(view, e);
  return view;
}

// The standard projection named `name` ("order", "stock", "rating", "cart").
inline std::shared_ptr<const projections::Projection> projection(std::string_view name) {
  for (auto& p : projections::standard_projections()) {
    if (p->name() == name) return p;
  }
  return nullptr;
}

// Applies every event of `events` through `p`; false at the first error.
inline bool feed(const projections::Projection& p, MemoryViewStore& store,
                 const std::vector<RecordedEvent>& events) {
  for (const RecordedEvent& e : events) {
    if (!p.apply(e, store)) return false;
  }
  return true;
}

}  // namespace stockroom::testing

// Clock jumps (docs/reliability.md, "Clock jumps"): the wall clock steps back an hour,
// then forward two (an hour ahead of where it started), while 4 threads run a random
// store workload, and the engine is reopened on a clock two hours behind. Positions
// stay gap-free, event times never go backwards, no expiry fires before its order's
// expires_at (none while the clock was behind), and as_of by time is the state after
// the stream's last event at or before that time.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/workload.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace clock_test {

using engine::Engine;

constexpr int64_t kHour = 3600LL * 1'000'000;

// The wall clock the engine reads: the real one plus a step the test sets.
struct SteppedClock {
  std::shared_ptr<std::atomic<int64_t>> offset = std::make_shared<std::atomic<int64_t>>(0);

  std::function<Timestamp()> reader() const {
    auto o = offset;
    return [o] {
      const auto real = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
      return Timestamp{real + o->load()};
    };
  }
};

engine::EngineOptions options_at(const TempDir& dir, const SteppedClock& clock) {
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.durability = events::Durability::kNone;             // the clock, not the fsyncs, is under test
  o.reservation_ttl = Duration{10LL * 60 * 1'000'000};  // 10 min: due only after a jump
  o.expiry_interval = Duration{20'000};                 // the writer looks every 20 ms
  o.clock = clock.reader();
  return o;
}

// Runs the workload on `threads` threads for `steps` actions each.
void shop(Engine& e, int first_thread, int threads, int steps) {
  std::vector<std::thread> running;
  for (int t = first_thread; t < first_thread + threads; ++t) {
    running.emplace_back([&e, t, steps] { Shopper(e, t).run(steps); });
  }
  for (auto& th : running) th.join();
}

std::vector<engine::LoggedEvent> whole_log(Engine& e) {
  auto all = e.events_from(Position{1}, 10'000'000);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == e.head().position.value);
  return std::move(*all);
}

}  // namespace clock_test

using namespace clock_test;

TEST_CASE(
    "the wall clock stepping back and forward an hour under load keeps positions and times "
    "in order and fires no expiry early",
    "[engine][clock]") {
  TempDir dir;
  SteppedClock clock;
  Position behind_from;  // the first position written while the clock was behind
  Position ahead_from;   // the first position written after the forward step
  {
    auto opened = Engine::open(options_at(dir, clock));
    REQUIRE(opened.has_value());
    Engine& e = **opened;
    stock_products(e, 200);
    // Each phase: 4 threads of traffic; the clock steps between phases and during them.
    shop(e, 0, 4, 60);
    behind_from = Position{e.head().position.value + 1};
    clock.offset->store(-kHour);
    std::thread stepper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      clock.offset->store(-kHour - 1'000'000);  // and another second back, mid-load
    });
    shop(e, 4, 4, 60);
    stepper.join();
    // No order placed so far is due before the forward step: 10 min TTL, seconds apart.
    const uint64_t expired_while_behind = e.stats().expired_orders;
    CHECK(expired_while_behind == 0);
    ahead_from = Position{e.head().position.value + 1};
    clock.offset->store(+kHour);
    shop(e, 8, 4, 60);
    // Every unpaid order placed before the step is past its expires_at now: the writer's
    // timer expires them (each a due order, judged at the engine's time).
    for (int i = 0; i < 500 && e.stats().expired_orders == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(e.expire_due().has_value());
    CHECK(e.stats().expired_orders > 0);
  }

  // Reopened on a clock two hours behind the last event: times still do not go back.
  clock.offset->store(-kHour);
  auto reopened = Engine::open(options_at(dir, clock));
  REQUIRE(reopened.has_value());
  Engine& e = **reopened;
  const Position before_restart = e.head().position;
  shop(e, 12, 2, 20);
  REQUIRE(e.head().position.value > before_restart.value);

  const std::vector<engine::LoggedEvent> log = whole_log(e);
  std::map<std::string, Timestamp> expires_at;  // per order, from OrderPlaced
  std::map<std::string, std::vector<size_t>> by_stream;
  size_t expired = 0;
  size_t same_time_as_previous = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    const RecordedEvent& ev = log[i].event;
    REQUIRE(ev.position.value == i + 1);  // gap-free, in order
    if (i > 0) {
      INFO("position " << ev.position.value);
      REQUIRE(ev.time.micros >= log[i - 1].event.time.micros);  // never backwards
      if (ev.time == log[i - 1].event.time) ++same_time_as_previous;
    }
    by_stream[ev.stream].push_back(i);
    if (const auto* placed = std::get_if<OrderPlaced>(&ev.data)) {
      expires_at[placed->order_id.str()] = placed->expires_at;
    }
    if (const auto* gone = std::get_if<OrderExpired>(&ev.data)) {
      ++expired;
      INFO("order " << gone->order_id.str());
      REQUIRE(expires_at.contains(gone->order_id.str()));
      CHECK(ev.time.micros >= expires_at[gone->order_id.str()].micros);  // never early
      CHECK(ev.position.value >= ahead_from.value);  // none while the clock was behind
    }
  }
  CHECK(expired > 0);
  // While the clock was behind, the events kept the last time seen: many share it.
  CHECK(same_time_as_previous > 0);
  CHECK(behind_from.value < ahead_from.value);

  // as_of by time: the stream's state after its last event at or before that time, the
  // same as as_of by that event's position. Checked at every 7th event's time.
  size_t checked = 0;
  for (size_t i = 0; i < log.size(); i += 7) {
    const RecordedEvent& at = log[i].event;
    const std::vector<size_t>& events = by_stream[at.stream];
    size_t last = 0;
    for (size_t k : events) {
      if (log[k].event.time.micros <= at.time.micros) last = k;
    }
    auto by_time = e.as_of(at.stream, at.time);
    auto by_position = e.as_of(at.stream, log[last].event.position);
    REQUIRE(by_time.has_value());
    REQUIRE(by_position.has_value());
    CHECK(*by_time == *by_position);
    ++checked;
  }
  CHECK(checked > 10);
}

}  // namespace stockroom::testing

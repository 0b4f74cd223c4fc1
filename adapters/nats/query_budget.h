// QueryBudget: what one query may still spend — a deadline, and the drain's cancel.
//
// A query whose cost grows with the log (verify, a filtered events scan) works in
// chunks and asks spent() between them: once the deadline has passed or serve is
// draining, it stops and replies with what it has, saying how far it got
// (docs/api.md, "Query lanes and deadlines"). At least one chunk is always done, so a
// client that goes on from where the reply stopped always moves forward. Point
// queries never look: they are cheap.
//
// Threads: a value, read by the worker running the query; the cancel flag belongs to
// the lane (QueryLane) and outlives every budget that points at it.
#pragma once

#include <atomic>
#include <chrono>

namespace stockroom::nats_adapter {

class QueryBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // No deadline, never cancelled (callers outside serve, tests).
  QueryBudget() = default;
  // `cancelled` may be null (never cancelled).
  QueryBudget(Clock::time_point deadline, const std::atomic<bool>* cancelled)
      : deadline_(deadline), cancelled_(cancelled) {}

  // Serve is draining: stop now; work not begun is refused with UNAVAILABLE.
  [[nodiscard]] bool cancelled() const {
    return cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed);
  }
  // Past the deadline or cancelled: stop at the next chunk boundary.
  [[nodiscard]] bool spent() const { return cancelled() || Clock::now() >= deadline_; }

 private:
  Clock::time_point deadline_ = Clock::time_point::max();
  const std::atomic<bool>* cancelled_ = nullptr;
};

}  // namespace stockroom::nats_adapter

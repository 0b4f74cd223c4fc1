// Deadlines for calls that wait on a NATS cluster. Every wait in the cluster link has
// one: a JetStream stream-leader election takes 5-7 s with no answers, so callers
// decide how long a call may keep retrying, not the library.
#pragma once

#include <chrono>
#include <cstdint>

namespace stockroom::cluster {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// A deadline `timeout` from now.
[[nodiscard]] inline Deadline deadline_in(std::chrono::milliseconds timeout) {
  return Clock::now() + timeout;
}

// Whole milliseconds left before `deadline`, capped at `cap_ms`, and at least
// `floor_ms` (>= 1): NATS.c refuses a zero wait, and the caller checks expiry itself.
[[nodiscard]] int64_t remaining_ms(Deadline deadline, int64_t cap_ms = INT64_MAX,
                                   int64_t floor_ms = 1);

[[nodiscard]] inline bool expired(Deadline deadline) { return Clock::now() >= deadline; }

// Sleeps before retry number `attempt` (0, 1, ...): 50 ms growing to 500 ms, never past
// `deadline`. Keeps a retry loop from hammering a cluster that is electing a leader.
void pause_before_retry(int attempt, Deadline deadline);

}  // namespace stockroom::cluster

// The retry loop every cluster call shares: try, and while the failure is one that
// passes by itself (an election, a reconnect), pause briefly and try again until the
// deadline. A failure that will not pass (a fence, a refused request) returns at once.
#pragma once

#include <string>
#include <utility>

#include "adapters/cluster/deadline.h"
#include "engine/model/error.h"

namespace stockroom::cluster::internal {

template <class T>
struct Attempt {
  Result<T> result;
  bool transient = false;  // worth another try before the deadline
};

template <class T>
[[nodiscard]] Attempt<T> done(Result<T> result) {
  return {std::move(result), false};
}

// A kUnavailable failure that the loop retries.
template <class T>
[[nodiscard]] Attempt<T> retry_later(std::string message) {
  return {fail(ErrorCode::kUnavailable, std::move(message)), true};
}

// Calls `attempt()` (returning Attempt<T>) until it is not transient or `deadline` has
// passed; returns the last result. Always tries at least once.
template <class F>
[[nodiscard]] auto retry_until(Deadline deadline, F&& attempt) -> decltype(attempt().result) {
  for (int n = 0;; ++n) {
    auto outcome = attempt();
    if (!outcome.transient || expired(deadline)) return std::move(outcome.result);
    pause_before_retry(n, deadline);
  }
}

}  // namespace stockroom::cluster::internal

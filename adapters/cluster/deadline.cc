#include "adapters/cluster/deadline.h"

#include <algorithm>
#include <thread>

namespace stockroom::cluster {

int64_t remaining_ms(Deadline deadline, int64_t cap_ms, int64_t floor_ms) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  const int64_t low = std::max<int64_t>(floor_ms, 1);
  return std::clamp<int64_t>(left, low, std::max(cap_ms, low));
}

void pause_before_retry(int attempt, Deadline deadline) {
  const auto pause = std::chrono::milliseconds(std::min(50 << std::min(attempt, 4), 500));
  std::this_thread::sleep_until(std::min(Clock::now() + pause, deadline));
}

}  // namespace stockroom::cluster

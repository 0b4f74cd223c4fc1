// QueryLane: a bounded queue of queries with worker threads of its own.
//
// The service keeps two (service.h): point queries (one key: order, stock, rating,
// cart, head) and long ones (history, events, as_of, verify, admin checkpoint), so
// that a cheap query never waits behind an expensive one. A lane holds at most
// `max_queued` jobs and `max_queued_bytes` bytes waiting (running jobs not counted);
// post() refuses beyond that, and the caller answers UNAVAILABLE at once instead of
// queueing without end. Each job is given a QueryBudget whose deadline runs from
// post() (`deadline` after it) and which cancel() cancels.
//
// Threads: post(), cancel(), stats() from any thread; jobs run on the lane's workers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/nats/query_budget.h"

namespace stockroom::nats_adapter {

struct LaneOptions {
  int workers = 1;
  size_t max_queued = 10'000;                  // jobs waiting
  size_t max_queued_bytes = 16 * 1024 * 1024;  // their bytes (as given to post)
  std::chrono::milliseconds deadline{1000};    // from post() to the budget's deadline
};

struct LaneStats {
  size_t queued = 0;        // jobs waiting now
  size_t queued_bytes = 0;  // their bytes
  size_t peak_queued = 0;   // the most jobs that waited at once
  uint64_t refused = 0;     // post() calls refused (full or stopped)
};

class QueryLane {
 public:
  // Must answer its request whatever the budget says (a job is never dropped).
  using Job = std::function<void(const QueryBudget&)>;

  // Starts options.workers threads (at least one).
  explicit QueryLane(LaneOptions options);
  ~QueryLane();  // stop()
  QueryLane(const QueryLane&) = delete;
  QueryLane& operator=(const QueryLane&) = delete;

  // Queues `job` (`bytes`: what it holds while waiting). False, and the job not taken,
  // when the lane is full or stopped. A job that finds the lane empty is always taken.
  [[nodiscard]] bool post(Job job, size_t bytes);

  // Every budget, of running and of queued jobs, is cancelled from now on. Idempotent.
  void cancel();

  // Runs every queued job, then joins the workers. Idempotent.
  void stop();

  [[nodiscard]] LaneStats stats() const;

 private:
  struct Queued {
    Job job;
    size_t bytes;
    QueryBudget::Clock::time_point deadline;
  };

  void work();

  const LaneOptions options_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  size_t queued_bytes_ = 0;
  size_t peak_queued_ = 0;
  uint64_t refused_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace stockroom::nats_adapter

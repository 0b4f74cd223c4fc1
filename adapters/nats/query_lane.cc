#include "adapters/nats/query_lane.h"

#include <algorithm>
#include <utility>

namespace stockroom::nats_adapter {

QueryLane::QueryLane(LaneOptions options) : options_(options) {
  for (int w = 0; w < std::max(1, options_.workers); ++w) workers_.emplace_back([this] { work(); });
}

QueryLane::~QueryLane() { stop(); }

bool QueryLane::post(Job job, size_t bytes) {
  {
    std::lock_guard lock(mu_);
    const bool full = !queue_.empty() && (queue_.size() >= options_.max_queued ||
                                          queued_bytes_ + bytes > options_.max_queued_bytes);
    if (stopping_ || full) {
      ++refused_;
      return false;
    }
    queue_.push_back(Queued{std::move(job), bytes, QueryBudget::Clock::now() + options_.deadline});
    queued_bytes_ += bytes;
    peak_queued_ = std::max(peak_queued_, queue_.size());
  }
  wake_.notify_one();
  return true;
}

void QueryLane::cancel() { cancelled_.store(true); }

void QueryLane::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

LaneStats QueryLane::stats() const {
  std::lock_guard lock(mu_);
  return LaneStats{queue_.size(), queued_bytes_, peak_queued_, refused_};
}

void QueryLane::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= next.bytes;
    lock.unlock();
    next.job(QueryBudget(next.deadline, &cancelled_));
    next.job = nullptr;  // its captures go before the lock is taken again
    lock.lock();
  }
}

}  // namespace stockroom::nats_adapter

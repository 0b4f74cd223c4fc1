#include "engine/internal/group_committer.h"

#include <utility>

namespace stockroom::engine::internal {

GroupCommitter::GroupCommitter(MakeDurable make_durable)
    : make_durable_(std::move(make_durable)), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::start(Group group) {
  {
    std::lock_guard lock(mu_);
    next_ = std::move(group);
    made_ = false;
    outcome_.reset();
  }
  in_flight_ = true;
  cv_.notify_all();
}

Status GroupCommitter::wait() {
  if (!in_flight_) return {};
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return outcome_.has_value(); });
  in_flight_ = false;
  Status out = std::move(*outcome_);
  outcome_.reset();
  return out;
}

bool GroupCommitter::finished() {
  if (!in_flight_) return true;
  std::lock_guard lock(mu_);
  return made_;
}

void GroupCommitter::stop() {
  if (!thread_.joinable()) return;
  static_cast<void>(wait());  // its finish has reported the outcome to the callers
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void GroupCommitter::run() {
  for (;;) {
    Group group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return next_.has_value() || stopping_; });
      if (!next_) return;  // stopping, nothing handed over
      group = std::move(*next_);
      next_.reset();
    }
    Status status = make_durable_(*group.batch);
    {
      // Before the callers hear: one of them may submit at once, and the writer then
      // must see that this group needs no overlap.
      std::lock_guard lock(mu_);
      made_ = true;
    }
    group.finish(status);
    group.batch.reset();
    {
      std::lock_guard lock(mu_);
      outcome_ = std::move(status);
    }
    cv_.notify_all();
  }
}

}  // namespace stockroom::engine::internal

// GroupCommitter: the one step that makes a staged group durable, on a thread of its
// own, so that the writer decides group k+1 while group k is being made durable
// (docs/engine.md, "Pipelined group commit").
//
// The seam is `MakeDurable`: on one node it is EventLog::commit (one RocksDB write,
// one fsync in sync mode); in the cluster mode of scale-out.md it becomes a JetStream
// quorum ack that must come before the RocksDB write. Nothing else in the engine
// knows how a group becomes durable.
//
// One group at most is in flight: start() hands it over, wait() returns once it is
// durable or has failed and its `finish` has run (on the committer's thread, so the
// group's callers hear back without waiting for the writer). Groups therefore become
// durable, and finish, in the order they were started.
//
// Threads: start(), wait(), in_flight() and stop() are the writer's (one thread).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

class GroupCommitter {
 public:
  using MakeDurable = std::function<Status(events::LogBatch&)>;

  struct Group {
    std::unique_ptr<events::LogBatch> batch;
    // Runs on the committer's thread with what MakeDurable returned. Must not throw.
    std::function<void(const Status&)> finish;
  };

  explicit GroupCommitter(MakeDurable make_durable);
  ~GroupCommitter();  // stop()

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Hands `group` over. REQUIRES: !in_flight() (wait() first), not stopped.
  void start(Group group);

  // Blocks until the group in flight, if any, is durable or has failed and finished.
  // Returns its status: ok when none was in flight.
  [[nodiscard]] Status wait();

  // A group was started and wait() has not returned since.
  [[nodiscard]] bool in_flight() const noexcept { return in_flight_; }
  // The group in flight is durable or has failed (its `finish` may still be running:
  // wait() then blocks only for that).
  [[nodiscard]] bool finished();

  // Waits for the group in flight, then joins the thread. Idempotent.
  void stop();

 private:
  void run();

  MakeDurable make_durable_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Group> next_;      // handed over, not taken by the thread yet
  bool made_ = false;              // the group in flight is durable or has failed
  std::optional<Status> outcome_;  // set when the group in flight is finished
  bool stopping_ = false;
  bool in_flight_ = false;  // the writer's own bookkeeping
  std::thread thread_;      // last: starts once everything it uses exists
};

}  // namespace stockroom::engine::internal

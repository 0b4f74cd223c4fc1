// Writer: the single writer thread of the engine, practising pipelined group commit.
//
// Callers on any thread submit() commands into a queue. The writer thread takes up
// to max_group of them at a time (and no more than max_group_bytes) and runs
// process_group(): for each command it checks idempotency, decides against the
// StateCache, and stages the events of accepted commands into ONE LogBatch. It then
// hands the batch to the GroupCommitter, which makes it durable (one write, one fsync
// in sync mode) on its own thread and only then completes every command of the group,
// while the writer already decides the next group against the states that include
// the one in flight (docs/engine.md, "Pipelined group commit"). Nothing of group k+1
// is answered or written before group k is durable; if k fails, k+1 fails too.
// If anything meets a storage failure, every command of the group fails with
// UNAVAILABLE, the cache is dropped (it may hold changes never made durable) and the
// writer turns read-only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/group_committer.h"
#include "engine/internal/projection_runtime.h"
#include "engine/internal/state_cache.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

struct Pending {
  CommandEnvelope envelope;
  Completion done;  // may be empty (the engine's own expiry commands)
  // When set, not a command: work the writer runs alone, between groups (rebuilds).
  // Called with true on the writer thread, or with false at once when the writer
  // refuses work (stopping, read-only): then it must not touch the log.
  std::function<void(bool run)> task;
  // What needs no state, worked out by prepare() on the submitting thread so the
  // writer does not: the form and role checks (decide.h check_stateless) and the
  // idempotency fingerprint (unused for the engine's own commands).
  Status checked;
  events::Hash fingerprint{};
  // What the command holds while queued, counted against EngineOptions::max_queued_bytes.
  size_t bytes = 0;
  // Engine::check: decided, never written nor looked up for idempotency.
  bool check_only = false;
};

// A command ready for the writer: checked and fingerprinted. Any thread.
[[nodiscard]] Pending prepare(CommandEnvelope envelope, Completion done);

// How many of `queue`'s first commands make the next group: at most `max_commands`,
// and no more than fit in `max_bytes` (Pending::bytes), but always at least one of a
// non-empty queue. Pure.
[[nodiscard]] size_t group_cut(const std::vector<Pending>& queue, size_t max_commands,
                               size_t max_bytes);

class Writer {
 public:
  // `log` and `views` must outlive the writer.
  Writer(events::EventLog& log, ProjectionRuntime& views, const EngineOptions& options);
  ~Writer();  // stop()

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Starts the writer thread. `last_logged` is the time of the last event in the log:
  // event times never go backwards, also across a restart (or a takeover in a cluster)
  // after the wall clock stepped back (docs/reliability.md, "Clock jumps").
  void start(Timestamp last_logged);

  // Thread-safe. After stop() or in read-only state, or when the queue already holds
  // max_queued_commands commands or would pass max_queued_bytes (busy), completes at
  // once, on the calling thread, with UNAVAILABLE. Tasks are never refused as busy.
  void submit(Pending pending);

  // What submit() would answer now to a command of `bytes` that the queue cannot take
  // (busy, read-only, stopping), or nullopt: lets a caller skip prepare() for a command
  // refused anyway. Counts a busy refusal. Thread-safe.
  [[nodiscard]] std::optional<Error> refuse_early(size_t bytes);

  // Finishes every queued command, then joins the thread. Idempotent.
  void stop();

  // ExpireOrder commands for every order whose deadline is <= now (reads the log).
  [[nodiscard]] Result<std::vector<CommandEnvelope>> due_expiries(Timestamp now) const;

  [[nodiscard]] bool read_only() const noexcept { return read_only_.load(); }
  [[nodiscard]] EngineStats stats() const;
  [[nodiscard]] Timestamp now() const;

 private:
  // What the group has already recorded for a command id (duplicates within a group).
  struct Seen {
    events::Hash fingerprint{};
    CommandResult result;
  };

  // One group from staging to its callers' answers. Staged on the writer thread; once
  // handed to the committer, only the committer's thread touches it.
  struct Group {
    uint64_t id = 0;  // 1, 2, ... (StateCache::begin_group)
    std::unique_ptr<events::LogBatch> batch;
    Timestamp now;
    Position next;
    std::vector<Pending> pendings;
    std::vector<Result<CommandResult>> results;  // one per pending
    std::unordered_map<std::string, Seen> seen;
    std::optional<Error> failure;  // a storage failure: the whole group fails
    size_t events = 0;             // staged in the batch
    uint64_t expired = 0;          // orders this group expires
    CommittedGroup committed;      // filled only when options_.on_commit is set
  };

  void run();
  void take_work(std::vector<Pending>& group);
  void add_due_expiries(std::vector<Pending>& group);
  void process_work(std::vector<Pending>& work);
  void process_group(std::vector<Pending>& pendings);
  [[nodiscard]] Result<CommandResult> process_one(const Pending& pending, Group& g);
  // The command's decision against the states (the form check's refusal first); a
  // storage read failure fails the group (g.failure).
  [[nodiscard]] Result<std::vector<EventData>> decide_one(const Pending& pending, Group& g);
  [[nodiscard]] std::optional<Result<CommandResult>> check_idempotency(
      const CommandEnvelope& envelope, const events::Hash& fingerprint, Group& g);
  [[nodiscard]] Status stage_event(const EventData& event, const CommandEnvelope& envelope,
                                   Group& g, CommandResult& result);
  void schedule_expiry(const EventData& event, Group& g);
  // The schedule key of the hold `event` ends (a HoldConfirmed or HoldReleased of a
  // hold still held), read from the state before the event is applied.
  [[nodiscard]] std::optional<std::string> held_expiry_key(const EventData& event);
  // Waits for the group in flight; when it failed, forgets what the writer staged on
  // top of it (the cache, the in-flight command ids). Writer thread.
  [[nodiscard]] Status drain();
  // The committer's step (GroupCommitter::MakeDurable) and the batch a group builds:
  // a JournalBatch around the log's batch when the engine replicates.
  [[nodiscard]] Status make_durable(events::LogBatch& batch);
  [[nodiscard]] std::unique_ptr<events::LogBatch> begin_group_batch(bool overlapped);
  // Fails every command of `g` with `error`, turns the writer read-only (telling
  // on_fault the first time) and answers. Either thread, with the cache already dropped
  // or about to be by the writer (drain()).
  void fail(Group& g, const Error& error);
  // The committer's end of a group: counts it, tells on_commit, answers the callers.
  void finish_durable(Group& g, const Status& made);
  // Answers every command of `g` with its result. Either thread.
  void answer(Group& g);
  void count(const Result<CommandResult>& r);
  // Why a command of `bytes` (or a task) cannot be queued now ("" when it can);
  // counts a busy refusal. REQUIRES: mu_ held.
  [[nodiscard]] std::string refusal(bool task, size_t bytes);

  events::EventLog& log_;
  ProjectionRuntime& views_;
  EngineOptions options_;
  StateCache cache_;
  std::string record_buffer_;  // reused for every event's encoding
  std::string result_buffer_;
  Timestamp last_now_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;
  size_t queued_bytes_ = 0;  // the sum of queue_'s Pending::bytes
  size_t peak_commands_ = 0, peak_bytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> read_only_{false};
  std::chrono::steady_clock::time_point next_expiry_check_;

  // The pipeline (writer thread): the last group number given, and the group in
  // flight at the committer: its number, tip and command ids, which the next group's
  // staging must see although the log does not hold them yet.
  uint64_t group_seq_ = 0;
  uint64_t in_flight_group_ = 0;
  events::Head in_flight_tip_;
  std::unordered_map<std::string, Seen> in_flight_seen_;

  std::atomic<uint64_t> accepted_{0}, refused_{0}, duplicates_{0}, groups_{0}, events_{0},
      expired_{0}, busy_{0}, expiry_check_failures_{0}, pipelined_{0};

  GroupCommitter committer_;  // last: its thread uses the members above
};

}  // namespace stockroom::engine::internal

// Engine: the in-process API of Stockroom. Tests, the CLI and the NATS adapter all
// go through it.
//
// Commands go to a single writer thread that practises group commit: it drains what
// is waiting, checks idempotency, decides each command against the in-memory states
// (a bounded cache that folds a stream from the log on a miss), writes the events of
// every accepted command of the group in ONE atomic batch, and only then completes
// the callers. The batch is made durable on a second thread (the committer) while the
// writer decides the next group: the group commit is pipelined (docs/engine.md). A
// refused command writes nothing. A storage failure fails the whole group (and the
// one decided behind it) with UNAVAILABLE and puts the engine in a read-only state
// until reopened.
//
// Threads: every public method is safe to call from any thread. Completion callbacks
// run on one of the engine's two threads (the writer, or the committer once a group
// is durable), in group order, after the group is durable: keep them short.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/domain/decide.h"
#include "engine/model/command.h"
#include "engine/model/error.h"
#include "engine/model/event.h"
#include "events/event_log.h"
#include "projections/projection.h"

namespace stockroom::engine {

// An event read back from the log, with its chain hash.
struct LoggedEvent {
  RecordedEvent event;
  events::Hash hash{};
};

// A view as a group left it (the last value a projection stored for that key).
struct ViewChange {
  std::string view;  // the projection's name
  std::string key;
  std::string json;   // the stored view, as a query returns it
  Position position;  // its "position": the last event applied to it
};

// What one group commit made durable: its events in position order and the views it
// changed (auxiliary entries excluded). For pushes to consumers.
struct CommittedGroup {
  std::vector<LoggedEvent> events;
  std::vector<ViewChange> views;
  size_t commands = 0;  // commands the group decided (accepted, refused, duplicates)
};

// Called on the engine's committer thread after each group that wrote events is
// durable, in commit (position) order, before the group's callers are completed. Must
// be quick and must not call back into the engine's command path: hand the group to
// another thread.
using CommitListener = std::function<void(CommittedGroup&&)>;

// Called once, on the writer or the committer thread, when a storage failure turns
// the engine read-only (see the top of this file), with the error every command of
// that group got. Before those commands are completed. Must be quick (log it) and
// must not call back into the engine's command path.
using FaultListener = std::function<void(const Error&)>;

struct EngineOptions {
  std::string data_dir;
  events::Durability durability = events::Durability::kSync;
  int batch_sync_interval_ms = 10;  // durability kBatch
  Duration reservation_ttl{15LL * 60 * 1'000'000};
  Duration idempotency_retention{7LL * 24 * 3600 * 1'000'000};
  size_t cache_capacity = 100'000;  // aggregate states kept in memory
  size_t max_group = 1024;          // commands per group commit at most
  // A group also stops before the command that would take its bytes (Engine::submit's
  // estimate) past this, so a few huge commands make a group of their own and do not
  // swell everyone's wait; a command larger than it alone is still a group.
  size_t max_group_bytes = 4 << 20;
  // The writer's queue (commands submitted and not yet taken into a group) holds at
  // most this many commands and bytes (a command's bytes: see Engine::submit); a
  // command that would pass either is refused at once with UNAVAILABLE ("busy"),
  // nothing written. A command that finds the queue empty is always taken. No bound by
  // default: in-process callers pace themselves; serve sets both
  // (--max-queued-commands, --max-queued-command-bytes).
  size_t max_queued_commands = std::numeric_limits<size_t>::max();
  size_t max_queued_bytes = std::numeric_limits<size_t>::max();
  // A snapshot of a stream's state is written, in the same batch, each time the stream
  // reaches a multiple of this many events, and a cache miss folds only the events
  // after the latest one (docs/engine.md, "Snapshots"). 0: no snapshots are written or
  // read; every miss folds the whole stream.
  uint64_t snapshot_every = 1'000;
  // Each view keyspace keeps the views the writer last changed decoded in memory, up to
  // this many bytes of their stored encodings, so that the next change of a view
  // neither reads nor parses it (docs/engine.md, "Read models"). 0: no cache.
  size_t view_cache_bytes = 4 << 20;
  // The most lines a cart may hold (DecideContext::max_cart_lines): every command on a
  // cart costs the writer time in proportion to its lines, so one huge cart would slow
  // every other command.
  size_t max_cart_lines = kDefaultMaxCartLines;
  // Cluster mode: which partition this engine serves (DecideContext::partition).
  std::optional<DecideContext::Partition> partition;
  // How often the writer looks for orders whose reservation has expired.
  Duration expiry_interval{1'000'000};
  // The engine clock. Tests inject one; default: the system clock.
  std::function<Timestamp()> clock;
  // Tests: a RocksDB Env that injects faults (see events::LogOptions::env).
  std::shared_ptr<rocksdb::Env> env;
  // The read models kept in the same batch as the events. A projection added here
  // later is brought up to date from the log when the engine opens.
  std::vector<std::shared_ptr<const projections::Projection>> projections =
      projections::standard_projections();
  // Optional: told about every durable group (see CommitListener).
  CommitListener on_commit;
  // Cluster mode (docs/scale-out.md): makes each group durable in the partition's
  // replicated stream before it is written here. Called on the committer thread, in
  // group order, with the journal of the group's writes (events/journal_batch.h) and
  // the batch about to be committed, into which it puts the applied stream sequence.
  // An error fails the group like a storage failure: its callers get UNAVAILABLE,
  // nothing of it reaches RocksDB, and the engine turns read-only (on_fault) until it
  // is reopened. Empty: one node, RocksDB alone.
  using Replicate = std::function<Status(std::string_view journal, events::LogBatch& local)>;
  Replicate replicate;
  // Optional: told when and why the engine turned read-only (see FaultListener).
  FaultListener on_fault;
  // Optional: told, on the writer thread, when a periodic look for expired
  // reservations could not read the schedule; nothing was written, and the next look
  // (an expiry_interval later) tries again. Must be quick (log it), as on_fault.
  FaultListener on_expiry_check_failure;
};

// What a rebuild (or an opening catch-up) did.
struct RebuildReport {
  std::vector<std::string> views;
  uint64_t events = 0;  // events applied, summed over the views
  double seconds = 0;
};

// Progress of a rebuild: the view, the last position applied, the head it runs to.
using ProgressFn = std::function<void(std::string_view view, Position done, Position head)>;

// One event a command recorded, as the reply shows it.
struct EventRef {
  std::string type;
  std::string stream;
  StreamVersion version;
  Position position;
  bool operator==(const EventRef&) const = default;
};

// The result of an accepted command. A duplicate (same command_id, same body) gets
// the original result back with duplicate = true and writes nothing.
struct CommandResult {
  CommandId command_id;
  bool duplicate = false;
  Position position;  // of the command's last event
  std::vector<EventRef> events;
  bool operator==(const CommandResult&) const = default;
};

// Counters for metrics and benchmarks; monotonic since open, except the queue's
// current depth.
struct EngineStats {
  uint64_t commands_accepted = 0;
  uint64_t commands_refused = 0;
  uint64_t duplicates = 0;
  uint64_t groups = 0;  // batches committed (one write and, in sync mode, one fsync each)
  // Groups decided while the group before them was being made durable (the pipeline
  // overlapping CPU work with the fsync; docs/engine.md).
  uint64_t groups_pipelined = 0;
  uint64_t events = 0;
  uint64_t cache_misses = 0;
  uint64_t view_cache_hits = 0;    // views changed without reading them (view_cache_bytes)
  uint64_t snapshot_loads = 0;     // misses served from a snapshot and the events after it
  uint64_t snapshots_ignored = 0;  // snapshots found unusable (format, damage): folded instead
  uint64_t expired_orders = 0;
  uint64_t syncs = 0;          // WAL syncs (events::EventLog::syncs)
  uint64_t commands_busy = 0;  // refused at once with UNAVAILABLE: the queue was full
  // The writer's queue (EngineOptions::max_queued_*): now, and the most it held.
  uint64_t queued_commands = 0;
  uint64_t queued_bytes = 0;
  uint64_t queue_peak_commands = 0;
  uint64_t queue_peak_bytes = 0;
  // The writer's periodic looks for due orders that failed to read the schedule; each
  // is tried again an expiry_interval later (serve: stockroom_expiry_check_failures).
  uint64_t expiry_check_failures = 0;
};

using Completion = std::function<void(Result<CommandResult>)>;

class Engine {
 public:
  // Opens (creates) the data directory and starts the writer thread.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> open(const EngineOptions& options);

  // Stops taking commands, finishes every command already submitted, stops the writer
  // and closes the log.
  ~Engine();

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a command; `done` is called exactly once: on an engine thread after the
  // command's events are durable (or with its refusal), or at once on the calling
  // thread with UNAVAILABLE when the engine takes no command now (read-only, shutting
  // down, or busy: its queue is at EngineOptions::max_queued_*; nothing is written).
  // Never blocks on the writer. `request_bytes`: the size of the request the command
  // was decoded from (its wire body), which with a fixed overhead is what it counts
  // against max_queued_bytes; 0 when there is none (the ids are counted instead).
  void submit(CommandEnvelope envelope, Completion done, size_t request_bytes = 0);

  // Decides `envelope` as submit() would, in order with every command submitted
  // before it, and writes nothing: `done` gets a result without events when the
  // command would be accepted, or the refusal it would get. No idempotency: the
  // command id is not looked up nor recorded. For a command checked in one partition
  // and carried out in another (rating.submit in a cluster, docs/scale-out.md).
  // Thread and refusal rules as submit().
  void check(CommandEnvelope envelope, Completion done, size_t request_bytes = 0);

  // submit() as a future.
  [[nodiscard]] std::future<Result<CommandResult>> submit(CommandEnvelope envelope);

  // submit() and wait.
  [[nodiscard]] Result<CommandResult> execute(CommandEnvelope envelope);

  // Looks for orders whose reservation has expired and expires them now (the writer
  // also does this every expiry_interval). Returns how many orders were expired; an
  // order settled meanwhile is not counted. UNAVAILABLE when the schedule cannot be
  // read or an expiry met a storage failure (then some orders may not be expired).
  [[nodiscard]] Result<size_t> expire_due();

  // Reads: straight from the log, consistent with every completed command.
  [[nodiscard]] Result<std::vector<LoggedEvent>> history(const std::string& stream,
                                                         StreamVersion from_version,
                                                         size_t limit) const;
  // Events from a global position up to `to` (default: the head), at most `limit`;
  // with `types` non-empty, only events of those type names (the scan still stops at
  // `to`, so a caller bounds its cost with it).
  [[nodiscard]] Result<std::vector<LoggedEvent>> events_from(
      Position from, size_t limit, const std::vector<std::string>& types = {},
      std::optional<Position> to = std::nullopt) const;

  // A read model's current value (its JSON), or nullopt when the key has none.
  // kNotFound for an unknown view name.
  [[nodiscard]] Result<std::optional<std::string>> view(std::string_view name,
                                                        std::string_view key) const;
  // Stored entries of a view after `after_key` in key order (auxiliary entries,
  // whose keys start with 0x01, included): for tools and tests.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> scan_view(
      std::string_view name, std::string_view after_key, size_t limit) const;
  // The last position a view reflects.
  [[nodiscard]] Result<Position> view_position(std::string_view name) const;

  // A stream folded up to a position (inclusive) or a time (inclusive) into its
  // view's shape (projections::fold_stream_view). kNotFound when the stream had no
  // event by then.
  [[nodiscard]] Result<std::string> as_of(const std::string& stream, Position position) const;
  [[nodiscard]] Result<std::string> as_of(const std::string& stream, Timestamp time) const;

  // Drops one view (`name`) or all (empty name) and rebuilds from the log, on the
  // writer thread: commands wait meanwhile. A crash during it leaves the old view in
  // use; readers never see a mix.
  [[nodiscard]] Result<RebuildReport> rebuild(const std::string& name, ProgressFn progress = {});
  [[nodiscard]] Result<events::VerifyReport> verify(Position from, Position to) const;
  [[nodiscard]] events::Head head() const;

  // Writes a consistent copy of the data directory to `target` and returns the head it
  // holds (events::EventLog::checkpoint: target rules, errors). The copy holds every
  // command completed before the call, each group whole with its views and indexes
  // (one WriteBatch), and opens with Engine::open or any offline tool. Runs on the
  // calling thread, not the writer's: commands go on meanwhile. Takes a while (it
  // flushes memtables): call it from a worker, not from a latency-bound thread.
  [[nodiscard]] Result<events::Head> checkpoint(const std::string& target) const;

  // True after a storage failure: commands are refused with UNAVAILABLE until reopen.
  [[nodiscard]] bool read_only() const;

  [[nodiscard]] EngineStats stats() const;
  [[nodiscard]] const EngineOptions& options() const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Decodes stored events (shared by history(), events_from() and offline tools).
[[nodiscard]] Result<std::vector<LoggedEvent>> decode_all(
    const std::vector<events::StoredEvent>& stored);

// Reads events from <= position <= to (at most `limit`) and decodes them straight from
// the log's views, without an intermediate copy of each record (events_from, rebuild).
[[nodiscard]] Result<std::vector<LoggedEvent>> read_decoded(const events::EventLog& log,
                                                            Position from, Position to,
                                                            size_t limit);

}  // namespace stockroom::engine

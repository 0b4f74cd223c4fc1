// EventLog: the append-only event log in RocksDB (docs/storage.md).
//
// The log stores records as opaque bytes (the FlatBuffers encoding lives in
// record_codec.h) and owns what makes it a log: global positions without gaps,
// per-stream versions without gaps, the SHA-256 hash chain, the stream and time
// indexes, the command-id (idempotency) records and the head. One LogBatch is one
// atomic RocksDB WriteBatch: after a crash either all of it is there or none.
//
// Threads: reads may run from any thread, concurrently with a writer. Batches are
// built by one thread at a time and committed in order; the engine builds batch k+1
// on its writer thread while its committer thread commits batch k (docs/engine.md,
// "Pipelined group commit").
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/types.h"

namespace rocksdb {
class Env;
}

namespace stockroom::events {

using Hash = std::array<uint8_t, 32>;

// Lowercase hex of a hash, as shown to auditors.
[[nodiscard]] std::string to_hex(const Hash& hash);
// The same 64 digits into `out`, without allocating (events are written by the million).
using HexDigits = std::array<char, 64>;
void to_hex(const Hash& hash, HexDigits& out) noexcept;
// The hash of 64 hex digits (either case); nullopt for anything else.
[[nodiscard]] std::optional<Hash> hash_from_hex(std::string_view hex);

enum class Durability : uint8_t {
  kSync,   // fsync before commit() returns
  kBatch,  // written to the OS at once; fsynced by a background flush every N ms
  kNone,   // no WAL sync at all: tests and benchmarks only
};

[[nodiscard]] std::string_view durability_name(Durability d) noexcept;

struct LogOptions {
  Durability durability = Durability::kSync;
  int batch_sync_interval_ms = 10;  // kBatch only
  Duration idempotency_retention{7LL * 24 * 3600 * 1'000'000};
  bool read_only = false;  // open without changing anything (offline tools)
  // With read_only: open as a RocksDB secondary instance, so that refresh() sees what
  // a writer in another process commits after the open (`replay --follow`). Its info
  // log goes to a temporary directory that the log removes when it closes. A follower
  // replays the writer's WAL into memtables for every family it has open, so it opens
  // the log, the chain and the head alone unless `follow_indexes` (the stream, time
  // and command indexes too); without them the reads that need them (stream_version,
  // read_stream, positions_in_time, span_in_time, find_command, visit_commands,
  // verify, verify_indexes) return kUnavailable.
  bool follow = false;
  bool follow_indexes = false;
  // The clock the compaction filter compares command records against. Tests inject
  // one to make retention observable; default: the system clock.
  std::function<Timestamp()> clock;
  // Auxiliary keyspaces (column families) for LogBatch::put and EventLog::get/scan,
  // e.g. "expiry" and the read models. Created on open when missing.
  std::vector<std::string> spaces;
  // The RocksDB Env to run on. Tests pass one whose file system injects write faults
  // (real RocksDB, failing disk); default: rocksdb::Env::Default().
  std::shared_ptr<rocksdb::Env> env;
};

// One stored event: its position, the exact stored record bytes, and the chain hash
// after it (hash_n = SHA-256(hash_{n-1} || record_n)).
struct StoredEvent {
  Position position;
  std::string record;
  Hash hash{};
};

struct Head {
  Position position;  // 0 for an empty log
  Hash hash{};        // 32 zero bytes for an empty log
};

// The idempotency record of an accepted command.
struct CommandRecord {
  Hash fingerprint{};     // SHA-256 of the command's canonical encoding
  Timestamp recorded_at;  // retention counts from here
  std::string result;     // the original result, opaque to the log
};

struct VerifyReport {
  bool ok = true;
  uint64_t checked = 0;
  Head head;                          // of the whole log
  std::optional<Position> first_bad;  // set when !ok
  std::string reason;                 // why first_bad fails
};

class LogBatch;

class EventLog {
 public:
  // Opens (creating if needed, unless read_only) the log in `dir`. A damaged store is
  // refused with kInvalidState and a message saying what is damaged (docs/storage.md,
  // "Corruption on open"): a corrupt record in a write-ahead log (an incomplete last
  // record is taken as the write a crash interrupted), a missing table file, MANIFEST
  // or CURRENT, and a log that no longer holds the head its last clean stop recorded.
  // A writable log removes that record as it opens and writes it when it is destroyed
  // without having failed.
  [[nodiscard]] static Result<std::unique_ptr<EventLog>> open(const std::string& dir,
                                                              const LogOptions& options);
  virtual ~EventLog() = default;

  // The head as of the last committed batch.
  [[nodiscard]] virtual Head head() const = 0;

  // A follower (LogOptions::follow) catches up with the writer's process and returns
  // the new head: reads then see up to it. Any other log returns head(). Not
  // thread-safe against other calls of refresh(); reads may run beside it.
  [[nodiscard]] virtual Result<Head> refresh() = 0;

  // How many times the WAL was made durable since open: one per commit in kSync, one
  // per background sync in kBatch, none in kNone (metrics).
  [[nodiscard]] virtual uint64_t syncs() const = 0;

  // The last version of `stream` (0 when it has no events).
  [[nodiscard]] virtual Result<StreamVersion> stream_version(std::string_view stream) const = 0;

  // A new batch that will append after the current head.
  [[nodiscard]] virtual std::unique_ptr<LogBatch> begin_batch() = 0;
  // A new batch that will append after `base`: the tip of a batch begun earlier and
  // not committed yet (a pipeline builds group k+1 while k is being made durable).
  // Its commit is refused (kConflict) unless the head is `base` by then, so batches
  // reach the log in order or not at all. Reads see only committed batches: the
  // caller vouches for the versions it appends (VersionCheck::kCaller).
  [[nodiscard]] virtual std::unique_ptr<LogBatch> begin_batch_after(const Head& base) = 0;

  // Writes the batch atomically with the configured durability. On failure nothing of
  // the batch is visible and the log refuses further batches (kUnavailable) until
  // reopened; reads keep working.
  [[nodiscard]] virtual Status commit(LogBatch& batch) = 0;

  [[nodiscard]] virtual Result<std::optional<StoredEvent>> read(Position position) const = 0;

  // Events of `stream` with version >= from_version, at most `limit`, in version order.
  [[nodiscard]] virtual Result<std::vector<StoredEvent>> read_stream(std::string_view stream,
                                                                     StreamVersion from_version,
                                                                     size_t limit) const = 0;

  // Events with from <= position <= to, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<StoredEvent>> read_range(Position from, Position to,
                                                                    size_t limit) const = 0;

  // The same events, handed to `visit` one by one in position order without copying:
  // the record view is valid only during the call. Returns how many were visited. The
  // replay paths (events_from, rebuild) decode straight from it, and the blocks read
  // are not kept in the block cache (a long replay must not evict what commands use).
  using EventVisitor = std::function<Status(Position, std::string_view record, const Hash&)>;
  [[nodiscard]] virtual Result<size_t> visit_range(Position from, Position to, size_t limit,
                                                   const EventVisitor& visit) const = 0;

  // Positions of events with from <= time < until, in position order, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<Position>> positions_in_time(Timestamp from,
                                                                        Timestamp until,
                                                                        size_t limit) const = 0;

  // The smallest and the largest position of the events with from <= time < until
  // (nullopt when there are none), read from the time index alone. Replaying them is
  // a position range filtered by time: correct also where a clock stepped back.
  struct PositionSpan {
    Position first;
    Position last;
  };
  [[nodiscard]] virtual Result<std::optional<PositionSpan>> span_in_time(Timestamp from,
                                                                         Timestamp until) const = 0;

  [[nodiscard]] virtual Result<std::optional<CommandRecord>> find_command(
      const CommandId& command_id) const = 0;

  // Recomputes the chain over [from, to] (to clamped to the head) starting from the
  // stored hash of from-1, and checks the stream index of each event.
  [[nodiscard]] virtual Result<VerifyReport> verify(Position from, Position to) const = 0;

  // The indexes beside the chain (docs/storage.md, "Verifying"): the "streams" and
  // "time" families hold exactly one entry per event, and each event's time entry is at
  // the time `time_of` reads from its record (the log stores records opaque). Together
  // with verify(1, head), which maps every event to its stream entry, this makes both
  // indexes exact. A broken index is a report with ok == false; errors are storage
  // failures. Reads the whole log once.
  using TimeOf = std::function<Result<Timestamp>(std::string_view record)>;
  [[nodiscard]] virtual Result<VerifyReport> verify_indexes(const TimeOf& time_of) const = 0;

  // Every command record, in command id order. The visitor's error stops the walk and
  // is returned.
  using CommandVisitor = std::function<Status(std::string_view command_id, const CommandRecord&)>;
  [[nodiscard]] virtual Status visit_commands(const CommandVisitor& visit) const = 0;

  // Reads an auxiliary keyspace.
  [[nodiscard]] virtual Result<std::optional<std::string>> get(std::string_view space,
                                                               std::string_view key) const = 0;
  // Key/value pairs with begin <= key < end in key order, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<std::pair<std::string, std::string>>> scan(
      std::string_view space, std::string_view begin, std::string_view end, size_t limit) const = 0;

  // Runs a full manual compaction (tests: makes the retention filter observable).
  [[nodiscard]] virtual Status compact() = 0;

  // Writes a consistent copy of the log to the directory `target` with RocksDB's
  // Checkpoint (docs/storage.md, "Checkpoints") and returns the head the copy holds.
  // The copy holds every batch committed before the call and possibly some committed
  // during it, each whole in every family (never a part of a batch); it opens like any
  // data directory, writable or read-only. Table files are hard-linked when `target`
  // is on the same file system (else copied), the rest copied; all is fsynced.
  // `target` must not exist or be an empty directory (kAlreadyExists otherwise), its
  // parent must exist (kNotFound), it may not lie inside the log's directory
  // (kInvalidArgument), and `<target>.tmp`, where RocksDB stages the copy, must not
  // exist (kAlreadyExists). On a failure nothing is left at `target`.
  // Threads: any thread, concurrently with reads and with the writer's commits (the
  // commits go on meanwhile). On a writable log it flushes every family's memtable
  // first; on a read-only one it copies the write-ahead log instead.
  [[nodiscard]] virtual Result<Head> checkpoint(const std::string& target) const = 0;

  // Reads every block of every table file and checks its checksum (RocksDB's
  // DB::VerifyChecksum), including blocks no read has touched: reads check the blocks
  // they load, and open reads only a few. kInvalidState naming the first damaged file;
  // kUnavailable when a file cannot be read. Reads the whole store once (`verify`).
  [[nodiscard]] virtual Status verify_table_files() const = 0;
};

// The writes of one group of commands. Built by the single writer, committed by
// EventLog::commit. Appends must come in position order starting at head + 1.
class LogBatch {
 public:
  virtual ~LogBatch() = default;

  // How an append's version is checked. kIndex: against the version this batch last
  // appended to the stream, else the stream index (a seek). kCaller: the caller vouches
  // for the stream's version before this batch (the engine's writer: its states were
  // folded from this log, which no one else writes), so a stream's first append in the
  // batch reads no index; later appends are still checked against the batch's own.
  enum class VersionCheck : uint8_t { kIndex, kCaller };

  // Appends one event. `position` must be the next position; `version` the next
  // version of `stream` (the caller tracks versions: it owns the states). Returns the
  // chain hash after this event.
  [[nodiscard]] virtual Result<Hash> append(Position position, std::string_view stream,
                                            StreamVersion version, Timestamp time,
                                            std::span<const uint8_t> record,
                                            VersionCheck check = VersionCheck::kIndex) = 0;

  // Records an accepted command for idempotency.
  virtual void put_command(const CommandId& command_id, const CommandRecord& record) = 0;

  // A write to an auxiliary keyspace (read models, the expiry schedule), atomic with
  // the events. `space` names a column family registered with the log.
  virtual void put(std::string_view space, std::string_view key, std::string_view value) = 0;
  virtual void remove(std::string_view space, std::string_view key) = 0;
  // Removes every key with begin <= key < end of an auxiliary keyspace (a RocksDB
  // range deletion: cheap however many keys it covers).
  virtual void remove_range(std::string_view space, std::string_view begin,
                            std::string_view end) = 0;

  [[nodiscard]] virtual size_t event_count() const = 0;
  // The head once this batch is committed: its last event, or its base when empty.
  [[nodiscard]] virtual Head tip() const = 0;
};

}  // namespace stockroom::events

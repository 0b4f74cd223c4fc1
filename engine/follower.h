// Follower: a standby's copy of one partition (cluster mode, docs/scale-out.md). It
// applies, in stream order, the journals the partition's owner published
// (events/journal_batch.h) to a data directory of its own, each in one RocksDB batch
// with the stream sequence it came from. The directory is then what the owner's is
// up to that sequence, byte for byte in every keyspace, so that on takeover an Engine
// opens on it (after the follower is closed) and serves at once.
//
// Threads: one thread at a time. Ownership: owns its log; close it before an Engine
// opens the same directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/engine.h"

namespace stockroom::engine {

class Follower {
 public:
  // Opens (creating) the data directory with the engine's keyspaces; options as for
  // Engine::open (data_dir, durability, projections, env are used).
  [[nodiscard]] static Result<std::unique_ptr<Follower>> open(const EngineOptions& options);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // The stream sequence of the last journal applied (0: none).
  [[nodiscard]] uint64_t applied_sequence() const noexcept { return applied_; }
  [[nodiscard]] events::Head head() const;

  // Applies stream message `sequence` (> applied_sequence()) carrying `journal`, and
  // records `sequence` as applied in the same batch. A journal with no operations (an
  // owner-change marker) only advances the sequence. kConflict when the journal's
  // events do not follow this log's head or chain to other hashes (this directory is
  // not a prefix of the stream: it must be rebuilt from the stream); kMalformed for
  // bytes that are not a journal; kUnavailable for a storage failure.
  [[nodiscard]] Status apply(uint64_t sequence, std::string_view journal);

  // The applied sequence recorded in an open log (0 when none is).
  [[nodiscard]] static Result<uint64_t> applied_sequence_of(const events::EventLog& log);

 private:
  Follower(std::unique_ptr<events::EventLog> log, uint64_t applied);
  std::unique_ptr<events::EventLog> log_;
  uint64_t applied_ = 0;
};

// The applied sequence value as stored (u64, big-endian), for the replicator's put.
[[nodiscard]] std::string encode_applied_sequence(uint64_t sequence);

}  // namespace stockroom::engine

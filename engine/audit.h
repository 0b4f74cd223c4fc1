// audit_log: everything `stockroom verify` checks in a data directory (docs/auditing.md).
//
// In order, stopping at the first failure:
//   chain        every record re-hashed from position 1 (events::EventLog::verify)
//   table files  every block of every RocksDB table file against its checksum
//                (events::EventLog::verify_table_files), the blocks no check reads too
//   stream index every event at its (stream, version), versions gap-free, no stray entry
//   time index   one entry per event, at the time its record holds, no stray entry
//   commands     every idempotency record names events that exist and carry its
//                command id; every client command younger than the retention has one
//   checkpoints  every view's checkpoint is the head
//   views        every stored view equals, byte for byte, an independent fold of the
//                whole log built in a scratch store (so memory stays bounded)
//   snapshots    every state snapshot of this build's format equals the fold of its
//                stream's events up to its version, and is anchored to the event there
// `quick` runs the chain alone. Reads only: the log may be a read-only open beside a
// running serve (checks then hold as of the open).
// Threads: runs on the caller's thread; the log's reads must be safe to call from it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/types.h"
#include "events/event_log.h"

namespace stockroom::engine {

struct AuditOptions {
  bool quick = false;  // the chain alone
  // Where the scratch store of the independent fold goes (a fresh directory inside it,
  // removed afterwards); empty: $TMPDIR, else /tmp.
  std::string scratch_parent;
  // Client commands whose events are younger than this must still have their
  // idempotency record (older ones may have been dropped by compaction).
  Duration idempotency_retention{7LL * 24 * 3600 * 1'000'000};
  // The clock the retention is measured against; default: the system clock.
  std::function<Timestamp()> clock;
  // Told what is being checked, as events (or records) done out of a total.
  std::function<void(std::string_view check, uint64_t done, uint64_t total)> progress;
};

struct AuditReport {
  bool ok = true;
  events::Head head;
  uint64_t events = 0;                // events whose chain was recomputed
  std::vector<std::string> checks;    // the checks that passed, in order
  std::string failed_check;           // set when !ok: "chain", "views", ...
  std::optional<Position> first_bad;  // the first position that fails, when one does
  std::string reason;                 // what is wrong, when !ok
};

// Errors are storage failures or a scratch store that cannot be made; a log that
// fails a check is a report with ok == false.
[[nodiscard]] Result<AuditReport> audit_log(const events::EventLog& log,
                                            const AuditOptions& options);

// A kept receipt, an auditor's note of (position, hash) taken from the log at some
// moment: "" when the log still holds `hash` at `position`, else what is wrong. With
// audit_log()'s chain passing, a match proves positions 1..position unchanged since the
// receipt was taken, even by someone who recomputed the whole chain after a rewrite.
[[nodiscard]] Result<std::string> check_receipt(const events::EventLog& log, Position position,
                                                const events::Hash& hash);

}  // namespace stockroom::engine

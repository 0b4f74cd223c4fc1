// verify_chain: the auditor's check of the log (docs/storage.md, "Verifying").
//
// Walks positions from..to, recomputing hash_n = SHA-256(hash_{n-1} || record_n) from
// the stored hash of from-1, and compares each with the stored chain hash; checks that
// no position is missing, that the stream index maps (stream, version) back to the
// position, that the stream's previous version precedes it, and, when the walk reaches
// the head, that the head's hash is the recomputed one. Stops at the first failure.
// Threads: reads only; safe beside the writer.
#pragma once

#include "engine/model/error.h"
#include "events/event_log.h"
#include "events/internal/log_reader.h"
#include "events/internal/log_store.h"

namespace stockroom::events::internal {

// `to` is clamped to head.position and `from` raised to 1. Errors are storage
// failures; a broken chain is a report with ok == false.
[[nodiscard]] Result<VerifyReport> verify_chain(const LogStore& store, const LogReader& reader,
                                                const Head& head, Position from, Position to);

}  // namespace stockroom::events::internal

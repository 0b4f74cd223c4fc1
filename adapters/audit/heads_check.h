// The heads-file check behind `stockroom verify --data DIR --heads FILE --public-key
// KEY` (cli.md): a file of signed heads an auditor collected (JSON lines, e.g. from
// `nats sub --raw <p>.audit.head` or `query.head` replies) checked against a log.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>

#include "adapters/audit/public_key.h"
#include "adapters/audit/signed_head.h"
#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::audit {

struct HeadsReport {
  uint64_t lines = 0;  // heads read: lines that are not blank
  uint64_t ok = 0;     // heads that passed every check
  // The first head that failed: its line number in the file (1-based, blank lines
  // counted) and why, e.g. "the log's hash at position 7 is 3af7…, the head says 09c1…".
  std::optional<uint64_t> first_bad_line;
  std::string reason;
  // The passing head of the highest position (the latest on a tie): how far the
  // file vouches for the log.
  std::optional<SignedHead> latest;

  // Every head passed, and there was at least one (an empty file proves nothing).
  [[nodiscard]] bool passed() const noexcept { return lines > 0 && ok == lines; }
};

// Reads `lines` to the end and checks every non-blank line (a trailing '\r' is
// ignored, so CRLF files work):
//   1. it parses as a signed head (parse_head_json);
//   2. it is a head of `partition`;
//   3. its key id is `key`'s and its signature verifies with `key` (verify_head);
//   4. the log reaches its position ("the log does not reach position N (head M)"),
//   5. and the log's chain hash there equals its hash (position 0: 32 zero bytes).
// Every line is checked, also after a bad one, so `ok` counts all that pass; the
// report names the first that does not. A line longer than 64 KiB is bad as it is.
// `log` may be open read-only (the offline verify does so) and is only read.
// Errors (not bad lines): kUnavailable when `lines` or the log cannot be read.
[[nodiscard]] Result<HeadsReport> check_heads(const events::EventLog& log, const PublicKey& key,
                                              std::istream& lines, uint32_t partition = 0);

}  // namespace stockroom::audit

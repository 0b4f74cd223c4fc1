// The idempotency records against the log, both ways: every record names events that
// exist and carry its command id, and every client command recent enough to be within
// the retention still has its record (older ones may have been dropped by compaction,
// docs/storage.md "Idempotency retention"). The engine's own commands (expiry) keep
// no record.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "engine/engine.h"
#include "engine/internal/audit_checks.h"
#include "engine/internal/result_codec.h"
#include "events/record_codec.h"

namespace stockroom::engine::internal {
namespace {

constexpr size_t kChunk = 4096;

Timestamp now(const AuditOptions& options) {
  if (options.clock) return options.clock();
  using namespace std::chrono;
  return Timestamp{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

bool keeps_record(const RecordedEvent& event) {
  return is_valid_id(event.command_id.str()) && !(event.actor == engine_actor());
}

// Why the event `ref` names is not the one at its position, or "".
Result<std::string> mismatch(const events::EventLog& log, std::string_view command_id,
                             const EventRef& ref) {
  auto stored = log.read(ref.position);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return fmt::format("names position {}, past the head", ref.position.value);
  auto decoded = decode_all({**stored});
  if (!decoded) return std::unexpected(decoded.error());
  const RecordedEvent& e = decoded->front().event;
  if (e.stream != ref.stream || e.version != ref.version || event_type_name(e.data) != ref.type ||
      e.command_id.str() != command_id) {
    return fmt::format(
        "names {} {} version {} at position {}, but the log holds {} {} version {} of command {}",
        ref.type, ref.stream, ref.version.value, ref.position.value, event_type_name(e.data),
        e.stream, e.version.value, e.command_id.str());
  }
  return std::string();
}

}  // namespace

Result<std::optional<Finding>> check_command_records(const events::EventLog& log,
                                                     const AuditOptions& options) {
  std::optional<Finding> finding;
  uint64_t done = 0;
  Status walked =
      log.visit_commands([&](std::string_view id, const events::CommandRecord& record) -> Status {
        auto result = load_result(record.result, log);
        if (!result && result.error().code == ErrorCode::kUnavailable) {
          return std::unexpected(result.error());  // a storage failure, not a finding
        }
        std::string why;
        if (!result) {
          why = "cannot be read: " + result.error().message;
        } else if (result->events.empty() || result->events.back().position != result->position) {
          why = "does not end at the position it names";
        }
        for (size_t i = 0; result && why.empty() && i < result->events.size(); ++i) {
          auto wrong = mismatch(log, id, result->events[i]);
          if (!wrong) return std::unexpected(wrong.error());
          why = std::move(*wrong);
        }
        if (!why.empty()) {
          std::optional<Position> at;
          if (result && !result->events.empty()) at = result->events.front().position;
          finding = Finding{at, fmt::format("the idempotency record of command {} {}", id, why)};
          return fail(ErrorCode::kInvalidState, "stop");
        }
        if (options.progress && ++done % kChunk == 0) options.progress("command records", done, 0);
        return {};
      });
  if (finding) return finding;
  if (!walked) return std::unexpected(walked.error());
  return std::nullopt;
}

Result<std::optional<Finding>> check_commands_recorded(const events::EventLog& log,
                                                       const AuditOptions& options) {
  const Position head = log.head().position;
  const Timestamp since{now(options).micros - options.idempotency_retention.micros};
  std::string previous;  // a command's events are adjacent: one lookup per command
  for (Position next{1}; next <= head;) {
    auto chunk = read_decoded(log, next, head, kChunk);
    if (!chunk) return std::unexpected(chunk.error());
    if (chunk->empty()) break;
    for (const LoggedEvent& logged : *chunk) {
      const RecordedEvent& e = logged.event;
      if (!keeps_record(e) || e.time < since || e.command_id.str() == previous) continue;
      previous = e.command_id.str();
      auto record = log.find_command(e.command_id);
      if (!record) return std::unexpected(record.error());
      if (!*record) {
        return Finding{e.position, fmt::format("command {} has no idempotency record although it "
                                               "is younger than the retention",
                                               e.command_id.str())};
      }
      auto span = decode_result_span((*record)->result);
      const bool names_it = span && span->holds(e.position);
      if (!names_it) {
        return Finding{e.position, fmt::format("the idempotency record of command {} does not "
                                               "name this event",
                                               e.command_id.str())};
      }
    }
    next = Position{chunk->back().event.position.value + 1};
    if (options.progress) options.progress("commands recorded", next.value - 1, head.value);
  }
  return std::nullopt;
}

}  // namespace stockroom::engine::internal

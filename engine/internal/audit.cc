#include "engine/audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "engine/internal/audit_checks.h"
#include "events/record_codec.h"

namespace stockroom::engine {
namespace {

// The chain is walked in slices so that progress can be told; each slice starts from
// the stored hash the previous slice has just proven.
constexpr uint64_t kChainSlice = 1 << 18;

AuditReport failed(AuditReport report, std::string check, std::optional<Position> at,
                   std::string reason) {
  report.ok = false;
  report.failed_check = std::move(check);
  report.first_bad = at;
  report.reason = std::move(reason);
  return report;
}

Result<std::optional<internal::Finding>> check_chain(const events::EventLog& log,
                                                     const AuditOptions& options,
                                                     AuditReport& report) {
  const uint64_t head = report.head.position.value;
  for (uint64_t from = 1; from <= head; from += kChainSlice) {
    const uint64_t to = std::min(head, from + kChainSlice - 1);
    auto slice = log.verify(Position{from}, Position{to});
    if (!slice) return std::unexpected(slice.error());
    report.events += slice->checked;
    if (!slice->ok) return internal::Finding{slice->first_bad, slice->reason};
    if (options.progress) options.progress("chain", to, head);
  }
  return std::nullopt;
}

Result<std::optional<internal::Finding>> check_indexes(const events::EventLog& log) {
  auto report = log.verify_indexes([](std::string_view record) -> Result<Timestamp> {
    auto event =
        events::decode_event({reinterpret_cast<const uint8_t*>(record.data()), record.size()});
    if (!event) return std::unexpected(event.error());
    return event->time;
  });
  if (!report) return std::unexpected(report.error());
  if (report->ok) return std::nullopt;
  return internal::Finding{report->first_bad, report->reason};
}

// A damaged block that none of the other checks reads (an index or filter block, an
// overwritten older value, a keyspace no check folds) would pass them all: RocksDB
// checks a block's checksum only when a read loads it.
Result<std::optional<internal::Finding>> check_table_files(const events::EventLog& log) {
  Status checked = log.verify_table_files();
  if (checked) return std::nullopt;
  if (checked.error().code != ErrorCode::kInvalidState) return std::unexpected(checked.error());
  return internal::Finding{std::nullopt, checked.error().message};
}

}  // namespace

Result<AuditReport> audit_log(const events::EventLog& log, const AuditOptions& options) {
  AuditReport report;
  report.head = log.head();
  using Check = std::function<Result<std::optional<internal::Finding>>()>;
  const std::pair<const char*, Check> checks[] = {
      {"chain", [&] { return check_chain(log, options, report); }},
      {"table files", [&] { return check_table_files(log); }},
      {"indexes", [&] { return check_indexes(log); }},
      {"command records", [&] { return internal::check_command_records(log, options); }},
      {"commands recorded", [&] { return internal::check_commands_recorded(log, options); }},
      {"view checkpoints", [&] { return internal::check_view_checkpoints(log); }},
      {"views", [&] { return internal::check_views(log, options); }},
      {"snapshots", [&] { return internal::check_snapshots(log, options); }},
  };
  for (const auto& [name, run] : checks) {
    auto finding = run();
    if (!finding) return std::unexpected(finding.error());
    if (*finding) {
      return failed(std::move(report), name, (*finding)->position, (*finding)->reason);
    }
    report.checks.emplace_back(name);
    if (options.quick) break;
  }
  return report;
}

Result<std::string> check_receipt(const events::EventLog& log, Position position,
                                  const events::Hash& hash) {
  auto stored = log.read(position);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) {
    return fmt::format("the log ends at position {}, before the receipt's position {}",
                       log.head().position.value, position.value);
  }
  if ((*stored)->hash != hash) {
    return fmt::format(
        "position {}: the log's hash {} is not the receipt's {}: the log was rewritten at or "
        "before this position",
        position.value, events::to_hex((*stored)->hash), events::to_hex(hash));
  }
  return std::string();
}

}  // namespace stockroom::engine

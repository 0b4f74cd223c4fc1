// The checks audit_log() runs after the chain (engine/audit.h), one per file, each
// reading the log only. Each returns nullopt when the check passes, else what failed.
// Errors are storage failures.
#pragma once

#include <optional>
#include <string>

#include "engine/audit.h"
#include "engine/model/error.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

struct Finding {
  std::optional<Position> position;  // the first position that fails, if one does
  std::string reason;
};

// Idempotency records against the events (audit_commands.cc).
[[nodiscard]] Result<std::optional<Finding>> check_command_records(const events::EventLog& log,
                                                                   const AuditOptions& options);
[[nodiscard]] Result<std::optional<Finding>> check_commands_recorded(const events::EventLog& log,
                                                                     const AuditOptions& options);

// View checkpoints, then every view against an independent fold (audit_views.cc).
[[nodiscard]] Result<std::optional<Finding>> check_view_checkpoints(const events::EventLog& log);
[[nodiscard]] Result<std::optional<Finding>> check_views(const events::EventLog& log,
                                                         const AuditOptions& options);

// Every snapshot of the current format against the fold of its stream (audit_snapshots.cc).
[[nodiscard]] Result<std::optional<Finding>> check_snapshots(const events::EventLog& log,
                                                             const AuditOptions& options);

}  // namespace stockroom::engine::internal

// RFC 3339 UTC text of the engine's timestamps (int64 microseconds since the epoch),
// always with six fractional digits: "2026-11-24T16:18:00.123456Z". Pure.
//
// Fixed width keeps the views' bytes stable and makes parse_time the exact inverse of
// format_time. Years outside 0000-9999 (unreachable from a real clock) are written
// with more digits or a leading '-', which RFC 3339 does not define, so that every
// int64 still round-trips.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/model/types.h"

namespace stockroom::projections::internal {

[[nodiscard]] std::string format_time(Timestamp time);

// The inverse of format_time: nullopt for any other text (another offset than 'Z',
// fewer or more than six fractional digits, an impossible date, int64 overflow).
[[nodiscard]] std::optional<Timestamp> parse_time(std::string_view text);

}  // namespace stockroom::projections::internal

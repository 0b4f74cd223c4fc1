// Times and positions as a person types them on the command line (`replay --since`,
// `history --as-of`). Pure.
#pragma once

#include <string_view>
#include <variant>

#include "engine/model/error.h"
#include "engine/model/types.h"

namespace stockroom::tools {

// RFC 3339: `2026-12-01T10:00:00Z`, with any offset (`+01:00`), `t`/`z` in lower
// case, a space for the `T`, and 0-9 fractional digits (kept to the microsecond,
// extra digits cut); also a date alone (`2026-12-01`, midnight UTC). kInvalidArgument
// with what was expected for anything else, an impossible date or time included.
[[nodiscard]] Result<Timestamp> parse_time_arg(std::string_view text);

// `--as-of`: all digits is a position, anything else a time as above.
using PointInLog = std::variant<Position, Timestamp>;
[[nodiscard]] Result<PointInLog> parse_point_arg(std::string_view text);

}  // namespace stockroom::tools

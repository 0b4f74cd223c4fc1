// Saturating int64 arithmetic for the views' sums. The deciders refuse every
// overflow (AMOUNT_EXCEEDED), so the views never reach the bounds from a valid log;
// saturating keeps a view defined and deterministic even so, where a plain sum would
// be undefined behaviour.
#pragma once

#include <cstdint>
#include <limits>

#include "engine/model/checked_math.h"

namespace stockroom::projections::internal {

[[nodiscard]] constexpr int64_t saturate(bool toward_max) noexcept {
  return toward_max ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

[[nodiscard]] constexpr int64_t saturating_add(int64_t a, int64_t b) noexcept {
  return checked_add(a, b).value_or(saturate(b > 0));
}

[[nodiscard]] constexpr int64_t saturating_sub(int64_t a, int64_t b) noexcept {
  return checked_sub(a, b).value_or(saturate(b < 0));
}

[[nodiscard]] constexpr int64_t saturating_mul(int64_t a, int64_t b) noexcept {
  return checked_mul(a, b).value_or(saturate((a < 0) == (b < 0)));
}

}  // namespace stockroom::projections::internal

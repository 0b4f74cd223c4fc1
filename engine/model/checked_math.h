// Overflow-checked arithmetic on the int64 counts of the domain (money in minor units,
// stock quantities). Each returns nullopt instead of overflowing; deciders turn that
// into AMOUNT_EXCEEDED. Pure, constexpr.
#pragma once

#include <cstdint>
#include <optional>

namespace stockroom {

[[nodiscard]] constexpr std::optional<int64_t> checked_add(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

[[nodiscard]] constexpr std::optional<int64_t> checked_sub(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

[[nodiscard]] constexpr std::optional<int64_t> checked_mul(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

}  // namespace stockroom

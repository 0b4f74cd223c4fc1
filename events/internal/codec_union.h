// Compile-time checks for mapping a std::variant onto a FlatBuffers union.
//
// The codec maps each variant alternative to its table by an explicit put()
// overload (domain type -> fb table), and each table to its union number by the
// generated <Union>Traits. These helpers prove, at compile time, that this gives a
// one-to-one correspondence between the alternatives and the union's members 1..N,
// so no alternative is missing, none shares a number, and none relies on the two
// lists happening to be in the same order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "flatbuffers/flatbuffers.h"

namespace stockroom::events::codec {

// The table type T of a flatbuffers::Offset<T>.
template <class O>
struct OffsetTarget;
template <class T>
struct OffsetTarget<flatbuffers::Offset<T>> {
  using type = T;
};

// True when `types` holds each of 1..N exactly once (0 is the union's NONE).
template <class Enum, size_t N>
[[nodiscard]] constexpr bool is_one_to_one(const std::array<Enum, N>& types) {
  std::array<bool, N + 1> seen{};
  for (Enum type : types) {
    const auto n = static_cast<size_t>(type);
    if (n == 0 || n > N || seen[n]) return false;
    seen[n] = true;
  }
  return true;
}

}  // namespace stockroom::events::codec

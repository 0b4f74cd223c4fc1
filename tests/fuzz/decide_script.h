// The script the decide fuzzer reads (decide_fuzz.cc) and the seed writer writes
// (write_seeds.cc): bytes read front to back, so that a seed can spell a story
// (define, receive, open a cart, add, check out, pay, ship, ...) that the fuzzer then
// mutates. A number in [lo, hi] takes one byte when the range has at most 256 values,
// two (big-endian) otherwise, as lo + raw % (hi - lo + 1); past the end every byte
// reads 0. Per step: the minutes the clock moves (0-20); the actor (0 staff, 1 service,
// 2-3 a customer, then which one); the command (decide_fuzz.cc's switch) and its
// fields in order; then 0 for an expected_version (then the version 0-4) or else none.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace stockroom::fuzz {

inline constexpr std::array kSkus = {"SKU-1", "SKU-2", "SKU-3"};
inline constexpr std::array kCarts = {"c-1", "c-2"};
inline constexpr std::array kOrders = {"o-1", "o-2", "o-3"};
inline constexpr std::array kPayments = {"p-1", "p-2"};
inline constexpr std::array kCustomers = {"alice", "bob"};

class Script {
 public:
  Script(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  [[nodiscard]] size_t remaining_bytes() const { return size_ - at_; }

  template <class T>
  T ConsumeIntegralInRange(T lo, T hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
    uint64_t raw = next();
    if (span > 256) raw = (raw << 8) | next();
    return static_cast<T>(static_cast<uint64_t>(lo) + raw % span);
  }

  bool ConsumeBool() { return (next() & 1) != 0; }

 private:
  uint64_t next() { return at_ < size_ ? data_[at_++] : 0; }

  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace stockroom::fuzz

// Strong value types of the domain: ids, money, quantities, positions, time, actors.
//
// They exist so that a sku cannot be passed where an order id is expected and a
// quantity cannot be added to an amount of money by accident. All are plain values:
// cheap to copy (ids are short strings), comparable, hashable, no I/O.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace stockroom {

// An identifier of kind Tag. Form (1-64 chars of [A-Za-z0-9_-]) is checked by
// validate_id(), not by the constructor, so that a malformed request can still be
// represented and refused with a precise message.
template <class Tag>
class Id {
 public:
  Id() = default;
  explicit Id(std::string value) : value_(std::move(value)) {}
  explicit Id(std::string_view value) : value_(value) {}
  explicit Id(const char* value) : value_(value) {}

  [[nodiscard]] const std::string& str() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

  auto operator<=>(const Id&) const = default;
  bool operator==(const Id&) const = default;

 private:
  std::string value_;
};

using Sku = Id<struct SkuTag>;
using CartId = Id<struct CartIdTag>;
using OrderId = Id<struct OrderIdTag>;
using CustomerId = Id<struct CustomerIdTag>;
using PaymentId = Id<struct PaymentIdTag>;
using CommandId = Id<struct CommandIdTag>;
using ActorId = Id<struct ActorIdTag>;

// True when `s` is 1-64 chars of [A-Za-z0-9_-] (safe inside a NATS subject token).
[[nodiscard]] bool is_valid_id(std::string_view s) noexcept;

// An ISO 4217 code: three upper-case ASCII letters (checked by is_valid_currency).
class Currency {
 public:
  Currency() = default;
  explicit Currency(std::string_view code);
  [[nodiscard]] std::string_view str() const noexcept { return {code_.data(), size_}; }
  auto operator<=>(const Currency&) const = default;
  bool operator==(const Currency&) const = default;

 private:
  std::array<char, 3> code_{};
  uint8_t size_ = 0;  // < 3 only for a malformed code kept to be refused
};

[[nodiscard]] bool is_valid_currency(std::string_view code) noexcept;

// Money in minor units of its currency; never floating point.
struct Money {
  int64_t amount = 0;
  Currency currency;
  bool operator==(const Money&) const = default;
};

// A count of units (a line quantity, a delta, stock on hand).
struct Quantity {
  int64_t value = 0;
  auto operator<=>(const Quantity&) const = default;
};

inline constexpr int64_t kMaxLineQuantity = 1'000'000;

// A global log position (1, 2, 3, ... without gaps); 0 means "none yet".
struct Position {
  uint64_t value = 0;
  auto operator<=>(const Position&) const = default;
};

// A stream's version (1, 2, 3, ... without gaps); 0 means "the stream is empty".
struct StreamVersion {
  uint64_t value = 0;
  auto operator<=>(const StreamVersion&) const = default;
};

// Microseconds since the Unix epoch, from the engine's (injectable) clock.
struct Timestamp {
  int64_t micros = 0;
  auto operator<=>(const Timestamp&) const = default;
};

struct Duration {
  int64_t micros = 0;
  auto operator<=>(const Duration&) const = default;
};

enum class Role : uint8_t { kCustomer, kStaff, kService };

[[nodiscard]] std::string_view role_name(Role role) noexcept;

struct Actor {
  ActorId id;
  Role role = Role::kCustomer;
  bool operator==(const Actor&) const = default;
};

// The actor of everything the engine does by itself (reservation expiry).
[[nodiscard]] Actor engine_actor();

}  // namespace stockroom

template <class Tag>
struct std::hash<stockroom::Id<Tag>> {
  size_t operator()(const stockroom::Id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};

// Errors as values: every boundary of Stockroom returns Result<T>, never throws.
//
// The codes are the contract's codes (../docs/api.md, nats-api.md). Pick a code by
// what the caller should do next: fix the request (kMalformed, kInvalidArgument,
// kUnknownCommand, kPayloadTooLarge), reload and retry (kConflict), retry later
// (kUnavailable), or give up (kNotFound, kAlreadyExists, kInvalidState, kOutOfStock,
// kCurrencyMismatch, kAmountExceeded, kForbidden).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace stockroom {

enum class ErrorCode : uint8_t {
  kMalformed,
  kInvalidArgument,
  kUnknownCommand,
  kNotFound,
  kAlreadyExists,
  kInvalidState,
  kOutOfStock,
  kCurrencyMismatch,
  kAmountExceeded,
  kConflict,
  kForbidden,
  kPayloadTooLarge,
  kUnavailable,
};

// The wire name of a code, e.g. "OUT_OF_STOCK".
[[nodiscard]] std::string_view error_code_name(ErrorCode code) noexcept;

// The code of a wire name (error_code_name's inverse); nullopt for any other text.
[[nodiscard]] std::optional<ErrorCode> error_code_from_name(std::string_view name) noexcept;

// One machine-readable detail of a refusal: a name and an integer or a string.
struct ErrorDetail {
  std::string name;
  std::variant<int64_t, std::string> value;
  bool operator==(const ErrorDetail&) const = default;
};

// A line that a checkout could not reserve (OUT_OF_STOCK names every one).
struct Shortage {
  std::string sku;
  int64_t requested = 0;
  int64_t available = 0;
  bool operator==(const Shortage&) const = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string message;               // one line a person can act on
  std::vector<ErrorDetail> details;  // flat machine-readable facts
  std::vector<Shortage> shortages;   // only for kOutOfStock

  bool operator==(const Error&) const = default;
};

template <class T>
using Result = std::expected<T, Error>;

// A success with no value.
using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message,
                                                 std::vector<ErrorDetail> details = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(details), {}});
}

}  // namespace stockroom

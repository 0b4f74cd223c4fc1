#include "engine/model/error.h"

namespace stockroom {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kMalformed:
      return "MALFORMED";
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kUnknownCommand:
      return "UNKNOWN_COMMAND";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case ErrorCode::kInvalidState:
      return "INVALID_STATE";
    case ErrorCode::kOutOfStock:
      return "OUT_OF_STOCK";
    case ErrorCode::kCurrencyMismatch:
      return "CURRENCY_MISMATCH";
    case ErrorCode::kAmountExceeded:
      return "AMOUNT_EXCEEDED";
    case ErrorCode::kConflict:
      return "CONFLICT";
    case ErrorCode::kForbidden:
      return "FORBIDDEN";
    case ErrorCode::kPayloadTooLarge:
      return "PAYLOAD_TOO_LARGE";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

std::optional<ErrorCode> error_code_from_name(std::string_view name) noexcept {
  for (uint8_t i = 0; i <= static_cast<uint8_t>(ErrorCode::kUnavailable); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (error_code_name(code) == name) return code;
  }
  return std::nullopt;
}

}  // namespace stockroom

// What the libFuzzer targets share: how a request input is laid out, and the checks
// that stop the fuzzer on a broken property (libFuzzer then saves the input as a crash).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "engine/model/error.h"

namespace stockroom::fuzz {

// A request input: the subject tail ("cart.add_item.c-1", "history"), a newline, the
// body. Without a newline, all of it is the tail and the body is empty.
struct Request {
  std::string_view tail;
  std::string_view body;
};

inline Request split_request(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t newline = all.find('\n');
  if (newline == std::string_view::npos) return {all, {}};
  return {all.substr(0, newline), all.substr(newline + 1)};
}

[[noreturn]] inline void broken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::stockroom::fuzz::broken(#condition, __FILE__, __LINE__))

// The codes a decoder may answer bad input with (adapters/wire/wire.h).
inline bool is_decode_error(ErrorCode code) {
  return code == ErrorCode::kMalformed || code == ErrorCode::kInvalidArgument ||
         code == ErrorCode::kUnknownCommand;
}

// Whether `text` is one JSON document in valid UTF-8: what every JSON reply must be,
// whatever bytes the request held.
inline bool is_json(std::string_view text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (d.HasParseError()) {
    std::fprintf(stderr, "not JSON (%s at %zu): %.*s\n",
                 rapidjson::GetParseError_En(d.GetParseError()), d.GetErrorOffset(),
                 static_cast<int>(text.size()), text.data());
    return false;
  }
  return true;
}

}  // namespace stockroom::fuzz

// Reading JSON requests strictly: parse a body, then read typed fields of an object,
// remembering the first flaw as an Error that names the field (kMalformed for a
// missing field or a wrong JSON type, kInvalidArgument for a right type out of bound).
// Decoders read straight through and check ok() once; no exceptions.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "engine/model/types.h"

namespace stockroom::wire::internal {

// Parses a request body as one JSON value: UTF-8 checked, no trailing bytes, and
// iteratively, so that deeply nested junk cannot exhaust the stack. kMalformed
// (with the offset of the flaw) otherwise.
[[nodiscard]] Result<rapidjson::Document> parse_body(std::string_view body);

// The kind of a JSON value as a message names it: "string", "number", ...
[[nodiscard]] std::string_view json_kind(const rapidjson::Value& value) noexcept;

class RequestReader {
 public:
  // `object` must outlive the reader. `prefix` names it in messages, e.g. "price."
  // or "lines[2].". A non-object fails at once: "expected <what>, got <kind>".
  RequestReader(const rapidjson::Value& object, std::string prefix, std::string_view what);

  // Required fields: absent (or null) is kMalformed "<field>: required <type>".
  [[nodiscard]] std::string string(const char* name);
  [[nodiscard]] int64_t int64(const char* name);
  [[nodiscard]] bool boolean(const char* name);
  [[nodiscard]] Money money(const char* name);
  [[nodiscard]] const rapidjson::Value* array(const char* name);
  template <class IdType>
  [[nodiscard]] IdType id(const char* name) {
    return IdType(string(name));
  }

  // Optional fields: absent or null gives the empty value / nullopt.
  [[nodiscard]] std::string optional_string(const char* name);
  [[nodiscard]] std::optional<int64_t> optional_int64(const char* name);
  // A non-negative integer; a negative one is kInvalidArgument.
  [[nodiscard]] std::optional<uint64_t> optional_uint64(const char* name);
  [[nodiscard]] std::optional<Money> optional_money(const char* name);
  [[nodiscard]] const rapidjson::Value* optional_array(const char* name);
  [[nodiscard]] const rapidjson::Value* optional_object(const char* name);

  // True when the member is present and not null.
  [[nodiscard]] bool has(const char* name) const { return find(name) != nullptr; }

  // Records a flaw found by the caller (the first flaw wins).
  void fail(ErrorCode code, std::string_view name, std::string_view problem);
  void fail(const Error& error);

  [[nodiscard]] bool ok() const noexcept { return !error_; }
  [[nodiscard]] const Error& error() const noexcept { return *error_; }
  // The field's name as messages show it: the prefix and the name.
  [[nodiscard]] std::string path(std::string_view name) const;

 private:
  // The member, or nullptr when it is absent or null (or the reader already failed).
  [[nodiscard]] const rapidjson::Value* find(const char* name) const;
  void missing(const char* name, std::string_view type);
  void mistyped(const char* name, std::string_view type, const rapidjson::Value& value);
  [[nodiscard]] std::optional<int64_t> integer(const char* name, const rapidjson::Value& value);
  [[nodiscard]] Money read_money(const char* name, const rapidjson::Value& value);

  const rapidjson::Value* object_;
  std::string prefix_;
  std::optional<Error> error_;
};

}  // namespace stockroom::wire::internal

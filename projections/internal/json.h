// JSON helpers shared by the views: writing fields in a fixed order with RapidJSON's
// Writer, and reading typed fields from a parsed object strictly.
//
// Writing: the views' bytes are what queries return and what a rebuild must
// reproduce, so every field is written by these helpers in the order the caller
// lists them, with no whitespace. Reading: a FieldReader remembers the first missing
// or mistyped field instead of failing at once, so decoders read straight through and
// check ok() once. No exceptions (RapidJSON does not throw).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/types.h"

namespace stockroom::projections::internal {

using JsonBuffer = rapidjson::StringBuffer;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Each writes `"key": value`; call inside an object.
void put(JsonWriter& w, std::string_view key, std::string_view value);
void put(JsonWriter& w, std::string_view key, int64_t value);
void put(JsonWriter& w, std::string_view key, uint64_t value);
void put(JsonWriter& w, std::string_view key, const Money& value);
void put(JsonWriter& w, std::string_view key, Timestamp value);  // RFC 3339 UTC
void put_bool(JsonWriter& w, std::string_view key, bool value);
void put_key(JsonWriter& w, std::string_view key);

// "lines":[{"sku","quantity","unit_price"}] for any line with those members (the order
// view's OrderLine and the cart view's CartViewLine share the shape).
template <class Line>
void put_lines(JsonWriter& w, const std::vector<Line>& lines) {
  put_key(w, "lines");
  w.StartArray();
  for (const Line& line : lines) {
    w.StartObject();
    put(w, "sku", line.sku.str());
    put(w, "quantity", line.quantity.value);
    put(w, "unit_price", line.unit_price);
    w.EndObject();
  }
  w.EndArray();
}

// The writer's output so far.
[[nodiscard]] std::string json_text(const JsonBuffer& buffer);

// Parses `text` as one JSON value (UTF-8 checked, no trailing bytes); kMalformed
// naming `what` otherwise.
[[nodiscard]] Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what);

// The kMalformed error of a decoder, e.g. "stored stock view is not valid".
[[nodiscard]] Error malformed(std::string_view what);

// Reads fields of one JSON object. A missing field or a value of the wrong JSON type
// makes ok() false and the getter returns a default; `object` must outlive the reader.
class FieldReader {
 public:
  explicit FieldReader(const rapidjson::Value& object) noexcept;

  [[nodiscard]] std::string string(const char* name);
  [[nodiscard]] int64_t int64(const char* name);
  [[nodiscard]] uint64_t uint64(const char* name);
  [[nodiscard]] bool boolean(const char* name);
  // A boolean written only when true: absent is false.
  [[nodiscard]] bool flag(const char* name);
  [[nodiscard]] Money money(const char* name);
  [[nodiscard]] Timestamp time(const char* name);
  // The array member `name`; nullptr (and ok() false) when absent or not an array.
  [[nodiscard]] const rapidjson::Value* array(const char* name);
  // The member `name` whatever its type; nullptr (and ok() false) when absent.
  [[nodiscard]] const rapidjson::Value* member(const char* name);

  // An id field as IdType (Sku, OrderId, ...); the form is not checked: a view
  // before its first event has empty ids.
  template <class IdType>
  [[nodiscard]] IdType id(const char* name) {
    return IdType(string(name));
  }

  // Marks the object invalid for a reason found by the caller (e.g. an unknown name).
  void fail() noexcept { ok_ = false; }
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  const rapidjson::Value* object_;
  bool ok_;
};

// Reads the array member `name` of objects, each with `read(FieldReader&) -> Line`;
// a missing array or a flawed element makes `r.ok()` false.
template <class Line, class Read>
[[nodiscard]] std::vector<Line> read_lines(FieldReader& r, const char* name, Read read) {
  std::vector<Line> lines;
  const rapidjson::Value* array = r.array(name);
  if (array == nullptr) return lines;
  for (const rapidjson::Value& item : array->GetArray()) {
    FieldReader fields(item);
    lines.push_back(read(fields));
    if (!fields.ok()) r.fail();
  }
  return lines;
}

// A currency as a view stores it: three upper-case letters, or "" before the view's
// first event names one. nullopt for anything else.
[[nodiscard]] std::optional<Currency> view_currency(std::string_view code);

}  // namespace stockroom::projections::internal

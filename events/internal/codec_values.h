// Shared pieces of the record codec: the value types every event and command uses
// (ids, text, money, actors, returned lines), in both directions.
//
// Writing: each put_* adds its objects to the builder in a fixed order, so equal
// values always give equal bytes (the codec's determinism rests on this). Ids are
// always written, even when empty; optional text is absent when empty.
//
// Reading: a FieldReader reads the fields of one table of an already VERIFIED
// buffer and remembers the first required field that is absent; finish() turns that
// into a kMalformed error naming the field. Thread-compatible, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/model/command.h"
#include "engine/model/error.h"
#include "engine/model/types.h"
#include "schemas/common_generated.h"

namespace stockroom::events::codec {

using Builder = flatbuffers::FlatBufferBuilder;
using StringRef = flatbuffers::Offset<flatbuffers::String>;

template <class Tag>
[[nodiscard]] StringRef put_id(Builder& b, const Id<Tag>& id) {
  return b.CreateString(id.str());
}

// Absent (a null offset) when `text` is empty.
[[nodiscard]] StringRef put_text(Builder& b, std::string_view text);
[[nodiscard]] StringRef put_currency(Builder& b, const Currency& currency);
[[nodiscard]] flatbuffers::Offset<fb::Money> put_money(Builder& b, const Money& money);
// Absent (a null offset) when `money` is nullopt.
[[nodiscard]] flatbuffers::Offset<fb::Money> put_money(Builder& b,
                                                       const std::optional<Money>& money);
[[nodiscard]] flatbuffers::Offset<fb::Actor> put_actor(Builder& b, const Actor& actor);
[[nodiscard]] flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::ReturnLine>>>
put_return_lines(Builder& b, const std::vector<ReturnLine>& lines);

template <class T>
using TableVector = flatbuffers::Vector<flatbuffers::Offset<T>>;

class FieldReader {
 public:
  // `table` names the table in messages, e.g. "ProductDefined".
  explicit FieldReader(std::string_view table) : table_(table) {}

  // A required id: absent is an error.
  template <class IdT>
  [[nodiscard]] IdT id(const flatbuffers::String* s, std::string_view field) {
    if (s == nullptr) {
      missing(field);
      return IdT();
    }
    return IdT(std::string_view(s->c_str(), s->size()));
  }
  // Required text (e.g. a record's stream name): absent is an error.
  [[nodiscard]] std::string required_text(const flatbuffers::String* s, std::string_view field);
  // Optional text: absent reads as "".
  [[nodiscard]] static std::string text(const flatbuffers::String* s);
  [[nodiscard]] Currency currency(const flatbuffers::String* s, std::string_view field);
  [[nodiscard]] Money money(const fb::Money* m, std::string_view field);
  [[nodiscard]] std::optional<Money> optional_money(const fb::Money* m, std::string_view field);
  [[nodiscard]] Actor actor(const fb::Actor* a, std::string_view field);
  // An absent vector reads as no lines.
  [[nodiscard]] std::vector<ReturnLine> return_lines(const TableVector<fb::ReturnLine>* v,
                                                     std::string_view field);

  // Records an error found by the caller (the first one wins).
  void invalid(std::string message);
  // Records that a required field (a path inside the table, e.g. "total.currency")
  // is absent.
  void missing(std::string_view field);

  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  [[nodiscard]] const std::string& table() const noexcept { return table_; }

  // `value` when every required field was present, else kMalformed.
  template <class T>
  [[nodiscard]] Result<T> finish(T value) {
    if (error_) return fail(ErrorCode::kMalformed, std::move(*error_));
    return value;
  }

 private:
  std::string table_;
  std::optional<std::string> error_;
};

}  // namespace stockroom::events::codec

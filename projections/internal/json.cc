#include "projections/internal/json.h"

#include <rapidjson/error/en.h>

#include "projections/internal/time_format.h"

namespace stockroom::projections::internal {
namespace {

rapidjson::SizeType size_of(std::string_view text) {
  return static_cast<rapidjson::SizeType>(text.size());
}

}  // namespace

void put_key(JsonWriter& w, std::string_view key) { w.Key(key.data(), size_of(key)); }

void put(JsonWriter& w, std::string_view key, std::string_view value) {
  put_key(w, key);
  w.String(value.data(), size_of(value));
}

void put(JsonWriter& w, std::string_view key, int64_t value) {
  put_key(w, key);
  w.Int64(value);
}

void put(JsonWriter& w, std::string_view key, uint64_t value) {
  put_key(w, key);
  w.Uint64(value);
}

void put(JsonWriter& w, std::string_view key, const Money& value) {
  put_key(w, key);
  w.StartObject();
  put(w, "amount", value.amount);
  put(w, "currency", value.currency.str());
  w.EndObject();
}

void put(JsonWriter& w, std::string_view key, Timestamp value) {
  put(w, key, std::string_view(format_time(value)));
}

void put_bool(JsonWriter& w, std::string_view key, bool value) {
  put_key(w, key);
  w.Bool(value);
}

std::string json_text(const JsonBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

Error malformed(std::string_view what) {
  return Error{ErrorCode::kMalformed, std::string(what) + " is not valid", {}, {}};
}

Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what) {
  rapidjson::Document document;
  constexpr unsigned kFlags =
      rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag;
  document.Parse<kFlags>(text.data(), text.size());
  if (document.HasParseError()) {
    Error error = malformed(what);
    error.message += ": ";
    error.message += rapidjson::GetParseError_En(document.GetParseError());
    error.details.push_back({"offset", static_cast<int64_t>(document.GetErrorOffset())});
    return std::unexpected(std::move(error));
  }
  return document;
}

FieldReader::FieldReader(const rapidjson::Value& object) noexcept
    : object_(&object), ok_(object.IsObject()) {}

const rapidjson::Value* FieldReader::member(const char* name) {
  if (!ok_) return nullptr;
  const auto it = object_->FindMember(name);
  if (it == object_->MemberEnd()) {
    ok_ = false;
    return nullptr;
  }
  return &it->value;
}

std::string FieldReader::string(const char* name) {
  const rapidjson::Value* v = member(name);
  if (v == nullptr || !v->IsString()) {
    ok_ = false;
    return {};
  }
  return std::string(v->GetString(), v->GetStringLength());
}

int64_t FieldReader::int64(const char* name) {
  const rapidjson::Value* v = member(name);
  if (v == nullptr || !v->IsInt64()) {
    ok_ = false;
    return 0;
  }
  return v->GetInt64();
}

uint64_t FieldReader::uint64(const char* name) {
  const rapidjson::Value* v = member(name);
  if (v == nullptr || !v->IsUint64()) {
    ok_ = false;
    return 0;
  }
  return v->GetUint64();
}

bool FieldReader::boolean(const char* name) {
  const rapidjson::Value* v = member(name);
  if (v == nullptr || !v->IsBool()) {
    ok_ = false;
    return false;
  }
  return v->GetBool();
}

bool FieldReader::flag(const char* name) {
  if (!ok_ || !object_->HasMember(name)) return false;
  return boolean(name);
}

Money FieldReader::money(const char* name) {
  const rapidjson::Value* v = member(name);
  if (v == nullptr) return {};
  FieldReader fields(*v);
  const int64_t amount = fields.int64("amount");
  const std::optional<Currency> currency = view_currency(fields.string("currency"));
  if (!fields.ok() || !currency) {
    ok_ = false;
    return {};
  }
  return Money{amount, *currency};
}

Timestamp FieldReader::time(const char* name) {
  const std::optional<Timestamp> time = parse_time(string(name));
  if (!time) {
    ok_ = false;
    return {};
  }
  return *time;
}

const rapidjson::Value* FieldReader::array(const char* name) {
  const rapidjson::Value* v = member(name);
  if (v == nullptr || !v->IsArray()) {
    ok_ = false;
    return nullptr;
  }
  return v;
}

std::optional<Currency> view_currency(std::string_view code) {
  if (!code.empty() && !is_valid_currency(code)) return std::nullopt;
  return Currency(code);
}

}  // namespace stockroom::projections::internal

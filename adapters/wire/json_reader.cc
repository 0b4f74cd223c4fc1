#include <rapidjson/error/en.h>

#include <cmath>
#include <string>
#include <utility>

#include "adapters/wire/internal_json_reader.h"

namespace stockroom::wire::internal {
namespace {

// Iterative parsing keeps the stack flat for any nesting depth; encoding validation
// turns invalid UTF-8 into MALFORMED here rather than bytes smuggled into ids.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// 2^63: the first magnitude an int64 cannot hold.
constexpr double kInt64Bound = 9223372036854775808.0;

}  // namespace

Result<rapidjson::Document> parse_body(std::string_view body) {
  rapidjson::Document document;
  document.Parse<kParseFlags>(body.data(), body.size());
  if (document.HasParseError()) {
    const auto offset = static_cast<int64_t>(document.GetErrorOffset());
    return fail(ErrorCode::kMalformed,
                std::string("request is not valid JSON: ") +
                    rapidjson::GetParseError_En(document.GetParseError()) + " at offset " +
                    std::to_string(offset),
                {{"offset", offset}});
  }
  return document;
}

std::string_view json_kind(const rapidjson::Value& value) noexcept {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "value";
}

RequestReader::RequestReader(const rapidjson::Value& object, std::string prefix,
                             std::string_view what)
    : object_(&object), prefix_(std::move(prefix)) {
  if (!object.IsObject()) {
    fail(ErrorCode::kMalformed, "",
         "expected " + std::string(what) + ", got " + std::string(json_kind(object)));
  }
}

std::string RequestReader::path(std::string_view name) const {
  std::string out = prefix_;
  out += name;
  // "price." names the object itself when no member is meant.
  if (name.empty() && !out.empty() && out.back() == '.') out.pop_back();
  return out;
}

void RequestReader::fail(ErrorCode code, std::string_view name, std::string_view problem) {
  if (error_) return;
  const std::string field = path(name);
  std::string message = field.empty() ? std::string(problem) : field + ": " + std::string(problem);
  std::vector<ErrorDetail> details;
  if (!field.empty()) details.push_back({"field", field});
  error_ = Error{code, std::move(message), std::move(details), {}};
}

void RequestReader::fail(const Error& error) {
  if (!error_) error_ = error;
}

const rapidjson::Value* RequestReader::find(const char* name) const {
  if (error_) return nullptr;
  const auto it = object_->FindMember(name);
  if (it == object_->MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

void RequestReader::missing(const char* name, std::string_view type) {
  fail(ErrorCode::kMalformed, name, "required " + std::string(type));
}

void RequestReader::mistyped(const char* name, std::string_view type,
                             const rapidjson::Value& value) {
  fail(ErrorCode::kMalformed, name,
       "expected " + std::string(type) + ", got " + std::string(json_kind(value)));
}

std::optional<int64_t> RequestReader::integer(const char* name, const rapidjson::Value& value) {
  if (value.IsInt64()) return value.GetInt64();
  if (!value.IsNumber()) {
    mistyped(name, "integer", value);
  } else if (value.IsUint64() || std::fabs(value.GetDouble()) >= kInt64Bound) {
    fail(ErrorCode::kMalformed, name, "integer out of the 64-bit range");
  } else {
    // 1.5 and 1e3 alike: an integer is written without fraction or exponent.
    fail(ErrorCode::kMalformed, name,
         "expected integer, got a number with a fraction or an exponent");
  }
  return std::nullopt;
}

std::string RequestReader::string(const char* name) {
  if (error_) return {};
  const rapidjson::Value* v = find(name);
  if (v == nullptr) {
    missing(name, "string");
    return {};
  }
  if (!v->IsString()) {
    mistyped(name, "string", *v);
    return {};
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::string RequestReader::optional_string(const char* name) {
  const rapidjson::Value* v = find(name);
  if (v == nullptr) return {};
  if (!v->IsString()) {
    mistyped(name, "string", *v);
    return {};
  }
  return std::string(v->GetString(), v->GetStringLength());
}

int64_t RequestReader::int64(const char* name) {
  if (error_) return 0;
  const rapidjson::Value* v = find(name);
  if (v == nullptr) {
    missing(name, "integer");
    return 0;
  }
  return integer(name, *v).value_or(0);
}

std::optional<int64_t> RequestReader::optional_int64(const char* name) {
  const rapidjson::Value* v = find(name);
  if (v == nullptr) return std::nullopt;
  return integer(name, *v);
}

std::optional<uint64_t> RequestReader::optional_uint64(const char* name) {
  const rapidjson::Value* v = find(name);
  if (v == nullptr) return std::nullopt;
  if (v->IsUint64()) return v->GetUint64();
  if (v->IsInt64()) {
    fail(ErrorCode::kInvalidArgument, name,
         "must not be negative, got " + std::to_string(v->GetInt64()));
  } else if (v->IsNumber() && std::fabs(v->GetDouble()) >= kInt64Bound) {
    fail(ErrorCode::kMalformed, name, "integer out of the 64-bit range");
  } else {
    (void)integer(name, *v);  // records the type flaw
  }
  return std::nullopt;
}

bool RequestReader::boolean(const char* name) {
  if (error_) return false;
  const rapidjson::Value* v = find(name);
  if (v == nullptr) {
    missing(name, "boolean");
    return false;
  }
  if (!v->IsBool()) {
    mistyped(name, "boolean", *v);
    return false;
  }
  return v->GetBool();
}

Money RequestReader::read_money(const char* name, const rapidjson::Value& value) {
  RequestReader fields(value, path(name) + ".", "money {amount, currency}");
  const int64_t amount = fields.int64("amount");
  // Any string is kept: the engine's validate() refuses a code that is not ISO 4217
  // with INVALID_ARGUMENT, which is the contract's answer for "euro".
  const std::string currency = fields.string("currency");
  if (!fields.ok()) {
    fail(fields.error());
    return {};
  }
  return Money{amount, Currency(currency)};
}

Money RequestReader::money(const char* name) {
  if (error_) return {};
  const rapidjson::Value* v = find(name);
  if (v == nullptr) {
    missing(name, "money {amount, currency}");
    return {};
  }
  return read_money(name, *v);
}

std::optional<Money> RequestReader::optional_money(const char* name) {
  const rapidjson::Value* v = find(name);
  if (v == nullptr) return std::nullopt;
  Money money = read_money(name, *v);
  if (error_) return std::nullopt;
  return money;
}

const rapidjson::Value* RequestReader::array(const char* name) {
  if (error_) return nullptr;
  const rapidjson::Value* v = find(name);
  if (v == nullptr) {
    missing(name, "array");
    return nullptr;
  }
  return optional_array(name);
}

const rapidjson::Value* RequestReader::optional_array(const char* name) {
  const rapidjson::Value* v = find(name);
  if (v == nullptr) return nullptr;
  if (!v->IsArray()) {
    mistyped(name, "array", *v);
    return nullptr;
  }
  return v;
}

const rapidjson::Value* RequestReader::optional_object(const char* name) {
  const rapidjson::Value* v = find(name);
  if (v == nullptr) return nullptr;
  if (!v->IsObject()) {
    mistyped(name, "object", *v);
    return nullptr;
  }
  return v;
}

}  // namespace stockroom::wire::internal

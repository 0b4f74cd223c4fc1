#include "adapters/audit/head_json.h"

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <optional>

namespace stockroom::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr size_t kSignatureBase64Size = 88;  // 4 * ceil(64 / 3)

std::string base64(const Signature& signature) {
  std::string out(kSignatureBase64Size + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), signature.data(),
                                   static_cast<int>(signature.size()));
  out.resize(static_cast<size_t>(size));
  return out;
}

// Strict: exactly the text base64() makes of some signature. OpenSSL's decoder skips
// whitespace and pads with zero bytes, so a decoding is accepted only when encoding
// it again gives the same text.
std::optional<Signature> signature_of(std::string_view text) {
  if (text.size() != kSignatureBase64Size) return std::nullopt;
  unsigned char decoded[kSignatureBase64Size]{};
  const int size = EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()));
  if (size < static_cast<int>(Signature{}.size())) return std::nullopt;
  Signature signature{};
  std::copy_n(decoded, signature.size(), signature.begin());
  if (base64(signature) != text) return std::nullopt;
  return signature;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case included: the signed text is lower case
}

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (hex_digit(c) < 0) return false;
  }
  return true;
}

std::optional<events::Hash> hash_of(std::string_view text) {
  events::Hash hash{};
  if (text.size() != hash.size() * 2 || !is_lower_hex(text)) return std::nullopt;
  for (size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<uint8_t>(hex_digit(text[2 * i]) * 16 + hex_digit(text[2 * i + 1]));
  }
  return hash;
}

void put(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::unexpected<Error> malformed(std::string_view field, std::string_view problem) {
  return fail(ErrorCode::kMalformed,
              "signed head: " + std::string(field) + ": " + std::string(problem),
              {{"field", std::string(field)}});
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

Status read_numbers(const rapidjson::Value& o, SignedHead& head) {
  const rapidjson::Value* partition = member(o, "partition");
  if (partition == nullptr || !partition->IsUint()) {
    return malformed("partition", "required integer 0 to 4294967295");
  }
  head.partition = partition->GetUint();
  const rapidjson::Value* position = member(o, "position");
  if (position == nullptr || !position->IsUint64()) {
    return malformed("position", "required integer 0 or more");
  }
  head.head.position = Position{position->GetUint64()};
  const rapidjson::Value* time = member(o, "time_us");
  if (time == nullptr || !time->IsInt64()) return malformed("time_us", "required integer");
  head.time = Timestamp{time->GetInt64()};
  return {};
}

// The string member `name`, nullopt when absent or not a string.
std::optional<std::string_view> string_member(const rapidjson::Value& o, const char* name) {
  const rapidjson::Value* value = member(o, name);
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string_view(value->GetString(), value->GetStringLength());
}

Status read_texts(const rapidjson::Value& o, SignedHead& head) {
  const auto hash_text = string_member(o, "hash");
  const auto hash = hash_text ? hash_of(*hash_text) : std::nullopt;
  if (!hash) return malformed("hash", "required string of 64 lower-case hex digits");
  head.head.hash = *hash;
  const auto signature_text = string_member(o, "signature");
  const auto signature = signature_text ? signature_of(*signature_text) : std::nullopt;
  if (!signature) return malformed("signature", "required base64 of 64 bytes (88 characters)");
  head.signature = *signature;
  const auto key_id = string_member(o, "key_id");
  if (!key_id || key_id->size() != 16 || !is_lower_hex(*key_id)) {
    return malformed("key_id", "required string of 16 lower-case hex digits");
  }
  head.key_id = std::string(*key_id);
  return {};
}

}  // namespace

void head_json(const SignedHead& head, std::string& out) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("partition");
  w.Uint(head.partition);
  w.Key("position");
  w.Uint64(head.head.position.value);
  put(w, "hash", events::to_hex(head.head.hash));
  w.Key("time_us");
  w.Int64(head.time.micros);
  put(w, "signature", base64(head.signature));
  put(w, "key_id", head.key_id);
  w.EndObject();
  out.assign(buffer.GetString(), buffer.GetSize());
}

std::string head_json(const SignedHead& head) {
  std::string out;
  head_json(head, out);
  return out;
}

Result<SignedHead> parse_head_json(std::string_view text) {
  rapidjson::Document d;
  // Iterative: deeply nested junk cannot exhaust the stack. UTF-8 is checked.
  d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                  text.size());
  if (d.HasParseError()) {
    return fail(ErrorCode::kMalformed, std::string("signed head: not JSON: ") +
                                           rapidjson::GetParseError_En(d.GetParseError()) +
                                           " at offset " + std::to_string(d.GetErrorOffset()));
  }
  if (!d.IsObject()) return fail(ErrorCode::kMalformed, "signed head: not a JSON object");
  SignedHead head;
  if (Status numbers = read_numbers(d, head); !numbers) return std::unexpected(numbers.error());
  if (Status texts = read_texts(d, head); !texts) return std::unexpected(texts.error());
  return head;
}

}  // namespace stockroom::audit

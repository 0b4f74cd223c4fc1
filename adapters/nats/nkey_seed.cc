#include "adapters/nats/nkey_seed.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

namespace stockroom::nats_adapter {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr uint8_t kPrefixSeed = 18 << 3;             // base32 "S"
constexpr uint8_t kPrefixUser = 20 << 3;             // base32 "U"
constexpr std::streamoff kMaxFileBytes = 64 * 1024;  // a seed or creds file is < 2 KiB

// Wiped on every exit: a seed is a private key.
struct Secret {
  std::vector<uint8_t> bytes;
  std::string text;
  ~Secret() {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  }
};

// CRC-16/XMODEM (polynomial 0x1021, initial 0), as nkeys appends it.
uint16_t crc16(const uint8_t* data, size_t size) {
  uint16_t crc = 0;
  for (size_t i = 0; i < size; ++i) {
    crc ^= static_cast<uint16_t>(data[i]) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

// RFC 4648 base32 without padding; false on a character outside the alphabet.
bool base32_decode(std::string_view text, std::vector<uint8_t>& out) {
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    const size_t value = kBase32.find(ch);
    if (value == std::string_view::npos) return false;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
    }
  }
  return true;
}

std::string base32_encode(const std::vector<uint8_t>& data) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32[(buffer >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

// The first whitespace-separated word that starts with "SU".
std::optional<std::string_view> find_user_seed(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t begin = text.find_first_not_of(" \t\r\n", at);
    if (begin == std::string_view::npos) break;
    size_t end = text.find_first_of(" \t\r\n", begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(begin, end - begin);
    if (word.starts_with("SU")) return word;
    at = end;
  }
  return std::nullopt;
}

// The 32-byte Ed25519 seed of an encoded user seed, checked: prefixes and CRC.
bool decode_user_seed(std::string_view encoded, Secret& raw) {
  raw.bytes.reserve(encoded.size());  // no reallocation: no unwiped copy
  if (!base32_decode(encoded, raw.bytes) || raw.bytes.size() != 2 + 32 + 2) return false;
  const uint8_t* b = raw.bytes.data();
  const uint16_t stored = static_cast<uint16_t>(b[34] | (b[35] << 8));
  if (crc16(b, 34) != stored) return false;
  const uint8_t kind = static_cast<uint8_t>(b[0] & 0xF8);
  const uint8_t type = static_cast<uint8_t>(((b[0] & 7) << 5) | ((b[1] & 0xF8) >> 3));
  return kind == kPrefixSeed && type == kPrefixUser;
}

}  // namespace

Result<std::string> nkey_public_key_of_seed_file(const std::string& path) {
  auto refuse = [&path](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, "--nats-nkey " + path + ": " + std::string(why));
  };
  Secret file;
  {
    // Read into one buffer of the file's size: a growing string would leave copies
    // of the seed behind in the buffers it freed, unwiped.
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return refuse("cannot read the file");
    const std::streamoff size = in.tellg();
    if (size < 0 || size > kMaxFileBytes) return refuse("cannot read the file (or above 64 KiB)");
    file.text.resize(static_cast<size_t>(size));
    in.seekg(0);
    if (!in.read(file.text.data(), size)) return refuse("cannot read the file");
  }
  std::optional<std::string_view> encoded = find_user_seed(file.text);
  if (!encoded) return refuse("no nkey user seed (a word starting with SU) in the file");
  Secret raw;
  if (!decode_user_seed(*encoded, raw)) {
    return refuse("not a valid nkey user seed (bad base32, prefix or checksum)");
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw.bytes.data() + 2, 32),
      EVP_PKEY_free);
  std::array<uint8_t, 32> public_raw{};
  size_t size = public_raw.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), public_raw.data(), &size) != 1 ||
      size != public_raw.size()) {
    return refuse("the seed is not an Ed25519 key");
  }
  std::vector<uint8_t> encoded_public{kPrefixUser};
  encoded_public.insert(encoded_public.end(), public_raw.begin(), public_raw.end());
  const uint16_t crc = crc16(encoded_public.data(), encoded_public.size());
  encoded_public.push_back(static_cast<uint8_t>(crc & 0xFF));
  encoded_public.push_back(static_cast<uint8_t>(crc >> 8));
  return base32_encode(encoded_public);
}

}  // namespace stockroom::nats_adapter

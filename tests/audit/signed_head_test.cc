// Signed heads: the signed text, signatures checked by the `openssl` command line tool
// (independently of our code) and by ours, every tampered field refused, and the JSON
// line an auditor keeps.
#include "adapters/audit/signed_head.h"

#include <catch2/catch.hpp>
#include <string>

#include "adapters/audit/head_json.h"
#include "audit/support/files.h"
#include "events/sha256.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using audit::SignedHead;
using audit::SigningKey;

events::Head head_at(uint64_t position, std::string_view seed = "records") {
  const events::Hash hash =
      events::sha256({reinterpret_cast<const uint8_t*>(seed.data()), seed.size()});
  return events::Head{Position{position}, hash};
}

constexpr Timestamp kTime{1'764'000'000'123'456};

TEST_CASE("the signed text names partition, position, hash in hex and time in microseconds",
          "[audit][head]") {
  events::Head head{Position{1042}, {}};
  head.hash[0] = 0xab;
  head.hash[31] = 0x01;
  CHECK(audit::head_message(3, head, kTime) ==
        "stockroom-head:3:1042:ab" + std::string(60, '0') + "01:1764000000123456");
  CHECK(audit::head_message(0, events::Head{}, Timestamp{-5}) ==
        "stockroom-head:0:0:" + std::string(64, '0') + ":-5");
}

TEST_CASE("openssl pkeyutl verifies a head's signature with the public key file",
          "[audit][head][openssl]") {
  TempDir dir;
  const SigningKey key = new_key();
  const SignedHead signed_head = audit::sign_head(key, 0, head_at(7), kTime);
  write_file(dir.sub("key.pub"), key.public_key().pem());
  write_file(dir.sub("msg"), audit::head_message(0, head_at(7), kTime));
  write_file(dir.sub("sig"), signed_head.signature);
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey " + dir.sub("key.pub") +
                             " -rawin -sigfile " + dir.sub("sig") + " -in ";
  CHECK(shell(verify + dir.sub("msg") + " >/dev/null") == 0);

  // Another position in the text: openssl refuses it too.
  write_file(dir.sub("other"), audit::head_message(0, head_at(8), kTime));
  CHECK(shell(verify + dir.sub("other") + " >/dev/null 2>&1") != 0);
}

TEST_CASE("a signature made by openssl pkeyutl with the key file verifies as a head",
          "[audit][head][openssl]") {
  TempDir dir;
  const SigningKey key = new_key();
  write_file(dir.sub("key.pem"), key.private_pem());
  write_file(dir.sub("msg"), audit::head_message(0, head_at(9), kTime));
  REQUIRE(shell("openssl pkeyutl -sign -inkey " + dir.sub("key.pem") + " -rawin -in " +
                dir.sub("msg") + " -out " + dir.sub("sig")) == 0);
  const std::string sig = read_file(dir.sub("sig"));
  REQUIRE(sig.size() == 64);
  SignedHead head{0, head_at(9), kTime, {}, key.public_key().key_id()};
  std::copy(sig.begin(), sig.end(), head.signature.begin());
  CHECK(audit::verify_head(key.public_key(), head).has_value());
  // Ed25519 is deterministic: our own signature is the same bytes.
  CHECK(audit::sign_head(key, 0, head_at(9), kTime).signature == head.signature);
}

TEST_CASE("a head with any field changed after signing is refused", "[audit][head]") {
  const SigningKey key = new_key();
  const SignedHead good = audit::sign_head(key, 0, head_at(12), kTime);
  REQUIRE(audit::verify_head(key.public_key(), good).has_value());

  auto refused = [&](SignedHead bad) {
    const Status s = audit::verify_head(key.public_key(), bad);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code == ErrorCode::kInvalidArgument);
    return s.error().message;
  };
  SignedHead h = good;
  h.partition = 1;
  CHECK_THAT(refused(h), Catch::Contains("signature does not match"));
  h = good;
  h.head.position = Position{13};
  CHECK_THAT(refused(h), Catch::Contains("signature does not match"));
  h = good;
  h.head.hash[5] ^= 0x01;
  CHECK_THAT(refused(h), Catch::Contains("signature does not match"));
  h = good;
  h.time = Timestamp{kTime.micros + 1};
  CHECK_THAT(refused(h), Catch::Contains("signature does not match"));
  h = good;
  h.signature[63] ^= 0x80;
  CHECK_THAT(refused(h), Catch::Contains("signature does not match"));

  // Another key: named by its id before any signature is tried.
  const SigningKey other = new_key();
  CHECK_THAT(refused(audit::sign_head(other, 0, head_at(12), kTime)),
             Catch::Contains("signed by key " + other.public_key().key_id()) &&
                 Catch::Contains("not by the given key " + key.public_key().key_id()));
  // The right key id over another key's signature.
  h = audit::sign_head(other, 0, head_at(12), kTime);
  h.key_id = key.public_key().key_id();
  CHECK_THAT(refused(h), Catch::Contains("signature does not match"));
}

TEST_CASE("the head of an empty log (position 0, hash of zeros) is signed and verified",
          "[audit][head]") {
  const SigningKey key = new_key();
  const SignedHead empty = audit::sign_head(key, 0, events::Head{}, kTime);
  CHECK(audit::verify_head(key.public_key(), empty).has_value());
  const std::string json = audit::head_json(empty);
  CHECK_THAT(json, Catch::Contains(R"("position":0,"hash":")" + std::string(64, '0') + "\""));
  Result<SignedHead> parsed = audit::parse_head_json(json);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == empty);
}

TEST_CASE("a signed head as JSON has the contract's fields in order and reads back equal",
          "[audit][head][json]") {
  const SigningKey key = new_key();
  const SignedHead head = audit::sign_head(key, 2, head_at(77), kTime);
  const std::string json = audit::head_json(head);
  const std::string prefix = R"({"partition":2,"position":77,"hash":")" +
                             events::to_hex(head.head.hash) +
                             R"(","time_us":1764000000123456,"signature":")";
  CHECK(json.starts_with(prefix));
  CHECK(json.ends_with(R"(","key_id":")" + key.public_key().key_id() + "\"}"));
  CHECK(json.size() == prefix.size() + 88 + 12 + 16 + 2);  // base64 of 64 bytes is 88
  Result<SignedHead> parsed = audit::parse_head_json(json);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == head);
  // Members a later version may add are ignored.
  Result<SignedHead> extended =
      audit::parse_head_json(json.substr(0, json.size() - 1) + R"(,"node":"n-1"})");
  REQUIRE(extended.has_value());
  CHECK(*extended == head);
}

TEST_CASE("bad JSON for a signed head is refused as MALFORMED, naming what is wrong",
          "[audit][head][json]") {
  const SignedHead head = audit::sign_head(new_key(), 0, head_at(5), kTime);
  const std::string good = audit::head_json(head);
  const std::string hash = events::to_hex(head.head.hash);
  std::string signature = good.substr(good.find("\"signature\":\"") + 13, 88);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  auto refused = [](const std::string& text) {
    INFO(text);
    Result<SignedHead> parsed = audit::parse_head_json(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ErrorCode::kMalformed);
    return parsed.error().message;
  };
  CHECK_THAT(refused(""), Catch::Contains("not JSON"));
  CHECK_THAT(refused(good.substr(0, good.size() / 2)), Catch::Contains("not JSON"));
  CHECK_THAT(refused(good + " {}"), Catch::Contains("not JSON"));
  CHECK_THAT(refused("[1,2]"), Catch::Contains("not a JSON object"));
  CHECK_THAT(refused(std::string(100'000, '[')), Catch::Contains("not JSON"));
  CHECK_THAT(refused("{\"position\":\"\xff\"}"), Catch::Contains("not JSON"));
  CHECK_THAT(refused(with("\"partition\":0,", "")), Catch::Contains("partition"));
  CHECK_THAT(refused(with("\"partition\":0", "\"partition\":-1")), Catch::Contains("partition"));
  CHECK_THAT(refused(with("\"position\":5", "\"position\":\"5\"")), Catch::Contains("position"));
  CHECK_THAT(refused(with("\"position\":5", "\"position\":5.5")), Catch::Contains("position"));
  CHECK_THAT(refused(with("\"position\":5", "\"position\":-5")), Catch::Contains("position"));
  CHECK_THAT(refused(with("\"time_us\":1764000000123456", "\"time_us\":1.5e300")),
             Catch::Contains("time_us"));
  CHECK_THAT(refused(with(hash, hash.substr(2))), Catch::Contains("hash"));
  std::string upper = hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != hash) CHECK_THAT(refused(with(hash, upper)), Catch::Contains("hash"));
  CHECK_THAT(refused(with(hash, std::string(63, '0') + "g")), Catch::Contains("hash"));
  CHECK_THAT(refused(with(signature, signature.substr(4))), Catch::Contains("signature"));
  CHECK_THAT(refused(with(signature, signature.substr(0, 86) + "!=")),
             Catch::Contains("signature"));
  CHECK_THAT(refused(with(signature, " " + signature.substr(1))), Catch::Contains("signature"));
  // The last character before "==" carries 2 bits of the signature and 4 unused ones
  // (so it is one of A, Q, g, w): the next letter decodes to the same bytes, but is
  // not the one text a signature has.
  REQUIRE(std::string("AQgw").find(signature[85]) != std::string::npos);
  std::string loose = signature;
  loose[85] = static_cast<char>(loose[85] + 1);
  CHECK_THAT(refused(with(signature, loose)), Catch::Contains("signature"));
  CHECK_THAT(refused(with("\"key_id\":\"", "\"key_id\":\"0")), Catch::Contains("key_id"));
  CHECK_THAT(refused(with("\"key_id\":", "\"key\":")), Catch::Contains("key_id"));
}

}  // namespace
}  // namespace stockroom::testing

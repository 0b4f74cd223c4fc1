// query.head on the wire: the request takes no fields in either encoding, and the
// reply carries the signed head — in JSON exactly the line pushed on <p>.audit.head,
// in FlatBuffers a HeadReply with the same values (the signature as raw bytes).
#include <catch2/catch.hpp>
#include <string>

#include "adapters/audit/head_json.h"
#include "adapters/audit/signed_head.h"
#include "adapters/wire/wire.h"
#include "schemas/api_generated.h"

namespace stockroom::wire {
namespace {

audit::SignedHead a_signed_head() {
  Result<audit::SigningKey> key = audit::SigningKey::generate();
  REQUIRE(key.has_value());
  events::Head head{Position{314}, {}};
  head.hash.fill(0x5a);
  return audit::sign_head(*key, 0, head, Timestamp{1'764'000'000'000'001});
}

TEST_CASE("query.head takes an empty request in both encodings", "[wire][head]") {
  for (const Codec* codec : {&json_codec(), &flatbuffers_codec()}) {
    const Result<Query> empty = codec->decode_query("head", "");
    REQUIRE(empty.has_value());
    CHECK(empty->kind == Query::Kind::kHead);
  }
  const Result<Query> json = json_codec().decode_query("head", "{}");
  REQUIRE(json.has_value());
  CHECK(json->kind == Query::Kind::kHead);
  CHECK(json_codec().decode_query("head", "[").error().code == ErrorCode::kMalformed);
  CHECK(flatbuffers_codec().decode_query("head", "not a flatbuffer").error().code ==
        ErrorCode::kMalformed);
  CHECK(query_kind("head") == Query::Kind::kHead);
  CHECK(view_name(Query::Kind::kHead).empty());
}

TEST_CASE("the JSON reply to query.head is the signed head line itself", "[wire][head]") {
  const audit::SignedHead head = a_signed_head();
  std::string out;
  json_codec().head_reply(head, out);
  CHECK(out == audit::head_json(head));
  const Result<audit::SignedHead> parsed = audit::parse_head_json(out);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == head);
}

TEST_CASE("the FlatBuffers reply to query.head is a HeadReply with the same values",
          "[wire][head]") {
  const audit::SignedHead head = a_signed_head();
  std::string out;
  flatbuffers_codec().head_reply(head, out);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
  const fb::QueryReply* reply = fb::GetQueryReply(out.data());
  CHECK(reply->ok());
  const fb::HeadReply* h = reply->body_as_HeadReply();
  REQUIRE(h != nullptr);
  CHECK(h->partition() == 0);
  CHECK(h->position() == 314);
  REQUIRE(h->hash() != nullptr);
  CHECK(h->hash()->str() == events::to_hex(head.head.hash));
  CHECK(h->time_us() == 1'764'000'000'000'001);
  REQUIRE(h->signature() != nullptr);
  REQUIRE(h->signature()->size() == 64);
  CHECK(std::equal(h->signature()->begin(), h->signature()->end(), head.signature.begin()));
  REQUIRE(h->key_id() != nullptr);
  CHECK(h->key_id()->str() == head.key_id);
}

}  // namespace
}  // namespace stockroom::wire

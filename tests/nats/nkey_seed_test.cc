// The nkey seed file behind --nats-nkey: the user's public key derived from its seed
// (the pair NATS.c's own tests use), in both file layouts; a file without a valid seed
// refused naming the file and never showing what it holds. And printable_url: a
// password or token written into a NATS URL never reaches a message.
#include "adapters/nats/nkey_seed.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "adapters/nats/nats_options.h"

namespace stockroom::testing {
namespace {

constexpr const char* kSeed = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
constexpr const char* kPublic = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("stockroom-nkey-test-" + name)).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("nkey seed file: the public key of a bare seed line") {
  const std::string path = write_file("bare", std::string(kSeed) + "\n");
  auto public_key = nats_adapter::nkey_public_key_of_seed_file(path);
  std::filesystem::remove(path);
  REQUIRE(public_key.has_value());
  CHECK(*public_key == kPublic);
}

TEST_CASE("nkey seed file: the public key of a seed inside nsc's armour") {
  const std::string path =
      write_file("armoured", std::string("-----BEGIN USER NKEY SEED-----\n  ") + kSeed +
                                 "\n------END USER NKEY SEED------\n");
  auto public_key = nats_adapter::nkey_public_key_of_seed_file(path);
  std::filesystem::remove(path);
  REQUIRE(public_key.has_value());
  CHECK(*public_key == kPublic);
}

TEST_CASE("nkey seed file: a damaged seed or none is refused without its contents") {
  std::string damaged = kSeed;
  damaged[10] = damaged[10] == 'A' ? 'B' : 'A';  // the checksum no longer matches
  for (const std::string& text : {damaged, std::string("no seed here"), std::string()}) {
    const std::string path = write_file("bad", text);
    auto public_key = nats_adapter::nkey_public_key_of_seed_file(path);
    std::filesystem::remove(path);
    REQUIRE_FALSE(public_key.has_value());
    CHECK(public_key.error().code == ErrorCode::kInvalidArgument);
    CHECK(public_key.error().message.find(path) != std::string::npos);
    if (!text.empty()) CHECK(public_key.error().message.find(text) == std::string::npos);
  }
  auto missing = nats_adapter::nkey_public_key_of_seed_file("/nonexistent/seed");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("cannot read") != std::string::npos);
}

TEST_CASE("printable_url hides a password or token written into a NATS URL") {
  using nats_adapter::printable_url;
  CHECK(printable_url("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222");
  CHECK(printable_url("nats://ann:s3cret@h:4222") == "nats://ann:***@h:4222");
  CHECK(printable_url("tls://tok3n@h:4222") == "tls://***@h:4222");
  CHECK(printable_url("nats://a:p1@h1:4222, nats://h2:4222,b:p2@h3") ==
        "nats://a:***@h1:4222, nats://h2:4222,b:***@h3");
}

}  // namespace stockroom::testing

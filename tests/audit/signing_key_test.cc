// Signing keys and their files: what serve creates on first start and loads after,
// checked against the `openssl` command line tool; the refusals of a bad key file.
#include "adapters/audit/signing_key.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "adapters/audit/key_file.h"
#include "adapters/audit/public_key.h"
#include "audit/support/files.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using audit::KeyFile;
using audit::open_signing_key;
using audit::PublicKey;
using audit::SigningKey;

KeyFile open_key(const std::string& path) {
  Result<KeyFile> file = open_signing_key(path);
  INFO((file ? std::string() : file.error().message));
  REQUIRE(file.has_value());
  return *file;
}

Error refusal(const std::string& path) {
  Result<KeyFile> file = open_signing_key(path);
  REQUIRE_FALSE(file.has_value());
  return file.error();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("a first start creates the private key with mode 0600 and its public key beside it",
          "[audit][key]") {
  TempDir dir;
  const std::string path = dir.sub("head.pem");
  const KeyFile file = open_key(path);
  CHECK(file.created);
  CHECK(file.public_written);
  CHECK_FALSE(file.readable_by_others);
  CHECK(file.public_path == path + ".pub");
  CHECK(mode_of(path) == 0600);
  CHECK(read_file(path).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  CHECK(read_file(file.public_path) == file.key.public_key().pem());
  CHECK(read_file(file.public_path).starts_with("-----BEGIN PUBLIC KEY-----\n"));
  // openssl reads both files as an Ed25519 key pair, and derives the same public key.
  CHECK(shell("openssl pkey -in " + path + " -noout -text | grep -q ED25519") == 0);
  CHECK(shell("openssl pkey -in " + path + " -pubout -out " + dir.sub("derived.pub")) == 0);
  CHECK(read_file(dir.sub("derived.pub")) == read_file(file.public_path));
}

TEST_CASE("a later start loads the same key and leaves its files alone", "[audit][key]") {
  TempDir dir;
  const std::string path = dir.sub("head.pem");
  const KeyFile first = open_key(path);
  const std::string private_pem = read_file(path);
  const KeyFile again = open_key(path);
  CHECK_FALSE(again.created);
  CHECK_FALSE(again.public_written);
  CHECK(again.key.public_key().raw() == first.key.public_key().raw());
  CHECK(read_file(path) == private_pem);
}

TEST_CASE("a missing or stale public key file is rewritten from the private key", "[audit][key]") {
  TempDir dir;
  const std::string path = dir.sub("head.pem");
  const KeyFile first = open_key(path);
  std::filesystem::remove(first.public_path);
  CHECK(open_key(path).public_written);
  CHECK(read_file(first.public_path) == first.key.public_key().pem());

  write_file(first.public_path, new_key().public_key().pem());
  CHECK(open_key(path).public_written);
  CHECK(read_file(first.public_path) == first.key.public_key().pem());
}

TEST_CASE("a key made by openssl genpkey loads, with the key id openssl's bytes give",
          "[audit][key]") {
  TempDir dir;
  const std::string path = dir.sub("ops.pem");
  REQUIRE(shell("openssl genpkey -algorithm ed25519 -out " + path) == 0);
  const KeyFile file = open_key(path);
  CHECK_FALSE(file.created);
  // The key id from openssl and sha256sum alone: the raw key is the last 32 bytes of
  // the DER SubjectPublicKeyInfo.
  REQUIRE(shell("openssl pkey -in " + path +
                " -pubout -outform DER | tail -c 32 | sha256sum | "
                "cut -c1-16 > " +
                dir.sub("id")) == 0);
  CHECK(read_file(dir.sub("id")) == file.key.public_key().key_id() + "\n");
  CHECK(file.key.public_key().key_id().size() == 16);
}

TEST_CASE("a group- or world-readable key file is reported", "[audit][key]") {
  TempDir dir;
  const std::string path = dir.sub("head.pem");
  (void)open_key(path);
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  CHECK(open_key(path).readable_by_others);
}

TEST_CASE("a key file that is no Ed25519 private key is refused, naming the file", "[audit][key]") {
  TempDir dir;
  const std::string path = dir.sub("bad.pem");

  write_file(path, std::string_view("hello\n"));
  Error e = refusal(path);
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.message, Catch::Contains(path) && Catch::Contains("not a PEM private key"));

  REQUIRE(shell("openssl genpkey -algorithm ed448 -out " + path) == 0);
  CHECK_THAT(refusal(path).message, Catch::Contains("ED448") && Catch::Contains("not an Ed25519"));

  REQUIRE(shell("openssl genpkey -algorithm ed25519 -aes256 -pass pass:secret -out " + path) == 0);
  CHECK_THAT(refusal(path).message, Catch::Contains("encrypted"));

  // A public key where the private one belongs.
  write_file(path, new_key().public_key().pem());
  CHECK_THAT(refusal(path).message, Catch::Contains("not a PEM private key"));
}

TEST_CASE("a key file that cannot be read or created is refused with the reason", "[audit][key]") {
  TempDir dir;
  std::filesystem::create_directory(dir.sub("a-dir"));
  Error e = refusal(dir.sub("a-dir"));
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.message,
             Catch::Contains("cannot read signing key") && Catch::Contains("Is a directory"));

  e = refusal(dir.sub("missing/head.pem"));
  CHECK_THAT(e.message, Catch::Contains("cannot create signing key") &&
                            Catch::Contains("No such file or directory"));
  CHECK_FALSE(std::filesystem::exists(dir.sub("missing")));
}

TEST_CASE("public keys load from PEM and from raw bytes, and refuse other keys", "[audit][key]") {
  const SigningKey key = new_key();
  Result<PublicKey> from_pem = PublicKey::from_pem(key.public_key().pem());
  REQUIRE(from_pem.has_value());
  CHECK(from_pem->raw() == key.public_key().raw());
  CHECK(from_pem->key_id() == key.public_key().key_id());
  Result<PublicKey> from_raw = PublicKey::from_raw(key.public_key().raw());
  REQUIRE(from_raw.has_value());
  CHECK(from_raw->pem() == key.public_key().pem());

  CHECK(PublicKey::from_pem("").error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(PublicKey::from_pem(key.private_pem()).error().message,
             Catch::Contains("not a PEM public key"));
  CHECK_THAT(PublicKey::read_pem_file("/nonexistent/key.pub").error().message,
             Catch::Contains("cannot read public key file /nonexistent/key.pub"));
}

TEST_CASE("the default signing key sits beside the data directory, never inside it",
          "[audit][key]") {
  auto path = [](const std::string& data) {
    Result<std::string> p = audit::default_signing_key_path(data);
    REQUIRE(p.has_value());
    return *p;
  };
  CHECK(path("/var/lib/stockroom") == "/var/lib/stockroom.signing-key.pem");
  CHECK(path("/var/lib/stockroom/") == "/var/lib/stockroom.signing-key.pem");
  CHECK(path("stockroom-data") == "stockroom-data.signing-key.pem");
  CHECK(path("run/./data") == "run/data.signing-key.pem");
  CHECK(path("../data") == "../data.signing-key.pem");
  for (const char* nameless : {"/", ".", "..", "", "a/.."}) {
    INFO(nameless);
    Result<std::string> p = audit::default_signing_key_path(nameless);
    REQUIRE_FALSE(p.has_value());
    CHECK_THAT(p.error().message, Catch::Contains("--signing-key"));
  }
}

}  // namespace
}  // namespace stockroom::testing

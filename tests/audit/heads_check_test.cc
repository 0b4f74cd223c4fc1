// The heads-file check (`stockroom verify --heads FILE --public-key KEY`) against real
// RocksDB logs written by the engine: a good file passes; a log rewritten from
// position k on (with its chain recomputed, so the chain alone looks intact) fails at
// the first head at or after k; bad signatures, other keys, heads beyond the log and
// malformed lines fail with their line numbers.
#include "adapters/audit/heads_check.h"

#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/audit/head_json.h"
#include "adapters/audit/signing_key.h"
#include "audit/support/files.h"
#include "engine/engine.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using audit::HeadsReport;
using audit::SignedHead;
using audit::SigningKey;

constexpr Timestamp kClock{1'764'000'000'000'000};

// Writes a log with the engine: product P defined, then one receipt per quantity,
// one command (and one event) each. Returns the head signed before the first
// command and after each one: positions 0, 1, 2, ... The clock is fixed, so two logs
// given the same quantities hold the same bytes.
std::vector<SignedHead> write_log(const std::string& dir, const SigningKey& key,
                                  const std::vector<int64_t>& quantities) {
  engine::EngineOptions options;
  options.data_dir = dir;
  options.clock = [] { return kClock; };
  auto e = engine::Engine::open(options);
  REQUIRE(e.has_value());
  std::vector<SignedHead> heads;
  auto sign = [&] { heads.push_back(audit::sign_head(key, 0, (*e)->head(), kClock)); };
  sign();
  REQUIRE((*e)->execute(envelope("define", staff(), DefineProduct{Sku("P"), "Pen", eur(100)})));
  sign();
  int n = 0;
  for (const int64_t quantity : quantities) {
    const std::string id = "receive-" + std::to_string(++n);
    REQUIRE((*e)->execute(envelope(id, staff(), ReceiveStock{Sku("P"), Quantity{quantity}, ""})));
    sign();
  }
  return heads;
}

std::unique_ptr<events::EventLog> open_read_only(const std::string& dir) {
  events::LogOptions options;
  options.read_only = true;
  auto log = events::EventLog::open(dir, options);
  REQUIRE(log.has_value());
  return std::move(*log);
}

std::string lines_of(const std::vector<SignedHead>& heads) {
  std::string text;
  for (const SignedHead& h : heads) text += audit::head_json(h) + "\n";
  return text;
}

HeadsReport check(const std::string& dir, const audit::PublicKey& key, const std::string& text) {
  std::unique_ptr<events::EventLog> log = open_read_only(dir);
  std::istringstream in(text);
  Result<HeadsReport> report = audit::check_heads(*log, key, in);
  INFO((report ? std::string() : report.error().message));
  REQUIRE(report.has_value());
  return *report;
}

TEST_CASE("heads collected from a log all pass against that log, the empty head included",
          "[audit][heads]") {
  TempDir dir;
  const SigningKey key = new_key();
  const std::vector<SignedHead> heads = write_log(dir.sub("log"), key, {1, 2, 3});
  REQUIRE(heads.size() == 5);
  CHECK(heads.front().head.position == Position{0});
  CHECK(heads.back().head.position == Position{4});
  const HeadsReport report = check(dir.sub("log"), key.public_key(), lines_of(heads));
  CHECK(report.passed());
  CHECK(report.lines == 5);
  CHECK(report.ok == 5);
  CHECK_FALSE(report.first_bad_line.has_value());
  CHECK(report.reason.empty());
  REQUIRE(report.latest.has_value());
  CHECK(*report.latest == heads.back());
}

TEST_CASE(
    "a log rewritten from position k on with a recomputed chain fails at the first head "
    "at or after k",
    "[audit][heads]") {
  TempDir dir;
  const SigningKey key = new_key();
  // The original log: positions 1 (define) .. 5; heads at 0 .. 5 on lines 1 .. 6.
  const std::vector<SignedHead> kept = write_log(dir.sub("original"), key, {1, 2, 3, 4});
  // The same log as rewritten by someone with write access from position 4 on: the
  // receipts at 4 and 5 changed, and every hash after them recomputed, so the chain
  // of the rewritten log verifies on its own.
  const std::vector<SignedHead> rewritten = write_log(dir.sub("rewritten"), key, {1, 2, 30, 40});
  REQUIRE(rewritten[3].head.hash == kept[3].head.hash);
  REQUIRE_FALSE(rewritten[4].head.hash == kept[4].head.hash);

  const HeadsReport report = check(dir.sub("rewritten"), key.public_key(), lines_of(kept));
  CHECK_FALSE(report.passed());
  CHECK(report.lines == 6);
  CHECK(report.ok == 4);  // positions 0 .. 3
  CHECK(report.first_bad_line == 5u);
  CHECK(report.reason == "the log's hash at position 4 is " +
                             events::to_hex(rewritten[4].head.hash) + ", the head says " +
                             events::to_hex(kept[4].head.hash));
  REQUIRE(report.latest.has_value());
  CHECK(report.latest->head.position == Position{3});
}

TEST_CASE("a head beyond the log's head fails: the log does not reach it", "[audit][heads]") {
  TempDir dir;
  const SigningKey key = new_key();
  const std::vector<SignedHead> longer = write_log(dir.sub("long"), key, {1, 2, 3});
  write_log(dir.sub("short"), key, {1});  // a log cut back to position 2
  const HeadsReport report = check(dir.sub("short"), key.public_key(), lines_of(longer));
  CHECK(report.ok == 3);
  CHECK(report.first_bad_line == 4u);
  CHECK(report.reason == "the log does not reach position 3 (head 2)");
}

TEST_CASE(
    "a bad signature, another key and a malformed line fail with their line numbers, "
    "and the lines after them are still checked",
    "[audit][heads]") {
  TempDir dir;
  const SigningKey key = new_key();
  const std::vector<SignedHead> heads = write_log(dir.sub("log"), key, {1, 2});
  const std::string good = lines_of(heads);  // 4 lines

  SECTION("a changed position: the signature no longer matches") {
    SignedHead forged = heads[2];
    forged.head = heads[3].head;  // a true head of the log, but not what was signed
    const HeadsReport report =
        check(dir.sub("log"), key.public_key(), good + audit::head_json(forged) + "\n");
    CHECK(report.lines == 5);
    CHECK(report.ok == 4);
    CHECK(report.first_bad_line == 5u);
    CHECK_THAT(report.reason, Catch::Contains("signature does not match"));
  }
  SECTION("signed with another key than the auditor's") {
    const SigningKey other = new_key();
    const std::string text =
        audit::head_json(audit::sign_head(other, 0, heads[1].head, kClock)) + "\n" + good;
    const HeadsReport report = check(dir.sub("log"), key.public_key(), text);
    CHECK(report.ok == 4);
    CHECK(report.first_bad_line == 1u);
    CHECK_THAT(report.reason, Catch::Contains("signed by key " + other.public_key().key_id()));
  }
  SECTION("the right key, checked against another public key") {
    const HeadsReport report = check(dir.sub("log"), new_key().public_key(), good);
    CHECK(report.ok == 0);
    CHECK(report.first_bad_line == 1u);
    CHECK_THAT(report.reason, Catch::Contains("not by the given key"));
  }
  SECTION("a malformed line, then a cut one") {
    const std::string cut = audit::head_json(heads[1]).substr(0, 40);
    const HeadsReport report =
        check(dir.sub("log"), key.public_key(), good + "not json\n" + cut + "\n");
    CHECK(report.lines == 6);
    CHECK(report.ok == 4);
    CHECK(report.first_bad_line == 5u);
    CHECK_THAT(report.reason, Catch::Contains("not JSON"));
  }
  SECTION("a head of another partition") {
    SignedHead other = audit::sign_head(key, 1, heads[1].head, kClock);
    const HeadsReport report =
        check(dir.sub("log"), key.public_key(), audit::head_json(other) + "\n" + good);
    CHECK(report.first_bad_line == 1u);
    CHECK(report.reason == "a head of partition 1, not of partition 0");
  }
  SECTION("a line longer than 64 KiB") {
    const HeadsReport report =
        check(dir.sub("log"), key.public_key(), std::string(200'000, 'x') + "\n" + good);
    CHECK(report.lines == 5);
    CHECK(report.ok == 4);
    CHECK(report.first_bad_line == 1u);
    CHECK_THAT(report.reason, Catch::Contains("longer than 65536 bytes"));
  }
}

TEST_CASE(
    "blank lines, CRLF endings and a missing last newline are read as a person wrote "
    "them",
    "[audit][heads]") {
  TempDir dir;
  const SigningKey key = new_key();
  const std::vector<SignedHead> heads = write_log(dir.sub("log"), key, {1});
  const std::string text = "\n" + audit::head_json(heads[0]) + "\r\n  \n" +
                           audit::head_json(heads[1]) + "\r\n" + audit::head_json(heads[2]);
  const HeadsReport report = check(dir.sub("log"), key.public_key(), text);
  CHECK(report.passed());
  CHECK(report.lines == 3);

  // The line numbers count the blank lines.
  const HeadsReport bad = check(dir.sub("log"), key.public_key(), "\n\nnope\r\n");
  CHECK(bad.first_bad_line == 3u);
}

TEST_CASE("an empty heads file checks nothing and does not pass", "[audit][heads]") {
  TempDir dir;
  const SigningKey key = new_key();
  write_log(dir.sub("log"), key, {});
  const HeadsReport report = check(dir.sub("log"), key.public_key(), "");
  CHECK(report.lines == 0);
  CHECK_FALSE(report.passed());
  CHECK_FALSE(report.latest.has_value());
}

}  // namespace
}  // namespace stockroom::testing

// The hash chain: its definition recomputed independently, verify over the whole log
// and sub-ranges, and what verify reports when the store is changed behind the log.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "events/event_log.h"
#include "events/sha256.h"
#include "events/support/log_helpers.h"
#include "events/support/raw_store.h"
#include "support/temp_dir.h"

namespace stockroom::events {
namespace {

using stockroom::testing::TempDir;
using testing::Appended;
using testing::bytes;
using testing::commit_events;
using testing::open_log;
using testing::RawStore;

// Eight events over three streams, in two batches.
void fill(EventLog& log) {
  commit_events(log, {{"cart-1", 1, 1, "cart opened"},
                      {"product-a", 1, 2, "stock received"},
                      {"cart-1", 2, 3, "item added"}});
  commit_events(log, {{"product-a", 2, 4, "stock reserved"},
                      {"order-9", 1, 5, "order placed"},
                      {"cart-1", 3, 5, "cart checked out"},
                      {"order-9", 2, 6, "order paid"},
                      {std::string("product-a"), 3, 7, std::string("bin\0ary\xff", 8)}});
}

TEST_CASE("hashes are shown as lowercase hex", "[log]") {
  CHECK(to_hex(Hash{}) == std::string(64, '0'));
  CHECK(to_hex(sha256(bytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("each chain hash is SHA-256 of the previous hash followed by the stored record",
          "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  fill(*log);
  Hash previous{};  // hash_0: 32 zero bytes
  const auto events = log->read_range(Position{1}, Position{8}, 100).value();
  REQUIRE(events.size() == 8);
  for (const StoredEvent& event : events) {
    // Built by hand, not with chain_hash: the definition an auditor would apply.
    std::string input(reinterpret_cast<const char*>(previous.data()), previous.size());
    input += event.record;
    const Hash expected = sha256(bytes(input));
    CHECK(event.hash == expected);
    previous = expected;
  }
  CHECK(log->head().hash == previous);
}

TEST_CASE("the worked example of docs/storage.md gives the documented hashes", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  commit_events(*log, {{"s", 1, 0, "abc"}, {"s", 2, 0, "de"}});
  CHECK(to_hex(log->read(Position{1}).value()->hash) ==
        "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370");
  CHECK(to_hex(log->head().hash) ==
        "b8d78c5f0deec8adcfff3ed5c5f7ed5e07597b5ceca531346c92e3d4793547a9");
}

TEST_CASE("append returns the chain hash that the log stores", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  auto batch = log->begin_batch();
  const Hash first =
      batch->append(Position{1}, "s", StreamVersion{1}, Timestamp{0}, bytes("one")).value();
  const Hash second =
      batch->append(Position{2}, "s", StreamVersion{2}, Timestamp{0}, bytes("two")).value();
  REQUIRE(log->commit(*batch).has_value());
  CHECK(first == chain_hash(Hash{}, bytes("one")));
  CHECK(log->read(Position{1}).value()->hash == first);
  CHECK(log->head().hash == second);
}

TEST_CASE("verify passes over the whole log and over a sub-range", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  fill(*log);
  const VerifyReport all = log->verify(Position{1}, Position{1000}).value();
  CHECK(all.ok);
  CHECK(all.checked == 8);
  CHECK(all.head.position == Position{8});
  CHECK(all.head.hash == log->head().hash);
  CHECK_FALSE(all.first_bad.has_value());

  const VerifyReport middle = log->verify(Position{3}, Position{6}).value();
  CHECK(middle.ok);
  CHECK(middle.checked == 4);
  CHECK(middle.head.position == Position{8});
  CHECK(log->verify(Position{9}, Position{20}).value().checked == 0);
}

TEST_CASE("verify names a record changed in the store as the first bad position", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.path());
    fill(*log);
  }
  {
    RawStore raw(dir.path());
    raw.put("log", testing::be64(3), "item added (forged)");
  }
  auto log = open_log(dir.path());
  const VerifyReport report = log->verify(Position{1}, Position{8}).value();
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad == Position{3});
  CHECK(report.checked == 2);
  CHECK(report.reason.find("hash") != std::string::npos);
  CHECK(log->verify(Position{1}, Position{2}).value().ok);
  // A range after the change starts from the stored hash of its predecessor.
  CHECK(log->verify(Position{4}, Position{8}).value().ok);
}

TEST_CASE("verify names a position whose stream index entry is gone", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.path());
    fill(*log);
  }
  {
    RawStore raw(dir.path());
    REQUIRE(raw.get("streams", testing::stream_key("order-9", 1)) == testing::be64(5));
    raw.remove("streams", testing::stream_key("order-9", 1));
  }
  auto log = open_log(dir.path());
  const VerifyReport report = log->verify(Position{1}, Position{8}).value();
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad == Position{5});
  CHECK(report.reason.find("stream index") != std::string::npos);
}

TEST_CASE("verify names a position missing from the log", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.path());
    fill(*log);
  }
  {
    RawStore raw(dir.path());
    raw.remove("log", testing::be64(6));
  }
  auto log = open_log(dir.path());
  const VerifyReport report = log->verify(Position{1}, Position{8}).value();
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad == Position{6});
  CHECK(report.reason.find("missing") != std::string::npos);
}

TEST_CASE("verify names the head when its hash is not the chain's", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.path());
    fill(*log);
  }
  {
    RawStore raw(dir.path());
    raw.put("default", "head", testing::be64(8) + std::string(32, '\x01'));
  }
  auto log = open_log(dir.path());
  const VerifyReport report = log->verify(Position{1}, Position{8}).value();
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad == Position{8});
  CHECK(report.checked == 8);
}

TEST_CASE("a log whose head and last position disagree does not open", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.path());
    fill(*log);
  }
  {
    RawStore raw(dir.path());
    raw.remove("log", testing::be64(8));
  }
  Result<std::unique_ptr<EventLog>> log = EventLog::open(dir.path(), {});
  REQUIRE_FALSE(log.has_value());
  CHECK(log.error().code == ErrorCode::kInvalidState);
}

}  // namespace
}  // namespace stockroom::events

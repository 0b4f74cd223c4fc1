// What `stockroom verify` checks (engine/audit.h), on real RocksDB directories filled by
// the engine and then changed behind its back with the plain RocksDB API, as a broken
// tool or an attacker could: each kind of damage is found, at the right position.
#include "engine/audit.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "engine/engine.h"
#include "engine/offline.h"
#include "engine/support/commands.h"
#include "engine/support/workload.h"
#include "events/record_codec.h"
#include "events/sha256.h"
#include "events/support/raw_store.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using events::testing::be64;
using events::testing::RawStore;

// A closed data directory with a few hundred events of every kind, ratings included.
void fill(const std::string& dir, int steps = 400) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  o.expiry_interval = Duration{3600LL * 1'000'000};
  auto e = engine::Engine::open(o);
  REQUIRE(e.has_value());
  stock_products(**e, 50);
  for (int t = 0; t < 3; ++t) Shopper(**e, t, 7).run(steps);
}

engine::AuditReport audit(const std::string& dir, bool quick = false) {
  auto log = engine::open_offline(dir);
  REQUIRE(log.has_value());
  engine::AuditOptions options;
  options.quick = quick;
  auto report = engine::audit_log(**log, options);
  REQUIRE(report.has_value());
  return *report;
}

events::Head head_of(const std::string& dir) {
  auto log = engine::open_offline(dir);
  REQUIRE(log.has_value());
  return (*log)->head();
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("verify passes every check on a log the engine wrote and names its head",
          "[engine][audit]") {
  TempDir dir;
  fill(dir.str());
  const engine::AuditReport report = audit(dir.str());
  CHECK(report.ok);
  CHECK(report.head.position == head_of(dir.str()).position);
  CHECK(report.events == report.head.position.value);
  CHECK(report.head.position.value > 500);
  CHECK(report.checks == std::vector<std::string>{"chain", "table files", "indexes",
                                                  "command records", "commands recorded",
                                                  "view checkpoints", "views", "snapshots"});
  const engine::AuditReport quick = audit(dir.str(), true);
  CHECK(quick.ok);
  CHECK(quick.checks == std::vector<std::string>{"chain"});
}

TEST_CASE("one byte of one stored event changed is found at that position", "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 100);
  const uint64_t p = head_of(dir.str()).position.value / 2;
  {
    RawStore raw(dir.str());
    std::string record = raw.get("log", be64(p)).value();
    record[record.size() / 2] ^= 0x01;
    raw.put("log", be64(p), record);
  }
  const engine::AuditReport report = audit(dir.str(), true);
  CHECK_FALSE(report.ok);
  CHECK(report.failed_check == "chain");
  CHECK(report.first_bad == Position{p});
}

TEST_CASE("a deleted event is found at its position", "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 100);
  const uint64_t p = 17;
  {
    RawStore raw(dir.str());
    raw.remove("log", be64(p));
    raw.remove("chain", be64(p));
  }
  const engine::AuditReport report = audit(dir.str());
  CHECK_FALSE(report.ok);
  CHECK(report.failed_check == "chain");
  CHECK(report.first_bad == Position{p});
  CHECK_THAT(report.reason, Catch::Contains("missing"));
}

TEST_CASE("a changed view value is found, naming the view, the key and its position",
          "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 100);
  std::string key;
  std::string value;
  {
    auto log = engine::open_offline(dir.str());
    REQUIRE(log.has_value());
    // Generation 1 of the stock view: 4-byte generation, then the sku.
    auto rows =
        (*log)->scan("view-stock", std::string("\0\0\0\1", 4), std::string("\0\0\0\2", 4), 1);
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 1);
    key = rows->front().first;
    value = rows->front().second;
  }
  const auto at = value.find("\"on_hand\":");
  REQUIRE(at != std::string::npos);
  value.insert(at + 10, "1");  // ten times the units (or more)
  {
    RawStore raw(dir.str());
    raw.put("view-stock", key, value);
  }
  const engine::AuditReport report = audit(dir.str());
  CHECK_FALSE(report.ok);
  CHECK(report.failed_check == "views");
  CHECK_THAT(report.reason, Catch::Contains("view stock key " + key.substr(4)));
  REQUIRE(report.first_bad.has_value());
  const auto pos = value.rfind("\"position\":");
  CHECK(report.first_bad->value == std::stoull(value.substr(pos + 11)));
  CHECK(audit(dir.str(), true).ok);  // the chain itself is intact
}

TEST_CASE(
    "a chain rewritten from position k on with correct hashes passes the chain check "
    "but not a receipt kept before",
    "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 100);
  const events::Head before = head_of(dir.str());
  const uint64_t k = before.position.value / 3;
  const uint64_t kept = k + 5;  // a receipt kept after position k was written
  events::Hash receipt{};
  {
    auto log = engine::open_offline(dir.str());
    REQUIRE(log.has_value());
    receipt = (*log)->read(Position{kept}).value()->hash;
  }
  events::Hash forged_head{};
  {
    // The forger changes event k's actor and recomputes every hash from there on.
    RawStore raw(dir.str());
    events::Hash previous = events::Hash{};
    std::string prev_chain = raw.get("chain", be64(k - 1)).value();
    std::copy_n(prev_chain.begin(), 32, previous.begin());
    for (uint64_t p = k; p <= before.position.value; ++p) {
      std::string record = raw.get("log", be64(p)).value();
      if (p == k) {
        auto event = events::decode_event(bytes(record));
        REQUIRE(event.has_value());
        event->actor.id = ActorId("someone-else");
        events::encode_event(*event, record);
        raw.put("log", be64(p), record);
      }
      previous = events::chain_hash(previous, bytes(record));
      std::string chain = raw.get("chain", be64(p)).value();
      std::copy(previous.begin(), previous.end(), chain.begin());
      raw.put("chain", be64(p), chain);
    }
    raw.put("default", "head",
            be64(before.position.value) + std::string(previous.begin(), previous.end()));
    forged_head = previous;
  }
  // The head a clean stop recorded (docs/storage.md, "Corruption on open") is a plain
  // file beside the store, a check against damage, not against a forger, who rewrites it.
  std::ofstream(dir.sub("CLEAN_STOP"))
      << before.position.value << ' ' << events::to_hex(forged_head) << '\n';
  CHECK(audit(dir.str(), true).ok);  // a recomputed chain is self-consistent
  auto log = engine::open_offline(dir.str());
  REQUIRE(log.has_value());
  auto wrong = engine::check_receipt(**log, Position{kept}, receipt);
  REQUIRE(wrong.has_value());
  CHECK_THAT(*wrong, Catch::Contains("rewritten at or before"));
  auto earlier =
      engine::check_receipt(**log, Position{k - 1}, (*log)->read(Position{k - 1}).value()->hash);
  REQUIRE(earlier.has_value());
  CHECK(earlier->empty());  // before the rewrite nothing changed
  auto past = engine::check_receipt(**log, Position{before.position.value + 10}, receipt);
  REQUIRE(past.has_value());
  CHECK_THAT(*past, Catch::Contains("ends at position"));
}

TEST_CASE("a stray or missing index entry is found", "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 100);
  SECTION("a stream index entry that points at another stream's event") {
    {
      RawStore raw(dir.str());
      raw.put("streams", events::testing::stream_key("cart-nobody", 1), be64(3));
    }
    const engine::AuditReport report = audit(dir.str());
    CHECK(report.failed_check == "indexes");
    CHECK(report.first_bad == Position{3});
  }
  SECTION("an event without its time index entry") {
    // Keys are time ^ 2^63 then position (docs/storage.md): drop position 9's.
    auto log = engine::open_offline(dir.str());
    REQUIRE(log.has_value());
    auto event = events::decode_event(bytes((*log)->read(Position{9}).value()->record));
    REQUIRE(event.has_value());
    log->reset();
    {
      RawStore raw(dir.str());
      raw.remove("time", be64(static_cast<uint64_t>(event->time.micros) ^ (1ULL << 63)) + be64(9));
    }
    const engine::AuditReport report = audit(dir.str());
    CHECK(report.failed_check == "indexes");
    CHECK(report.first_bad == Position{9});
  }
}

TEST_CASE("idempotency records that do not match the log are found", "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 100);
  SECTION("a record missing for a recent command") {
    {
      RawStore raw(dir.str());
      raw.remove("commands", "def-3");
    }
    const engine::AuditReport report = audit(dir.str());
    CHECK(report.failed_check == "commands recorded");
    CHECK_THAT(report.reason, Catch::Contains("def-3"));
  }
  SECTION("a record of another command's events") {
    {
      RawStore raw(dir.str());
      raw.put("commands", "def-3", raw.get("commands", "def-4").value());
    }
    const engine::AuditReport report = audit(dir.str());
    CHECK(report.failed_check == "command records");
    CHECK_THAT(report.reason, Catch::Contains("def-3"));
  }
  SECTION("records older than the retention may be gone") {
    {
      RawStore raw(dir.str());
      raw.remove("commands", "def-3");
    }
    auto log = engine::open_offline(dir.str());
    REQUIRE(log.has_value());
    engine::AuditOptions options;
    options.clock = [] { return Timestamp{INT64_MAX / 2}; };  // far in the future
    auto report = engine::audit_log(**log, options);
    REQUIRE(report.has_value());
    CHECK(report->ok);
  }
}

TEST_CASE("a view checkpoint behind the head is found", "[engine][audit]") {
  TempDir dir;
  fill(dir.str(), 50);
  const uint64_t head = head_of(dir.str()).position.value;
  {
    RawStore raw(dir.str());
    raw.put("view-cart", std::string("\xff\xff\xff\xff", 4) + "checkpoint", be64(head - 2));
  }
  const engine::AuditReport report = audit(dir.str());
  CHECK(report.failed_check == "view checkpoints");
  CHECK(report.first_bad == Position{head - 1});
}

TEST_CASE("offline opening says what is wrong with the directory", "[engine][audit]") {
  TempDir dir;
  auto error_of = [](const std::string& path) {
    auto log = engine::open_offline(path);
    REQUIRE_FALSE(log.has_value());
    CHECK((log.error().code == ErrorCode::kNotFound ||
           log.error().code == ErrorCode::kInvalidArgument));
    return log.error().message;
  };
  CHECK_THAT(error_of(dir.sub("missing")), Catch::Contains("does not exist"));
  std::filesystem::create_directory_symlink(dir.sub("gone"), dir.sub("link"));
  CHECK_THAT(error_of(dir.sub("link")), Catch::Contains("symbolic link"));
  std::ofstream(dir.sub("file")) << "x";
  CHECK_THAT(error_of(dir.sub("file")), Catch::Contains("not a directory"));
  std::filesystem::create_directory(dir.sub("empty"));
  CHECK_THAT(error_of(dir.sub("empty")), Catch::Contains("not a Stockroom data directory"));
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.sub("other"), &db).ok());
    delete db;
  }
  CHECK_THAT(error_of(dir.sub("other")), Catch::Contains("not a Stockroom data directory"));
  CHECK_FALSE(std::filesystem::exists(dir.sub("missing")));  // nothing was created
}

}  // namespace stockroom::testing

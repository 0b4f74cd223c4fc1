// The event log's order and indexes: positions and versions without gaps, atomic
// batches, reads by position, stream, range and time, command records, keyspaces.
#include "events/event_log.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "events/support/log_helpers.h"
#include "support/temp_dir.h"

namespace stockroom::events {
namespace {

using stockroom::testing::TempDir;
using testing::Appended;
using testing::bytes;
using testing::commit_events;
using testing::open_log;

constexpr Hash kZeroHash{};

std::vector<uint64_t> positions_of(const std::vector<StoredEvent>& events) {
  std::vector<uint64_t> positions;
  for (const StoredEvent& event : events) positions.push_back(event.position.value);
  return positions;
}

std::vector<std::string> records_of(const std::vector<StoredEvent>& events) {
  std::vector<std::string> records;
  for (const StoredEvent& event : events) records.push_back(event.record);
  return records;
}

uint64_t version_of(EventLog& log, std::string_view stream) {
  Result<StreamVersion> version = log.stream_version(stream);
  REQUIRE(version.has_value());
  return version->value;
}

TEST_CASE("an empty log has head 0 and the zero hash", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  CHECK(log->head().position == Position{0});
  CHECK(log->head().hash == kZeroHash);
  CHECK_FALSE(log->read(Position{1}).value().has_value());
  CHECK(version_of(*log, "cart-1") == 0);
  CHECK(log->read_range(Position{1}, Position{100}, 10).value().empty());
}

TEST_CASE("a batch across several streams is visible entirely after commit and not before",
          "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  auto batch = testing::batch_of(*log, {{"cart-1", 1, 10, "opened"},
                                        {"product-a", 1, 10, "reserved"},
                                        {"cart-1", 2, 10, "checked-out"}});
  CHECK(batch->event_count() == 3);
  CHECK(log->head().position == Position{0});
  CHECK(version_of(*log, "cart-1") == 0);
  CHECK(version_of(*log, "product-a") == 0);
  CHECK_FALSE(log->read(Position{1}).value().has_value());

  REQUIRE(log->commit(*batch).has_value());
  CHECK(log->head().position == Position{3});
  CHECK(version_of(*log, "cart-1") == 2);
  CHECK(version_of(*log, "product-a") == 1);
  CHECK(records_of(log->read_range(Position{1}, Position{3}, 10).value()) ==
        std::vector<std::string>{"opened", "reserved", "checked-out"});
  CHECK(log->read(Position{3}).value()->hash == log->head().hash);
}

TEST_CASE("an append at a position that is not next is refused and the batch cannot commit",
          "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  auto batch = log->begin_batch();
  REQUIRE(batch->append(Position{1}, "cart-1", StreamVersion{1}, Timestamp{1}, bytes("a")));
  Result<Hash> gap =
      batch->append(Position{3}, "cart-1", StreamVersion{2}, Timestamp{1}, bytes("b"));
  REQUIRE_FALSE(gap.has_value());
  CHECK(gap.error().code == ErrorCode::kConflict);

  Status committed = log->commit(*batch);
  REQUIRE_FALSE(committed.has_value());
  CHECK(committed.error().code == ErrorCode::kConflict);
  CHECK(log->head().position == Position{0});
  CHECK(version_of(*log, "cart-1") == 0);

  commit_events(*log, {{"cart-1", 1, 1, "a"}});
  CHECK(log->head().position == Position{1});
}

TEST_CASE("an append at a stream version that is not next is refused", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  commit_events(*log, {{"order-1", 1, 1, "placed"}});

  SECTION("against the stored version") {
    auto batch = log->begin_batch();
    Result<Hash> stale =
        batch->append(Position{2}, "order-1", StreamVersion{1}, Timestamp{2}, bytes("paid"));
    REQUIRE_FALSE(stale.has_value());
    CHECK(stale.error().code == ErrorCode::kConflict);
    CHECK(log->commit(*batch).error().code == ErrorCode::kConflict);
  }
  SECTION("against a version appended earlier in the same batch") {
    auto batch = log->begin_batch();
    REQUIRE(batch->append(Position{2}, "order-1", StreamVersion{2}, Timestamp{2}, bytes("paid")));
    Result<Hash> skip =
        batch->append(Position{3}, "order-1", StreamVersion{4}, Timestamp{2}, bytes("shipped"));
    REQUIRE_FALSE(skip.has_value());
    CHECK(skip.error().code == ErrorCode::kConflict);
    CHECK(log->commit(*batch).error().code == ErrorCode::kConflict);
  }
  CHECK(log->head().position == Position{1});
  CHECK(version_of(*log, "order-1") == 1);
}

TEST_CASE("a caller-vouched append trusts its first version of a stream, not the ones after",
          "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  commit_events(*log, {{"order-1", 1, 1, "placed"}});
  constexpr auto kCaller = LogBatch::VersionCheck::kCaller;
  auto batch = log->begin_batch();
  // The writer's states say order-1 is at 1: its version 2 is taken without a seek.
  REQUIRE(batch->append(Position{2}, "order-1", StreamVersion{2}, Timestamp{2}, bytes("paid"),
                        kCaller));
  Result<Hash> skip = batch->append(Position{3}, "order-1", StreamVersion{4}, Timestamp{2},
                                    bytes("shipped"), kCaller);
  REQUIRE_FALSE(skip.has_value());
  CHECK(skip.error().code == ErrorCode::kConflict);
  auto bad = log->begin_batch();
  CHECK(bad->append(Position{2}, "order:1", StreamVersion{2}, Timestamp{2}, bytes("x"), kCaller)
            .error()
            .code == ErrorCode::kInvalidArgument);
  auto good = log->begin_batch();
  REQUIRE(
      good->append(Position{2}, "order-1", StreamVersion{2}, Timestamp{2}, bytes("paid"), kCaller));
  REQUIRE(log->commit(*good).has_value());
  CHECK(version_of(*log, "order-1") == 2);
}

TEST_CASE("a stream name outside [A-Za-z0-9_-] is refused", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  auto batch = log->begin_batch();
  Result<Hash> bad = batch->append(Position{1}, std::string_view("a\0b", 3), StreamVersion{1},
                                   Timestamp{1}, bytes("x"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
  CHECK(log->stream_version("cart:1").error().code == ErrorCode::kInvalidArgument);
  CHECK(log->stream_version("").error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("positions and stream versions have no gaps after many batches", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{.durability = Durability::kNone});
  const std::vector<std::string> streams = {"a", "a-b", "ab", "b", "cart-7"};
  std::map<std::string, uint64_t> versions;
  uint64_t n = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<Appended> events;
    for (int i = 0; i <= round % 4; ++i) {
      const std::string& stream = streams[(round * 3 + i) % streams.size()];
      events.push_back({stream, ++versions[stream], round, "e" + std::to_string(++n)});
    }
    commit_events(*log, events);
  }
  REQUIRE(log->head().position == Position{n});
  // From table files (with their Bloom filters) rather than the memtables.
  REQUIRE(log->compact().has_value());
  const auto all = log->read_range(Position{1}, Position{n}, n).value();
  REQUIRE(all.size() == n);
  for (uint64_t p = 1; p <= n; ++p) CHECK(all[p - 1].position == Position{p});
  for (const auto& [stream, last] : versions) {
    CHECK(version_of(*log, stream) == last);
    const auto events = log->read_stream(stream, StreamVersion{1}, 1000).value();
    REQUIRE(events.size() == last);
    for (size_t i = 1; i < events.size(); ++i) CHECK(events[i - 1].position < events[i].position);
  }
  CHECK(log->verify(Position{1}, Position{n}).value().ok);
}

TEST_CASE("read_stream starts at a version and stops at the limit", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  std::vector<Appended> events;
  for (uint64_t v = 1; v <= 10; ++v) {
    events.push_back({"order-1", v, 0, "order-1 v" + std::to_string(v)});
    events.push_back({"order-10", v, 0, "order-10 v" + std::to_string(v)});
  }
  commit_events(*log, events);

  CHECK(records_of(log->read_stream("order-1", StreamVersion{4}, 3).value()) ==
        std::vector<std::string>{"order-1 v4", "order-1 v5", "order-1 v6"});
  CHECK(log->read_stream("order-1", StreamVersion{9}, 100).value().size() == 2);
  CHECK(log->read_stream("order-1", StreamVersion{0}, 100).value().size() == 10);
  CHECK(log->read_stream("order-1", StreamVersion{11}, 100).value().empty());
  CHECK(log->read_stream("order-1", StreamVersion{1}, 0).value().empty());
  CHECK(log->read_stream("order", StreamVersion{1}, 100).value().empty());
  const auto tail = log->read_stream("order-10", StreamVersion{10}, 5).value();
  REQUIRE(tail.size() == 1);
  CHECK(tail[0].position == Position{20});
  CHECK(tail[0].hash == log->head().hash);
}

TEST_CASE("read_range returns positions from..to, at most limit, clamped to the head", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  std::vector<Appended> events;
  for (uint64_t v = 1; v <= 8; ++v) events.push_back({"s", v, 0, "r" + std::to_string(v)});
  commit_events(*log, events);

  CHECK(positions_of(log->read_range(Position{3}, Position{7}, 100).value()) ==
        std::vector<uint64_t>{3, 4, 5, 6, 7});
  CHECK(positions_of(log->read_range(Position{3}, Position{7}, 2).value()) ==
        std::vector<uint64_t>{3, 4});
  CHECK(positions_of(log->read_range(Position{7}, Position{1000}, 100).value()) ==
        std::vector<uint64_t>{7, 8});
  CHECK(positions_of(log->read_range(Position{0}, Position{2}, 100).value()) ==
        std::vector<uint64_t>{1, 2});
  CHECK(log->read_range(Position{5}, Position{4}, 100).value().empty());
  const std::vector<StoredEvent> all = log->read_range(Position{1}, Position{8}, 100).value();
  for (const StoredEvent& event : all) {
    CHECK(event.hash == log->read(event.position).value()->hash);
    CHECK(event.record == "r" + std::to_string(event.position.value));
  }
}

TEST_CASE("positions_in_time returns the positions with from <= time < until", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  commit_events(*log, {{"s", 1, -100, "1"},
                       {"s", 2, 100, "2"},
                       {"s", 3, 200, "3"},
                       {"s", 4, 200, "4"},
                       {"s", 5, 300, "5"}});
  auto in = [&](int64_t from, int64_t until, size_t limit) {
    return log->positions_in_time(Timestamp{from}, Timestamp{until}, limit).value();
  };
  auto ps = [](std::initializer_list<uint64_t> values) {
    std::vector<Position> out;
    for (uint64_t v : values) out.push_back(Position{v});
    return out;
  };
  CHECK(in(100, 300, 100) == ps({2, 3, 4}));
  CHECK(in(-1000, 0, 100) == ps({1}));
  CHECK(in(200, 201, 100) == ps({3, 4}));
  CHECK(in(100, 300, 2) == ps({2, 3}));
  CHECK(in(301, 1000, 100).empty());
  CHECK(in(300, 300, 100).empty());
}

TEST_CASE("command records round-trip and a missing command id is absent", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  CommandRecord record{.recorded_at = Timestamp{-5}, .result = std::string("ok\0bytes", 8)};
  record.fingerprint.fill(0xAB);
  auto batch = log->begin_batch();
  batch->put_command(CommandId("cmd-1"), record);
  REQUIRE(log->commit(*batch).has_value());

  auto found = log->find_command(CommandId("cmd-1")).value();
  REQUIRE(found.has_value());
  CHECK(found->fingerprint == record.fingerprint);
  CHECK(found->recorded_at == record.recorded_at);
  CHECK(found->result == record.result);
  CHECK_FALSE(log->find_command(CommandId("cmd-2")).value().has_value());
  CHECK(log->head().position == Position{0});
}

TEST_CASE("keyspace writes commit with the events and scan in key order", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{.spaces = {"expiry", "views"}});
  auto batch = testing::batch_of(*log, {{"s", 1, 0, "e"}});
  batch->put("views", "b", "2");
  batch->put("views", "a", "1");
  batch->put("views", "c", "3");
  batch->put("expiry", "x", "y");
  CHECK_FALSE(log->get("views", "a").value().has_value());
  REQUIRE(log->commit(*batch).has_value());

  CHECK(log->get("views", "a").value() == std::optional<std::string>("1"));
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(log->scan("views", "a", "c", 10).value() == Pairs{{"a", "1"}, {"b", "2"}});
  CHECK(log->scan("views", "a", "z", 1).value() == Pairs{{"a", "1"}});

  auto removal = log->begin_batch();
  removal->remove("views", "a");
  REQUIRE(log->commit(*removal).has_value());
  CHECK_FALSE(log->get("views", "a").value().has_value());
  CHECK(log->get("nope", "a").error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("a write to an unknown keyspace refuses the whole batch", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{.spaces = {"views"}});
  auto batch = testing::batch_of(*log, {{"s", 1, 0, "e"}});
  batch->put("nope", "k", "v");
  CHECK(log->commit(*batch).error().code == ErrorCode::kInvalidArgument);
  CHECK(log->head().position == Position{0});
}

TEST_CASE("a space may not take the name of a log family", "[log]") {
  TempDir dir;
  for (const char* name : {"default", "log", "chain", "streams", "time", "commands", ""}) {
    Result<std::unique_ptr<EventLog>> log =
        EventLog::open(dir.path(), LogOptions{.spaces = {name}});
    REQUIRE_FALSE(log.has_value());
    CHECK(log.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("a batch commits once, and a batch begun before another commit is refused", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path());
  auto first = testing::batch_of(*log, {{"s", 1, 0, "1"}});
  REQUIRE(log->commit(*first).has_value());
  CHECK(log->commit(*first).error().code == ErrorCode::kInvalidState);

  auto early = testing::batch_of(*log, {{"s", 2, 0, "2"}});
  auto late = testing::batch_of(*log, {{"t", 1, 0, "2"}});
  REQUIRE(log->commit(*early).has_value());
  CHECK(log->commit(*late).error().code == ErrorCode::kConflict);
  CHECK(log->head().position == Position{2});
  CHECK(version_of(*log, "t") == 0);
}

TEST_CASE("reopening keeps the head, the hashes and the stream versions", "[log]") {
  TempDir dir;
  Head before;
  Hash second{};
  {
    auto log = open_log(dir.path());
    commit_events(*log, {{"s", 1, 0, "1"}, {"t", 1, 0, "2"}});
    commit_events(*log, {{"s", 2, 0, "3"}});
    before = log->head();
    second = log->read(Position{2}).value()->hash;
  }
  auto log = open_log(dir.path());
  CHECK(log->head().position == before.position);
  CHECK(log->head().hash == before.hash);
  CHECK(log->read(Position{2}).value()->hash == second);
  CHECK(version_of(*log, "s") == 2);
  commit_events(*log, {{"s", 3, 0, "4"}});
  CHECK(log->verify(Position{1}, Position{4}).value().ok);
}

TEST_CASE("a reader on another thread sees every event up to the head it reads", "[log]") {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{.durability = Durability::kNone});
  std::atomic<bool> done{false};
  std::atomic<int> misses{0};
  std::thread reader([&] {
    while (!done) {
      const Head head = log->head();
      if (head.position.value == 0) continue;
      auto event = log->read(head.position);
      if (!event || !*event || (*event)->hash != head.hash) ++misses;
    }
  });
  for (uint64_t v = 1; v <= 300; ++v) commit_events(*log, {{"s", v, 0, std::to_string(v)}});
  done = true;
  reader.join();
  CHECK(misses == 0);
}

}  // namespace
}  // namespace stockroom::events

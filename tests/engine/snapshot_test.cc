// Snapshots on real RocksDB directories: written every N events in the batch of the
// event that reaches N, loaded as snapshot + the events after it, equal to the full
// fold, ignored when they cannot be used, checked by verify, and used by as_of.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include "engine/audit.h"
#include "engine/engine.h"
#include "engine/internal/snapshot_codec.h"
#include "engine/internal/state_cache.h"
#include "engine/offline.h"
#include "engine/support/commands.h"
#include "engine/support/forged_snapshot.h"
#include "engine/support/workload.h"
#include "events/support/raw_store.h"
#include "projections/projection.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::internal::AnyState;
using engine::internal::decode_snapshot;
using engine::internal::empty_state_for;
using engine::internal::encode_snapshot;
using engine::internal::evolve_any;
using engine::internal::kSnapshotFormat;
using engine::internal::kSnapshotSpace;
using engine::internal::StateCache;
using engine::internal::version_of;

constexpr Timestamp kClock{1'800'000'000'000'000};

engine::EngineOptions options(const std::string& dir, uint64_t every, size_t cache = 8) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  o.cache_capacity = cache;  // small: states are loaded again and again
  o.snapshot_every = every;
  o.expiry_interval = Duration{3600LL * 1'000'000};
  o.clock = [] { return kClock; };  // same times, same records, in every run
  return o;
}

std::unique_ptr<engine::Engine> open(const engine::EngineOptions& o) {
  auto e = engine::Engine::open(o);
  INFO((e ? std::string() : e.error().message));
  REQUIRE(e.has_value());
  return std::move(*e);
}

// A closed data directory after a random store workload, two shoppers at once.
void fill(const std::string& dir, uint64_t every, int steps = 150) {
  auto e = open(options(dir, every));
  stock_products(*e, 40);
  std::thread other([&] { Shopper(*e, 1, 11).run(steps); });
  Shopper(*e, 0, 11).run(steps);
  other.join();
}

std::unique_ptr<events::EventLog> open_read_only(const std::string& dir) {
  auto log = engine::open_offline(dir);
  REQUIRE(log.has_value());
  return std::move(*log);
}

// Every stream of the log with its events in version order.
std::map<std::string, std::vector<engine::LoggedEvent>> streams_of(const events::EventLog& log) {
  const Position head = log.head().position;
  auto all = engine::read_decoded(log, Position{1}, head, head.value);
  REQUIRE(all.has_value());
  std::map<std::string, std::vector<engine::LoggedEvent>> streams;
  for (engine::LoggedEvent& e : *all) streams[e.event.stream].push_back(std::move(e));
  return streams;
}

AnyState full_fold(const std::string& stream, const std::vector<engine::LoggedEvent>& events) {
  AnyState state = empty_state_for(stream);
  for (const auto& e : events) evolve_any(state, e.event.data, e.event.time);
  return state;
}

std::optional<engine::internal::Snapshot> stored_snapshot(const events::EventLog& log,
                                                          const std::string& stream) {
  auto stored = log.get(kSnapshotSpace, stream);
  REQUIRE(stored.has_value());
  if (!*stored) return std::nullopt;
  auto snapshot = decode_snapshot(**stored, stream);
  REQUIRE(snapshot.has_value());
  return std::move(*snapshot);
}

}  // namespace

TEST_CASE(
    "after a random workload every state loaded from its snapshot and the events after it "
    "is the full fold, and each stream's snapshot is at its last multiple of N",
    "[engine][snapshot]") {
  TempDir dir;
  constexpr uint64_t kEvery = 3;
  fill(dir.str(), kEvery);
  auto log = open_read_only(dir.str());
  const auto streams = streams_of(*log);
  StateCache cold(*log, streams.size(), kEvery);
  uint64_t long_streams = 0;
  for (const auto& [stream, events] : streams) {
    INFO(stream << " with " << events.size() << " events");
    CHECK(cold.state_of(stream) == full_fold(stream, events));
    const auto snapshot = stored_snapshot(*log, stream);
    if (events.size() < kEvery) {
      CHECK_FALSE(snapshot.has_value());
      continue;
    }
    ++long_streams;
    REQUIRE(snapshot.has_value());
    const uint64_t at = events.size() / kEvery * kEvery;
    CHECK(version_of(snapshot->state).value == at);
    CHECK(snapshot->position == events[at - 1].event.position);
    CHECK(snapshot->hash == events[at - 1].hash);
  }
  CHECK_FALSE(cold.take_error().has_value());
  CHECK(long_streams >= 40);  // every product, and many carts and orders
  CHECK(cold.snapshot_loads() == long_streams);
  CHECK(cold.snapshots_ignored() == 0);

  auto report = engine::audit_log(*log, {});
  REQUIRE(report.has_value());
  CHECK(report->ok);
  CHECK(report->checks.back() == "snapshots");
}

TEST_CASE("with snapshot_every 0 no snapshot is written", "[engine][snapshot]") {
  TempDir dir;
  fill(dir.str(), 0, 60);
  auto log = open_read_only(dir.str());
  auto rows = log->scan(kSnapshotSpace, "", "\xff", 10);
  REQUIRE(rows.has_value());
  CHECK(rows->empty());
}

TEST_CASE("commands get the same results from snapshot-loaded states as from whole streams",
          "[engine][snapshot]") {
  TempDir dir;
  fill(dir.sub("with"), 3);
  std::filesystem::copy(dir.sub("with"), dir.sub("without"),
                        std::filesystem::copy_options::recursive);
  auto with = open(options(dir.sub("with"), 3, 4));
  auto without = open(options(dir.sub("without"), 0, 4));
  const Position before = with->head().position;
  REQUIRE(without->head().position == before);

  Shopper(*with, 5, 99).run(120);
  Shopper(*without, 5, 99).run(120);
  for (int i = 0; i < kProducts; ++i) {
    for (const Command& c : {Command(AdjustStock{Sku(sku_name(i)), Quantity{-39}, "probe"}),
                             Command(ReceiveStock{Sku(sku_name(i)), Quantity{1}, "probe"})}) {
      const std::string id = "probe-" + std::to_string(i) + "-" + std::to_string(c.index());
      const auto a = with->execute(envelope(id, staff(), c));
      const auto b = without->execute(envelope(id, staff(), c));
      INFO(id << ": " << (a ? "accepted" : a.error().message));
      CHECK(a == b);
    }
  }

  auto a = with->events_from(Position{before.value + 1}, 100'000);
  auto b = without->events_from(Position{before.value + 1}, 100'000);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  REQUIRE(a->size() == b->size());
  CHECK(a->size() > 100);
  for (size_t i = 0; i < a->size(); ++i) {
    INFO("position " << (*a)[i].event.position.value);
    CHECK((*a)[i].event == (*b)[i].event);
    CHECK((*a)[i].hash == (*b)[i].hash);
  }
  CHECK(with->stats().snapshot_loads > 0);  // the decisions did rest on snapshots
  CHECK(with->stats().snapshots_ignored == 0);
  CHECK(without->stats().snapshot_loads == 0);
}

TEST_CASE(
    "a snapshot of another format, a damaged one or one the log does not hold at its "
    "version is ignored, and the next multiple of N writes a good one",
    "[engine][snapshot]") {
  TempDir dir;
  const std::string stream = "product-A";
  {
    auto e = open(options(dir.str(), 4));
    REQUIRE(e->execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    for (int i = 0; i < 7; ++i) {
      REQUIRE(e->execute(
          envelope("rcv-" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
    }
  }
  engine::LoggedEvent at8;
  {
    auto log = open_read_only(dir.str());
    at8 = streams_of(*log).at(stream).at(7);
    REQUIRE(version_of(stored_snapshot(*log, stream)->state).value == 8);
  }
  // Each one claims 999 units on hand where the events give 7.
  ProductState forged{StreamVersion{8}, true, "A", eur(100), false, 999, 0};
  auto encoded = [&](const ProductState& state, Position position, const events::Hash& hash) {
    std::string bytes;
    encode_snapshot(stream, state, position, hash, bytes);
    return bytes;
  };
  events::Hash other_hash = at8.hash;
  other_hash[0] ^= 1;
  ProductState past_end = forged;
  past_end.version = StreamVersion{9};
  const std::string good = encoded(forged, at8.event.position, at8.hash);
  const std::vector<std::pair<const char*, std::string>> unusable = {
      {"an older format", forged_product_snapshot(stream, {.format = kSnapshotFormat - 1,
                                                           .version = 8,
                                                           .position = at8.event.position.value,
                                                           .hash = at8.hash,
                                                           .on_hand = 999})},
      {"a newer format", forged_product_snapshot(stream, {.format = kSnapshotFormat + 1,
                                                          .version = 8,
                                                          .position = at8.event.position.value,
                                                          .hash = at8.hash,
                                                          .on_hand = 999})},
      {"cut in half", good.substr(0, good.size() / 2)},
      {"junk", std::string(40, 'x')},
      {"another position at its version",
       encoded(forged, Position{at8.event.position.value + 1}, at8.hash)},
      {"another hash at its version", encoded(forged, at8.event.position, other_hash)},
      {"a version past the stream's end", encoded(past_end, at8.event.position, at8.hash)},
  };
  for (const auto& [what, bytes] : unusable) {
    SECTION(what) {
      {
        events::testing::RawStore raw(dir.str());
        raw.put(std::string(kSnapshotSpace), stream, bytes);
      }
      auto e = open(options(dir.str(), 4));
      auto r =
          e->execute(envelope("take-8", staff(), AdjustStock{Sku("A"), Quantity{-8}, "count"}));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::kOutOfStock);
      CHECK_THAT(r.error().message, Catch::Contains("available 7"));
      CHECK(e->stats().snapshots_ignored == 1);
      CHECK(e->stats().snapshot_loads == 0);
      for (int i = 0; i < 4; ++i) {
        REQUIRE(e->execute(envelope("more-" + std::to_string(i), staff(),
                                    ReceiveStock{Sku("A"), Quantity{1}, ""})));
      }
      e.reset();
      auto log = open_read_only(dir.str());
      const auto rewritten = stored_snapshot(*log, stream);
      REQUIRE(rewritten.has_value());
      CHECK(rewritten->state == full_fold(stream, streams_of(*log).at(stream)));
      CHECK(std::get<ProductState>(rewritten->state).on_hand == 11);
      auto report = engine::audit_log(*log, {});
      REQUIRE(report.has_value());
      CHECK(report->ok);
    }
  }
}

TEST_CASE(
    "a forged snapshot of the current format that names its event is used, and verify "
    "finds it, and as_of a position after it starts from it",
    "[engine][snapshot][audit]") {
  TempDir dir;
  const std::string stream = "product-A";
  {
    auto e = open(options(dir.str(), 4));
    REQUIRE(e->execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    for (int i = 0; i < 7; ++i) {
      REQUIRE(e->execute(
          envelope("rcv-" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
    }
  }
  engine::LoggedEvent at8;
  {
    auto log = open_read_only(dir.str());
    at8 = streams_of(*log).at(stream).at(7);
    auto report = engine::audit_log(*log, {});
    REQUIRE(report.has_value());
    CHECK(report->ok);
  }
  std::string forged;
  encode_snapshot(stream, ProductState{StreamVersion{8}, true, "A", eur(100), false, 999, 0},
                  at8.event.position, at8.hash, forged);
  {
    events::testing::RawStore raw(dir.str());
    raw.put(std::string(kSnapshotSpace), stream, forged);
  }
  {
    auto log = open_read_only(dir.str());
    auto report = engine::audit_log(*log, {});
    REQUIRE(report.has_value());
    CHECK_FALSE(report->ok);
    CHECK(report->failed_check == "snapshots");
    CHECK(report->first_bad == at8.event.position);
    CHECK_THAT(report->reason, Catch::Contains("snapshot of product-A at version 8 differs"));
    CHECK(engine::audit_log(*log, {.quick = true})->ok);  // the events themselves are intact

    // as_of a position at or after the snapshot reads it; by time, the events are folded.
    auto by_position = engine::fold_as_of(*log, stream, at8.event.position);
    REQUIRE(by_position.has_value());
    CHECK_THAT(*by_position, Catch::Contains("\"on_hand\":999"));
    auto by_time = engine::fold_as_of(*log, stream, at8.event.time);
    REQUIRE(by_time.has_value());
    CHECK_THAT(*by_time, Catch::Contains("\"on_hand\":7"));
  }
  {
    auto e = open(options(dir.str(), 4));
    auto r = e->execute(envelope("take-8", staff(), AdjustStock{Sku("A"), Quantity{-8}, "count"}));
    CHECK(r.has_value());  // decided on the forged 999 units
    CHECK(e->stats().snapshot_loads == 1);
  }
  {
    events::testing::RawStore raw(dir.str());
    raw.put(std::string(kSnapshotSpace), stream, forged.substr(0, forged.size() / 2));
  }
  auto log = open_read_only(dir.str());
  auto report = engine::audit_log(*log, {});
  REQUIRE(report.has_value());
  CHECK(report->failed_check == "snapshots");
  CHECK_THAT(report->reason, Catch::Contains("cannot be used"));
}

TEST_CASE("as_of a product's position from its snapshot equals the fold of its events",
          "[engine][snapshot]") {
  TempDir dir;
  fill(dir.str(), 3, 100);
  auto log = open_read_only(dir.str());
  const auto streams = streams_of(*log);
  int compared = 0;
  int with_snapshot = 0;
  for (int i = 0; i < kProducts; ++i) {
    const std::string stream = "product-" + sku_name(i);
    const auto& events = streams.at(stream);
    if (!stored_snapshot(*log, stream)) continue;
    ++with_snapshot;
    std::vector<RecordedEvent> prefix;
    for (const auto& e : events) {
      const Position p = e.event.position;
      for (const Position q : {Position{p.value - 1}, p}) {
        INFO(stream << " as of " << q.value);
        CHECK(engine::fold_as_of(*log, stream, q) == projections::fold_stream_view(stream, prefix));
        if (q == Position{p.value - 1}) prefix.push_back(e.event);
      }
      ++compared;
    }
  }
  CHECK(with_snapshot >= 10);
  CHECK(compared > 100);
}

TEST_CASE(
    "a snapshot is committed in the batch of the event that reaches it: a follower never "
    "sees one the log does not hold",
    "[engine][snapshot]") {
  TempDir dir;
  auto e = open(options(dir.str(), 2, 16));
  stock_products(*e, 40);
  events::LogOptions follow;
  follow.read_only = true;
  follow.follow = true;
  follow.follow_indexes = true;
  follow.spaces = {std::string(kSnapshotSpace)};
  auto follower = events::EventLog::open(dir.str(), follow);
  REQUIRE(follower.has_value());

  std::atomic<bool> done{false};
  std::vector<std::string> problems;  // Catch's macros are for the test's thread only
  uint64_t checked = 0;
  auto check_all = [&] {
    auto head = (*follower)->refresh();
    auto rows = (*follower)->scan(kSnapshotSpace, "", "\xff", 100'000);
    if (!head || !rows) return problems.push_back("a follower read failed");
    for (const auto& [stream, bytes] : *rows) {
      auto snapshot = decode_snapshot(bytes, stream);
      if (!snapshot) {
        problems.push_back(snapshot.error().message);
        continue;
      }
      const StreamVersion v = version_of(snapshot->state);
      auto at = (*follower)->read_stream(stream, v, 1);
      if (!at || at->empty() || at->front().position != snapshot->position ||
          at->front().hash != snapshot->hash || snapshot->position > head->position) {
        problems.push_back(stream + " has a snapshot at version " + std::to_string(v.value) +
                           " that the log does not hold");
      }
      ++checked;
    }
  };
  std::thread reader([&] {
    while (!done.load()) check_all();
  });
  std::thread other([&] { Shopper(*e, 1, 3).run(150); });
  Shopper(*e, 0, 3).run(150);
  other.join();
  done.store(true);
  reader.join();
  check_all();
  CHECK(problems.empty());
  if (!problems.empty()) FAIL_CHECK(problems.front());
  CHECK(checked > 100);
}

}  // namespace stockroom::testing

// Cluster mode's engine seam (EngineOptions::replicate) and the standby's Follower:
// every group's journal goes to the replicator before RocksDB; a follower applying
// those journals holds the same log, views and command records, so an engine opened
// on it carries on (duplicates answered); a refused replication writes nothing here.
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/follower.h"
#include "engine/support/commands.h"
#include "engine/support/view_dump.h"
#include "engine/support/workload.h"
#include "events/journal_batch.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

// What a partition's stream would hold: journals in order, sequence = index + 1.
struct Stream {
  std::mutex mu;
  std::vector<std::string> journals;
  bool refuse = false;
};

engine::EngineOptions replicating(const TempDir& dir, Stream& stream) {
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.durability = events::Durability::kNone;
  o.replicate = [&stream](std::string_view journal, events::LogBatch& local) -> Status {
    std::lock_guard lock(stream.mu);
    if (stream.refuse) return fail(ErrorCode::kUnavailable, "the stream refused the append");
    stream.journals.emplace_back(journal);
    local.put(events::kReplicationSpace, events::kAppliedSequenceKey,
              engine::encode_applied_sequence(stream.journals.size()));
    return {};
  };
  return o;
}

}  // namespace

TEST_CASE("replication: a follower applying the journals holds what the owner holds",
          "[engine][replication]") {
  TempDir owner_dir, standby_dir;
  Stream stream;
  ViewDump owner_views;
  events::Head owner_head;
  {
    auto owner = engine::Engine::open(replicating(owner_dir, stream));
    REQUIRE(owner.has_value());
    stock_products(**owner, 50);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] { Shopper(**owner, t).run(150); });
    }
    for (auto& t : threads) t.join();
    owner_views = dump(**owner);
    owner_head = (*owner)->head();
  }
  REQUIRE(owner_head.position.value > 200);
  {
    engine::EngineOptions o;
    o.data_dir = standby_dir.str();
    auto follower = engine::Follower::open(o);
    REQUIRE(follower.has_value());
    // An owner-change marker carries no operations: it only advances the sequence.
    const std::string marker = std::string("SRJ1");
    uint64_t sequence = 0;
    for (const std::string& journal : stream.journals) {
      REQUIRE((*follower)->apply(++sequence, journal).has_value());
    }
    REQUIRE((*follower)->apply(++sequence, marker).has_value());
    CHECK((*follower)->applied_sequence() == stream.journals.size() + 1);
    CHECK((*follower)->head().position == owner_head.position);
    CHECK((*follower)->head().hash == owner_head.hash);
    // A message applied twice, or a journal that does not follow the head: refused.
    CHECK((*follower)->apply(sequence, stream.journals.back()).error().code ==
          ErrorCode::kConflict);
    CHECK_FALSE((*follower)->apply(sequence + 1, stream.journals.front()).has_value());
    CHECK((*follower)->apply(sequence + 1, "junk").error().code == ErrorCode::kMalformed);
    CHECK((*follower)->apply(sequence + 1, std::string("SRJ1A\x01", 6)).error().code ==
          ErrorCode::kMalformed);
    CHECK((*follower)->head().position == owner_head.position);
  }
  // Takeover: an engine opens on the standby's directory and carries on.
  engine::EngineOptions o;
  o.data_dir = standby_dir.str();
  auto taken = engine::Engine::open(o);
  REQUIRE(taken.has_value());
  CHECK((*taken)->head().hash == owner_head.hash);
  CHECK(dump(**taken) == owner_views);
  auto report = (*taken)->verify(Position{1}, owner_head.position);
  REQUIRE(report.has_value());
  CHECK(report->ok);
  // The owner's command records came along: its first command resent is a duplicate.
  auto again =
      (*taken)->execute(envelope("def-0", staff(), DefineProduct{Sku(sku_name(0)), "P", eur(100)}));
  REQUIRE(again.has_value());
  CHECK(again->duplicate);
  auto more = (*taken)->execute(
      envelope("after", staff(), ReceiveStock{Sku(sku_name(1)), Quantity{1}, ""}));
  REQUIRE(more.has_value());
  CHECK(more->events.front().position.value == owner_head.position.value + 1);
}

TEST_CASE("replication: a refused append fails the group, writes nothing, turns read-only",
          "[engine][replication]") {
  TempDir dir;
  Stream stream;
  auto e = engine::Engine::open(replicating(dir, stream));
  REQUIRE(e.has_value());
  REQUIRE((*e)->execute(envelope("d", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
  const events::Head before = (*e)->head();
  {
    std::lock_guard lock(stream.mu);
    stream.refuse = true;
  }
  auto refused = (*e)->execute(envelope("r", staff(), ReceiveStock{Sku("A"), Quantity{2}, ""}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  CHECK((*e)->head().position == before.position);
  CHECK((*e)->read_only());
  CHECK(stream.journals.size() == 1);
  e->reset();
  // Reopened, the refused command left no trace: its resend is judged afresh.
  {
    std::lock_guard lock(stream.mu);
    stream.refuse = false;
  }
  auto reopened = engine::Engine::open(replicating(dir, stream));
  REQUIRE(reopened.has_value());
  auto resent =
      (*reopened)->execute(envelope("r", staff(), ReceiveStock{Sku("A"), Quantity{2}, ""}));
  REQUIRE(resent.has_value());
  CHECK_FALSE(resent->duplicate);
  CHECK(resent->events.front().position.value == before.position.value + 1);
}

}  // namespace stockroom::testing

// The pipelined group commit (docs/engine.md): the writer decides group k+1 while group
// k is inside its fsync, against the states, views and command ids that include k;
// nothing of k+1 is answered or written before k is durable; a failed fsync of k
// fails k+1 too, and k+1 leaves nothing in the log. The fsync of k is held open by a
// file system the test controls (real RocksDB on a real directory).
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/engine_over.h"
#include "events/support/faulty_file_system.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using namespace std::chrono_literals;
using Future = std::future<Result<engine::CommandResult>>;

// Waits (bounded) until `ready` holds.
template <typename F>
void eventually(F ready) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!ready()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(1ms);
  }
}

bool answered(Future& f) { return f.wait_for(0s) == std::future_status::ready; }

CommandEnvelope define(const std::string& id, const std::string& sku) {
  return envelope(id, staff(), DefineProduct{Sku(sku), sku, eur(100)});
}
CommandEnvelope receive(const std::string& id, const std::string& sku, int64_t n) {
  return envelope(id, staff(), ReceiveStock{Sku(sku), Quantity{n}, ""});
}

// An engine on a file system whose WAL syncs the test can hold and fail. A state
// cache of one entry: what the group in flight changed must survive the trim between
// groups (else the next group would reload it from a log that lacks it).
engine::EngineOptions held_engine(const TempDir& dir,
                                  const std::shared_ptr<events::testing::FaultyFileSystem>& fs) {
  engine::EngineOptions o = sync_engine_over(dir, fs);
  o.cache_capacity = 1;
  return o;
}

// Holds the next WAL sync and submits `k` (one command): returns once its group is
// inside the fsync.
Future start_group_k(engine::Engine& e, events::testing::FaultyFileSystem& fs, CommandEnvelope k) {
  fs.hold_wal_syncs(true);
  Future f = e.submit(std::move(k));
  eventually([&] { return fs.held_wal_syncs() == 1; });
  return f;
}

}  // namespace

TEST_CASE("group k+1 is decided against group k while k is made durable, and answered after it",
          "[engine][pipeline]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  auto opened = engine::Engine::open(held_engine(dir, fs));
  REQUIRE(opened.has_value());
  auto& e = **opened;
  REQUIRE(e.execute(define("def-A", "A")));

  // Group 1 defines B and stays inside its fsync.
  Future g1 = start_group_k(e, *fs, define("def-B", "B"));
  // Group 2 receives B, which only group 1 defines; the writer decides it, then waits
  // for group 1 before handing it on or answering it.
  Future g2 = e.submit(receive("recv-B", "B", 5));
  eventually([&] { return e.stats().groups_pipelined == 1; });
  // Queued meanwhile, so they make group 3 together: a resend of group 2's command,
  // another receipt of B (state and view of group 2), and one of A.
  std::vector<Future> g3;
  g3.push_back(e.submit(receive("recv-B", "B", 5)));
  g3.push_back(e.submit(receive("recv-B2", "B", 3)));
  g3.push_back(e.submit(receive("recv-A", "A", 2)));
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(answered(g1));
  CHECK_FALSE(answered(g2));  // not before group 1 is durable
  CHECK(e.head().position.value == 1);

  // Group 1 becomes durable; group 2 goes into its fsync (held) and group 3 is decided
  // against it.
  fs->pass_one_wal_sync();
  auto def_b = g1.get();
  REQUIRE(def_b.has_value());
  CHECK(def_b->position.value == 2);
  eventually([&] { return e.stats().groups_pipelined == 2 && fs->held_wal_syncs() == 1; });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(answered(g2));
  for (auto& f : g3) CHECK_FALSE(answered(f));

  fs->hold_wal_syncs(false);
  auto recv_b = g2.get();
  REQUIRE(recv_b.has_value());  // decided against group 1's state of B
  CHECK(recv_b->position.value == 3);
  auto again = g3[0].get();
  REQUIRE(again.has_value());  // group 2's command id, known before group 2 was durable
  CHECK(again->duplicate);
  CHECK(again->position.value == 3);
  auto recv_b2 = g3[1].get();
  REQUIRE(recv_b2.has_value());
  CHECK(recv_b2->position.value == 4);
  auto recv_a = g3[2].get();
  REQUIRE(recv_a.has_value());
  CHECK(recv_a->position.value == 5);

  CHECK(e.head().position.value == 5);
  CHECK(e.stats().groups == 4);
  auto history = e.history("product-B", StreamVersion{1}, 10);
  REQUIRE(history.has_value());
  CHECK(history->size() == 3);  // the resent receipt added nothing
  auto report = e.verify(Position{1}, e.head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);

  // B's stock view was made in group 1, changed in group 2 and, read through group 2's
  // carried writes, in group 3: it equals what a rebuild from the log folds.
  auto live = e.view("stock", "B");
  REQUIRE(live.has_value());
  REQUIRE(live->has_value());
  CHECK_THAT(**live, Catch::Contains("\"on_hand\":8"));
  REQUIRE(e.rebuild(""));
  auto rebuilt = e.view("stock", "B");
  REQUIRE(rebuilt.has_value());
  CHECK(*rebuilt == *live);
}

TEST_CASE("a failed fsync of group k fails group k+1 too, and k+1 leaves nothing in the log",
          "[engine][pipeline][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  engine::EngineOptions o = held_engine(dir, fs);
  std::vector<Error> faults;  // written on an engine thread before the answers
  o.on_fault = [&faults](const Error& error) { faults.push_back(error); };
  {
    auto opened = engine::Engine::open(o);
    REQUIRE(opened.has_value());
    auto& e = **opened;
    REQUIRE(e.execute(define("def-A", "A")));

    Future k = start_group_k(e, *fs, define("def-B", "B"));
    Future next = e.submit(receive("recv-B", "B", 5));  // group k+1
    eventually([&] { return e.stats().groups_pipelined == 1; });
    Future queued = e.submit(receive("recv-A", "A", 2));  // behind k+1

    fs->fail_wal_sync(true);  // k's fsync, held until now, fails
    fs->hold_wal_syncs(false);
    auto failed_k = k.get();
    REQUIRE_FALSE(failed_k.has_value());
    CHECK(failed_k.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(failed_k.error().message, Catch::Contains("storage write failed"));
    auto failed_next = next.get();
    REQUIRE_FALSE(failed_next.has_value());
    // UNAVAILABLE, not NOT_FOUND: recv-B was decided against k's state, then failed
    // with k.
    CHECK(failed_next.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(failed_next.error().message, Catch::Contains("was not made durable"));
    auto failed_queued = queued.get();
    REQUIRE_FALSE(failed_queued.has_value());
    CHECK(failed_queued.error().code == ErrorCode::kUnavailable);
    CHECK(e.read_only());
    REQUIRE(faults.size() == 1);
    auto later = e.execute(receive("later", "A", 1));
    REQUIRE_FALSE(later.has_value());
    CHECK(later.error().code == ErrorCode::kUnavailable);
    fs->fail_wal_sync(false);
  }

  o.env = nullptr;
  o.on_fault = nullptr;
  auto reopened = engine::Engine::open(o);
  REQUIRE(reopened.has_value());
  auto& e = **reopened;
  // k's bytes reached the OS before its fsync failed, so a reopen may or may not find
  // them; k+1 was never written.
  const uint64_t head = e.head().position.value;
  CHECK((head == 1 || head == 2));
  auto a = e.history("product-A", StreamVersion{1}, 10);
  REQUIRE(a.has_value());
  CHECK(a->size() == 1);  // recv-A is not there
  auto b = e.history("product-B", StreamVersion{1}, 10);
  REQUIRE(b.has_value());
  CHECK(b->size() == head - 1);  // def-B at most, never recv-B
  auto report = e.verify(Position{1}, e.head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);

  // The callers resend with the same ids: each lands exactly once.
  auto def_b = e.execute(define("def-B", "B"));
  REQUIRE(def_b.has_value());
  CHECK(def_b->duplicate == (head == 2));
  REQUIRE(e.execute(receive("recv-B", "B", 5)));
  REQUIRE(e.execute(receive("recv-A", "A", 2)));
  CHECK(e.head().position.value == 4);
  auto stock = e.view("stock", "B");
  REQUIRE(stock.has_value());
  REQUIRE(stock->has_value());
  CHECK_THAT(**stock, Catch::Contains("\"on_hand\":5"));
}

}  // namespace stockroom::testing

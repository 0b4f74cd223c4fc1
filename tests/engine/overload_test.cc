// The writer's queue bound: a slow writer offered far more than it can take refuses
// the excess at once with UNAVAILABLE, writes nothing of it, keeps what it accepted,
// and its queue never holds more than the bound.
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/engine_over.h"
#include "events/support/slow_wal_file_system.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using namespace std::chrono_literals;

// What came back for each submitted command, filled from the writer thread (accepted)
// or the submitting thread (refused at once).
struct Outcomes {
  std::mutex mu;
  std::vector<std::optional<Result<engine::CommandResult>>> results;
  size_t done = 0;

  explicit Outcomes(size_t n) : results(n) {}
  engine::Completion slot(size_t i) {
    return [this, i](Result<engine::CommandResult> r) {
      std::lock_guard lock(mu);
      results[i] = std::move(r);
      ++done;
    };
  }
  bool all_done() {
    std::lock_guard lock(mu);
    return done == results.size();
  }
};

void wait_all(Outcomes& o) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!o.all_done()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
}

CommandEnvelope receipt(size_t i) {
  return envelope("r" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""});
}

}  // namespace

TEST_CASE("a full writer queue refuses at once with UNAVAILABLE and never passes its bound",
          "[engine][overload]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::SlowWalFileSystem>();
  engine::EngineOptions o = sync_engine_over(dir, fs);
  o.max_queued_commands = 16;
  constexpr size_t kOffered = 400;
  std::set<std::string> accepted;
  {
    auto opened = engine::Engine::open(o);
    REQUIRE(opened.has_value());
    auto& e = **opened;
    REQUIRE(e.execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    fs->slow_syncs(20ms);  // a group commit now takes at least 20 ms

    Outcomes out(kOffered);
    for (size_t i = 0; i < kOffered; ++i) e.submit(receipt(i), out.slot(i));
    wait_all(out);

    size_t busy = 0;
    for (size_t i = 0; i < kOffered; ++i) {
      const auto& r = *out.results[i];
      if (r) {
        accepted.insert("r" + std::to_string(i));
        continue;
      }
      INFO(r.error().message);
      CHECK(r.error().code == ErrorCode::kUnavailable);
      CHECK(r.error().message.starts_with("busy"));
      ++busy;
    }
    CHECK(busy > 0);
    CHECK(!accepted.empty());
    const engine::EngineStats stats = e.stats();
    CHECK(stats.commands_busy == busy);
    CHECK(stats.commands_accepted == accepted.size() + 1);
    CHECK(stats.queue_peak_commands <= 16);
    CHECK(stats.queue_peak_commands > 0);
    CHECK(stats.queued_commands == 0);
    CHECK(stats.queued_bytes == 0);
    fs->slow_syncs(0ms);
  }
  // Reopened: exactly the accepted receipts are in the log, none of the refused.
  auto reopened = engine::Engine::open(sync_engine_over(dir, fs));
  REQUIRE(reopened.has_value());
  auto& e = **reopened;
  CHECK(e.head().position.value == 1 + accepted.size());
  auto events = e.history("product-A", StreamVersion{2}, 1000);
  REQUIRE(events.has_value());
  std::set<std::string> written;
  for (const auto& le : *events) written.insert(le.event.command_id.str());
  CHECK(written == accepted);
}

TEST_CASE("the writer queue's byte bound counts each request's size", "[engine][overload]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::SlowWalFileSystem>();
  engine::EngineOptions o = sync_engine_over(dir, fs);
  o.max_queued_bytes = 50'000;
  auto opened = engine::Engine::open(o);
  REQUIRE(opened.has_value());
  auto& e = **opened;
  REQUIRE(e.execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
  fs->slow_syncs(20ms);

  constexpr size_t kOffered = 100;
  Outcomes out(kOffered);
  // Requests of 20 KB: two fit the bound, a third does not.
  for (size_t i = 0; i < kOffered; ++i) e.submit(receipt(i), out.slot(i), 20'000);
  wait_all(out);
  size_t busy = 0;
  for (const auto& r : out.results) busy += (*r).has_value() ? 0 : 1;
  const engine::EngineStats stats = e.stats();
  CHECK(busy > 0);
  CHECK(stats.commands_busy == busy);
  CHECK(stats.queue_peak_bytes <= 50'000);
  CHECK(stats.queue_peak_commands <= 2);
  // A command that finds the queue empty is taken however large.
  fs->slow_syncs(0ms);
  CHECK(e.stats().queued_commands == 0);
  std::promise<Result<engine::CommandResult>> big;
  e.submit(
      receipt(kOffered), [&big](Result<engine::CommandResult> r) { big.set_value(r); }, 1'000'000);
  CHECK(big.get_future().get().has_value());
}

}  // namespace stockroom::testing

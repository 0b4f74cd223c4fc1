// serve offered far more commands than its writer can take: every request is answered
// — ok and durable, or UNAVAILABLE at once with nothing written — the writer's queue
// never passes its bound, and what NATS.c itself drops is counted and logged.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "events/support/slow_wal_file_system.h"
#include "nats/support/flood.h"
#include "nats/support/json_actors.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "support/json_object.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using namespace std::chrono_literals;

std::pair<std::string, std::string> receipt(const std::string& prefix, size_t i) {
  return {prefix + ".cmd.inventory.receive", R"({"command_id":"r)" + std::to_string(i) + R"(",)" +
                                                 kStaff + R"(,"sku":"A","quantity":1})"};
}

// The value of an unlabelled sample in the Prometheus text, or -1 if absent.
double sample(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("offered far more commands than it can take, serve answers every one and stays bounded",
          "[nats][overload]") {
  NatsServer server;
  TempDir data;
  auto fs = std::make_shared<events::testing::SlowWalFileSystem>();
  constexpr size_t kOffered = 3000;
  constexpr size_t kBound = 32;
  std::set<std::string> accepted;
  {
    ServeHarness h(server, "stockroom", data.str(), events::testing::env_over(fs), {},
                   [](engine::EngineOptions& eo) { eo.max_queued_commands = kBound; });
    REQUIRE(parse_object(
                h.send("cmd.product.define",
                       R"({"command_id":"def",)" + kStaff +
                           R"(,"sku":"A","name":"A","price":{"amount":1,"currency":"EUR"}})"))["ok"]
                .GetBool());
    fs->slow_syncs(20ms);  // every group commit now takes at least 20 ms

    Flood flood(server.url());
    flood.send(kOffered, [&](size_t i) { return receipt(h.prefix(), i); });
    REQUIRE(flood.wait_replies(kOffered, 60s));  // every request answered

    size_t busy = 0;
    std::vector<double> accepted_seconds;
    for (size_t i = 0; i < kOffered; ++i) {
      const std::string body = *flood.reply(i);
      const auto reply = parse_object(body);
      if (reply["ok"].GetBool()) {
        accepted.insert("r" + std::to_string(i));
        accepted_seconds.push_back(flood.latency(i).count());
        continue;
      }
      INFO(body);
      CHECK(std::string(reply["error"]["code"].GetString()) == "UNAVAILABLE");
      CHECK(std::string(reply["error"]["message"].GetString()).starts_with("busy"));
      ++busy;
    }
    CHECK(busy > 0);
    REQUIRE(!accepted.empty());
    // What it accepted it answered promptly: a few groups' wait, not the whole backlog's.
    std::sort(accepted_seconds.begin(), accepted_seconds.end());
    const double p99 = accepted_seconds[accepted_seconds.size() * 99 / 100];
    CHECK(p99 < 2.0);

    const engine::EngineStats stats = h.engine().stats();
    CHECK(stats.commands_busy == busy);
    CHECK(stats.queue_peak_commands <= kBound);
    h.service().refresh_metrics();
    const std::string metrics = h.metrics().render();
    CHECK(sample(metrics, "stockroom_commands_busy_total") == static_cast<double>(busy));
    const double peak = sample(metrics, R"(stockroom_writer_queue{measure="peak_commands"})");
    CHECK(peak > 0);
    CHECK(peak <= kBound);
    CHECK(sample(metrics, "stockroom_nats_dropped_total") == 0);
    fs->slow_syncs(0ms);
  }
  // Reopened: every accepted receipt is in the log, no refused one.
  engine::EngineOptions eo;
  eo.data_dir = data.str();
  auto reopened = engine::Engine::open(eo);
  REQUIRE(reopened.has_value());
  CHECK((*reopened)->head().position.value == 1 + accepted.size());
  auto receipts = (*reopened)->history("product-A", StreamVersion{2}, kOffered);
  REQUIRE(receipts.has_value());
  std::set<std::string> written;
  for (const auto& e : *receipts) written.insert(e.event.command_id.str());
  CHECK(written == accepted);
}

TEST_CASE("requests NATS.c drops as a slow consumer are counted and logged", "[nats][overload]") {
  NatsServer server;
  // NATS.c may hold one request for the delivery thread: a burst overflows it.
  ServeHarness h(
      server, "stockroom", "", nullptr,
      [](nats_adapter::ServiceOptions& o) {
        o.min_pending_msgs = 1;
        o.min_pending_bytes = 1;
      },
      [](engine::EngineOptions& eo) { eo.max_queued_commands = 1; });
  constexpr size_t kOffered = 5000;
  Flood flood(server.url());
  flood.send(kOffered, [&](size_t i) { return receipt(h.prefix(), i); });
  // Every request is either answered or counted as dropped.
  double dropped = -1;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    dropped = sample(h.metrics().render(), "stockroom_nats_dropped_total");
    if (flood.replied() + static_cast<size_t>(std::max(0.0, dropped)) >= kOffered) break;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
  CHECK(dropped > 0);
  CHECK(flood.replied() + static_cast<size_t>(dropped) == kOffered);
  std::this_thread::sleep_for(200ms);  // NATS.c reports on its own thread
  CHECK_THAT(h.logs(), Catch::Contains(R"("event":"nats_slow_consumer")"));
  CHECK_THAT(h.logs(), Catch::Contains(R"("subscription":"cmd")"));
}

}  // namespace stockroom::testing

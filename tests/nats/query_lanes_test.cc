// Expensive queries do not starve cheap ones: point queries have their own lane, long
// ones stop at their deadline and say how far they got, and a drain cancels them.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "events/event_log.h"
#include "nats/support/flood.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "support/json_object.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kReceipts = 20'000;

// A log of a product and kReceipts receipts of it (written without fsyncs: setup).
void fill(const std::string& dir) {
  engine::EngineOptions eo;
  eo.data_dir = dir;
  eo.durability = events::Durability::kNone;
  auto e = engine::Engine::open(eo);
  REQUIRE(e.has_value());
  REQUIRE((*e)->execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
  std::vector<std::future<Result<engine::CommandResult>>> receipts;
  receipts.reserve(kReceipts);
  for (uint64_t i = 0; i < kReceipts; ++i) {
    receipts.push_back((*e)->submit(
        envelope("r" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
  }
  for (auto& r : receipts) REQUIRE(r.get().has_value());
}

// A filled log served with the long lane's deadline set to `deadline`.
struct Served {
  NatsServer server;
  TempDir data;
  std::unique_ptr<ServeHarness> harness;

  explicit Served(std::chrono::milliseconds deadline) {
    fill(data.str());
    harness = std::make_unique<ServeHarness>(
        server, "stockroom", data.str(), nullptr,
        [deadline](nats_adapter::ServiceOptions& o) { o.long_queries.deadline = deadline; });
  }
};

}  // namespace

TEST_CASE(
    "a stock query is answered at once while verifies fill the long lane, and a drain cancels them",
    "[nats][lanes]") {
  Served s(60s);  // verifies that would run to the end
  ServeHarness& h = *s.harness;
  constexpr size_t kVerifies = 40;
  Flood flood(s.server.url());
  flood.send(kVerifies, [&](size_t) { return std::pair{h.prefix() + ".query.verify", "{}"}; });
  std::this_thread::sleep_for(100ms);
  REQUIRE(flood.replied() < kVerifies);  // they are still running

  const auto asked = Clock::now();
  const auto stock = parse_object(h.send("query.stock", R"({"sku":"A"})"));
  CHECK(Clock::now() - asked < 500ms);
  CHECK(stock["on_hand"].GetInt64() == static_cast<int64_t>(kReceipts));

  const auto drain_started = Clock::now();
  CHECK(h.service().drain(10s));
  CHECK(Clock::now() - drain_started < 3s);
  // Every verify was answered: whole, cut short where it had got to, or (not begun)
  // UNAVAILABLE.
  REQUIRE(flood.wait_replies(kVerifies, 5s));
  size_t unavailable = 0;
  for (size_t i = 0; i < kVerifies; ++i) {
    const std::string body = *flood.reply(i);
    INFO(body);
    const auto reply = parse_object(body);
    if (reply.HasMember("error")) {
      CHECK(std::string(reply["error"]["code"].GetString()) == "UNAVAILABLE");
      ++unavailable;
      continue;
    }
    CHECK(reply["ok"].GetBool());
    CHECK(reply["checked"].GetUint64() <= kReceipts + 1);
  }
  CHECK(unavailable > 0);
}

TEST_CASE("a verify past its deadline says how far it got, and going on from there finishes it",
          "[nats][lanes]") {
  Served s(1ms);
  ServeHarness& h = *s.harness;
  const events::Head head = h.engine().head();
  uint64_t from = 1;
  uint64_t checked = 0;
  int replies = 0;
  for (;;) {
    REQUIRE(replies < 100);
    const auto r =
        parse_object(h.send("query.verify", R"({"from_position":)" + std::to_string(from) + "}"));
    ++replies;
    REQUIRE(r["ok"].GetBool());
    const uint64_t n = r["checked"].GetUint64();
    checked += n;
    if (from + n > r["head_position"].GetUint64()) {
      CHECK(r["head_hash"].GetString() == events::to_hex(head.hash));
      break;
    }
    REQUIRE(n > 0);  // always forward
    from += n;
  }
  CHECK(replies > 1);
  CHECK(checked == head.position.value);
  h.service().refresh_metrics();
  CHECK_THAT(h.metrics().render(),
             Catch::Contains(R"(stockroom_queries_total{query="verify",outcome="cut_short"})"));
}

TEST_CASE("a filtered events scan past its deadline stops where it got to", "[nats][lanes]") {
  Served s(1ms);
  ServeHarness& h = *s.harness;
  const uint64_t head = h.engine().head().position.value;
  uint64_t from = 1;
  std::vector<uint64_t> found;
  int replies = 0;
  while (from <= head) {
    REQUIRE(replies < 100);
    const auto r =
        parse_object(h.send("query.events", R"({"from_position":)" + std::to_string(from) +
                                                R"(,"types":["ProductDefined"]})"));
    ++replies;
    for (const auto& e : r["events"].GetArray()) found.push_back(e["position"].GetUint64());
    const uint64_t next = r["next_position"].GetUint64();
    REQUIRE(next > from);  // always forward
    from = next;
  }
  CHECK(replies > 1);
  CHECK(from == head + 1);
  CHECK(found == std::vector<uint64_t>{1});
}

}  // namespace stockroom::testing

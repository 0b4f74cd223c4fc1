// The read gate of a partition's service (adapters/nats/read_gate.h): while closed,
// queries and refusals are UNAVAILABLE (a copy nobody vouches for must not answer),
// accepted commands are answered as usual (the stream fences them); a dropped NATS
// connection closes it; a renewal sent before a close does not reopen it.
#include "adapters/nats/read_gate.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"

namespace stockroom::testing::read_gate_test {
namespace {

using namespace std::chrono_literals;
using nats_adapter::ReadGate;

std::string code_of(const std::string& reply) {
  rapidjson::Document d;
  d.Parse(reply.c_str(), reply.size());
  INFO(reply);
  REQUIRE(d.IsObject());
  if (d.HasMember("error")) return d["error"]["code"].GetString();
  return d.HasMember("ok") || d.HasMember("on_hand") ? "ok" : "?";
}

const std::string kStaff = R"("actor":{"id":"ops-1","role":"staff"})";

// The service of partition 0 of 1 (every key is its own), behind `gate`.
struct GatedService {
  GatedService(const NatsServer& server, ReadGate& gate)
      : harness(server, "stockroom", "", nullptr, [&gate](nats_adapter::ServiceOptions& o) {
          o.partition = nats_adapter::ServiceOptions::Partition{0, 1, &gate};
        }) {}
  ServeHarness harness;
};

}  // namespace

TEST_CASE("read gate: open until a moment, closed by close, a stale epoch opens nothing",
          "[nats][read_gate]") {
  ReadGate gate;
  CHECK_FALSE(gate.open());  // closed until a renewal opens it
  const uint64_t before = gate.epoch();
  gate.open_until(ReadGate::Clock::now() + 60s, before);
  CHECK(gate.open());
  gate.close();
  CHECK_FALSE(gate.open());
  // A renewal sent before the close (it read the old epoch) must not reopen it.
  gate.open_until(ReadGate::Clock::now() + 60s, before);
  CHECK_FALSE(gate.open());
  gate.open_until(ReadGate::Clock::now() + 60s, gate.epoch());
  CHECK(gate.open());
  // A moment in the past: closed.
  gate.open_until(ReadGate::Clock::now() - 1ms, gate.epoch());
  CHECK_FALSE(gate.open());
}

TEST_CASE("a partition's service answers queries and refusals only while its read gate is open",
          "[nats][read_gate]") {
  NatsServer server;
  ReadGate gate;
  GatedService gated(server, gate);
  ServeHarness& h = gated.harness;
  // Closed: an accepted command is answered (it is in the log), a query and a refusal
  // are UNAVAILABLE.
  CHECK(code_of(h.send("p.0.cmd.product.define.A",
                       R"({"command_id":"d",)" + kStaff +
                           R"(,"sku":"A","name":"A","price":{"amount":1,"currency":"EUR"}})")) ==
        "ok");
  CHECK(code_of(h.send("p.0.query.stock.A", R"({"sku":"A"})")) == "UNAVAILABLE");
  const std::string refused_body =
      R"({"command_id":"r",)" + kStaff + R"(,"sku":"NONE","quantity":1})";
  CHECK(code_of(h.send("p.0.cmd.inventory.receive.NONE", refused_body)) == "UNAVAILABLE");

  gate.open_until(ReadGate::Clock::now() + 60s, gate.epoch());
  CHECK(code_of(h.send("p.0.query.stock.A", R"({"sku":"A"})")) == "ok");
  CHECK(code_of(h.send("p.0.cmd.inventory.receive.NONE", refused_body)) == "NOT_FOUND");

  gate.close();
  CHECK(code_of(h.send("p.0.query.stock.A", R"({"sku":"A"})")) == "UNAVAILABLE");
  h.service().refresh_metrics();
  CHECK_THAT(h.metrics().render(),
             Catch::Contains(R"(stockroom_queries_total{query="stock",outcome="UNAVAILABLE"} 2)"));
}

TEST_CASE("a partition's service closes its read gate when its NATS connection drops",
          "[nats][read_gate]") {
  NatsServer server;
  ReadGate gate;
  const GatedService gated(server, gate);
  gate.open_until(ReadGate::Clock::now() + 600s, gate.epoch());
  REQUIRE(gate.open());
  server.restart();
  // The service's disconnect callback runs on NATS.c's thread; give it a moment.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (gate.open() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  CHECK_FALSE(gate.open());
}

}  // namespace stockroom::testing::read_gate_test

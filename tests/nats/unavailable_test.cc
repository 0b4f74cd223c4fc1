// A failing disk under serve: the command is refused UNAVAILABLE over NATS, nothing is
// written, the service reports not ready, and queries keep answering.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>

#include "events/support/faulty_file_system.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"

namespace stockroom::testing {
namespace {

std::string code_of(const std::string& reply) {
  rapidjson::Document d;
  d.Parse(reply.c_str(), reply.size());
  INFO(reply);
  REQUIRE(d.IsObject());
  if (!d.HasMember("error")) return "ok";
  return d["error"]["code"].GetString();
}

TEST_CASE("a storage failure is UNAVAILABLE over NATS, writes nothing and makes serve not ready",
          "[nats][service]") {
  NatsServer server;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  ServeHarness h(server, "stockroom", "", events::testing::env_over(fs));
  const std::string staff = R"("actor":{"id":"ops-1","role":"staff"})";
  REQUIRE(code_of(h.send("cmd.product.define",
                         R"({"command_id":"d",)" + staff +
                             R"(,"sku":"A","name":"A","price":{"amount":1,"currency":"EUR"}})")) ==
          "ok");
  CHECK(h.service().ready());
  const Position head = h.engine().head().position;

  fs->fail_wal(true);
  CHECK(code_of(h.send("cmd.inventory.receive",
                       R"({"command_id":"r1",)" + staff + R"(,"sku":"A","quantity":1})")) ==
        "UNAVAILABLE");
  fs->fail_wal(false);
  // Read-only until reopened: later commands are refused too, nothing is written.
  CHECK(code_of(h.send("cmd.inventory.receive",
                       R"({"command_id":"r2",)" + staff + R"(,"sku":"A","quantity":1})")) ==
        "UNAVAILABLE");
  CHECK(h.engine().head().position == head);
  CHECK_FALSE(h.service().ready());
  // The log says when and why, once.
  const std::string logs = h.logs();
  const auto at = logs.find(R"("event":"engine_read_only")");
  REQUIRE(at != std::string::npos);
  CHECK(logs.find(R"("event":"engine_read_only")", at + 1) == std::string::npos);
  const size_t start = logs.rfind('\n', at) == std::string::npos ? 0 : logs.rfind('\n', at) + 1;
  const std::string line = logs.substr(start, logs.find('\n', at) - start);
  CHECK_THAT(line, Catch::Contains(R"("level":"error")"));
  CHECK_THAT(line, Catch::Contains(R"("reason":"storage write failed)"));
  CHECK_THAT(line, Catch::Contains(R"("code":"UNAVAILABLE")"));
  // Queries still answer from what is durable.
  rapidjson::Document stock;
  const std::string view = h.send("query.stock", R"({"sku":"A"})");
  stock.Parse(view.c_str(), view.size());
  REQUIRE(stock.IsObject());
  CHECK(stock["on_hand"].GetInt64() == 0);
  h.service().refresh_metrics();
  CHECK_THAT(
      h.metrics().render(),
      Catch::Contains(
          R"(stockroom_commands_total{command="inventory.receive",outcome="UNAVAILABLE"} 2)"));
}

}  // namespace
}  // namespace stockroom::testing

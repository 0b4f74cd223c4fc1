// One stream's history for an auditor (adapters/tools/history.h) over a real log.
#include "adapters/tools/history.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "adapters/wire/wire.h"
#include "engine/engine.h"
#include "engine/offline.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

struct Store {
  TempDir dir;
  std::unique_ptr<engine::Engine> engine;
  Store() {
    engine::EngineOptions o;
    o.data_dir = dir.str();
    o.durability = events::Durability::kNone;
    auto e = engine::Engine::open(o);
    REQUIRE(e.has_value());
    engine = std::move(*e);
    for (auto [id, command] : std::vector<std::pair<std::string, Command>>{
             {"c1", DefineProduct{Sku("MUG"), "Mug", eur(1200)}},
             {"c2", DefineProduct{Sku("PEN"), "Pen", eur(300)}},
             {"c3", ReceiveStock{Sku("MUG"), Quantity{5}, "delivery 7"}},
             {"c4", RepriceProduct{Sku("MUG"), eur(1300)}}}) {
      REQUIRE(engine->execute(envelope(id, staff(), command)).has_value());
    }
  }
};

Result<uint64_t> history(const Store& s, const std::string& stream, tools::HistoryFormat format,
                         std::string& out) {
  auto log = engine::open_offline(s.dir.str());
  REQUIRE(log.has_value());
  return tools::write_history(**log, stream, format, [&](std::string_view block) -> Status {
    out += block;
    return {};
  });
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("history prints one stream's events as a table with hashes, actors and ids",
          "[tools][history]") {
  Store s;
  std::string out;
  REQUIRE(history(s, "product-MUG", tools::HistoryFormat::kTable, out).value() == 3);
  const auto rows = lines(out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].find("POSITION") != std::string::npos);
  for (const char* column : {"VERSION", "TIME", "TYPE", "HASH", "ACTOR", "COMMAND"}) {
    CHECK(rows[0].find(column) != std::string::npos);
  }
  auto events = s.engine->history("product-MUG", StreamVersion{1}, 10).value();
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    INFO(rows[i + 1]);
    CHECK(rows[i + 1].find(" " + std::to_string(e.event.position.value) + "  ") !=
          std::string::npos);
    CHECK(rows[i + 1].find(wire::time_text(e.event.time)) != std::string::npos);
    CHECK(rows[i + 1].find(std::string(event_type_name(e.event.data))) != std::string::npos);
    CHECK(rows[i + 1].find(events::to_hex(e.hash).substr(0, tools::kShortHash) + " ") !=
          std::string::npos);
    CHECK(rows[i + 1].find("ops-1 (staff) ") != std::string::npos);
    CHECK(rows[i + 1].ends_with("  " + e.event.command_id.str()));
  }
  // The columns line up: hash and command start at the same place on every row.
  const auto hash_at = rows[0].find("HASH");
  const auto command_at = rows[0].find("COMMAND");
  for (size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i].substr(hash_at, tools::kShortHash) ==
          events::to_hex(events[i - 1].hash).substr(0, tools::kShortHash));
    CHECK(rows[i].substr(command_at) == events[i - 1].event.command_id.str());
  }
}

TEST_CASE("history --json prints the events as the NATS API shows them", "[tools][history]") {
  Store s;
  std::string out;
  REQUIRE(history(s, "product-PEN", tools::HistoryFormat::kJsonLines, out).value() == 1);
  std::string expected;
  wire::event_json(s.engine->history("product-PEN", StreamVersion{1}, 10).value().front(),
                   expected);
  CHECK(out == expected + "\n");
}

TEST_CASE("history of a stream without events or with a bad name is refused", "[tools][history]") {
  Store s;
  std::string out;
  auto none = history(s, "order-nobody", tools::HistoryFormat::kTable, out);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == ErrorCode::kNotFound);
  auto bad = history(s, "order.x y", tools::HistoryFormat::kTable, out);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
}

}  // namespace stockroom::testing

// `stockroom verify` as an auditor runs it: the binary's exit codes and the lines it
// prints, on logs damaged behind the engine's back with the plain RocksDB API (each kind
// of damage itself is engine/audit_test.cc's).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "engine/support/workload.h"
#include "events/support/raw_store.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using events::testing::be64;
using events::testing::RawStore;

Ran run(const std::string& args) {
  return run_command(std::string(STOCKROOM_BIN) + " " + args + " 2>&1");
}

void fill(const std::string& dir) {
  engine::EngineOptions o;
  o.data_dir = dir;
  o.durability = events::Durability::kNone;
  auto e = engine::Engine::open(o);
  REQUIRE(e.has_value());
  stock_products(**e, 20);
  Shopper(**e, 0, 3).run(100);
}

}  // namespace

TEST_CASE(
    "verify prints the head and exits 0 on a sound log, 1 with the first bad position "
    "on a damaged one",
    "[tools][verify]") {
  TempDir dir;
  fill(dir.str());
  const Ran sound = run("verify --data " + dir.str());
  CHECK(sound.exit_code == 0);
  CHECK_THAT(sound.out, Catch::StartsWith("ok: "));
  CHECK_THAT(sound.out, Catch::Contains("\nhead "));
  {
    RawStore raw(dir.str());
    std::string record = raw.get("log", be64(12)).value();
    record.back() ^= 0x20;
    raw.put("log", be64(12), record);
  }
  for (const char* quick : {"", " --quick"}) {
    const Ran damaged = run("verify --data " + dir.str() + quick);
    INFO(damaged.out);
    CHECK(damaged.exit_code == 1);
    CHECK_THAT(damaged.out, Catch::StartsWith("FAIL chain: position 12: "));
    CHECK_THAT(damaged.out, Catch::Contains("\nfirst bad position: 12\n"));
  }
}

TEST_CASE("verify exits 1 naming the position of a deleted event", "[tools][verify]") {
  TempDir dir;
  fill(dir.str());
  {
    RawStore raw(dir.str());
    raw.remove("log", be64(30));
  }
  const Ran deleted = run("verify --data " + dir.str());
  CHECK(deleted.exit_code == 1);
  CHECK_THAT(deleted.out, Catch::Contains("first bad position: 30"));
}

TEST_CASE("usage errors exit 2", "[tools][verify]") {
  TempDir dir;
  fill(dir.str());
  CHECK(run("verify --data " + dir.str() + " --expect nonsense").exit_code == 2);
  CHECK(run("verify").exit_code == 2);  // --data is required
  CHECK(run("replay --data " + dir.str() + " --format xml").exit_code == 2);
}

}  // namespace stockroom::testing

// A failing disk under the engine: the group fails whole with UNAVAILABLE, nothing of
// it is written, the engine turns read-only, reads keep working, a reopen recovers.
#include <catch2/catch.hpp>
#include <future>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "events/support/faulty_file_system.h"
#include "support/temp_dir.h"

namespace stockroom::testing {

TEST_CASE("a failed write fails the whole group, writes nothing and turns the engine read-only",
          "[engine][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.env = events::testing::env_over(fs);
  // on_fault runs on the writer thread; the futures below are completed after it.
  std::vector<Error> faults;
  o.on_fault = [&faults](const Error& e) { faults.push_back(e); };
  {
    auto opened = engine::Engine::open(o);
    REQUIRE(opened.has_value());
    auto& e = **opened;
    REQUIRE(e.execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    const auto head = e.head();

    fs->fail_wal(true);
    std::vector<std::future<Result<engine::CommandResult>>> futures;
    for (int i = 0; i < 20; ++i) {
      futures.push_back(e.submit(
          envelope("r" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
    }
    for (auto& f : futures) {
      auto r = f.get();
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::kUnavailable);
    }
    CHECK(e.read_only());
    REQUIRE(faults.size() == 1);  // told once, with the reason
    CHECK(faults[0].code == ErrorCode::kUnavailable);
    CHECK_THAT(faults[0].message, Catch::Contains("storage write failed"));
    fs->fail_wal(false);
    auto later = e.execute(envelope("later", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""}));
    REQUIRE_FALSE(later.has_value());
    CHECK(later.error().code == ErrorCode::kUnavailable);
    CHECK(e.head().position == head.position);
    auto h = e.history("product-A", StreamVersion{1}, 10);  // reads keep working
    REQUIRE(h.has_value());
    CHECK(h->size() == 1);
    CHECK(faults.size() == 1);  // not again for the commands refused while read-only
  }
  o.env = nullptr;
  auto reopened = engine::Engine::open(o);
  REQUIRE(reopened.has_value());
  auto& e = **reopened;
  CHECK(e.head().position.value == 1);
  CHECK_FALSE(e.read_only());
  auto retried = e.execute(envelope("r0", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""}));
  REQUIRE(retried.has_value());
  CHECK_FALSE(retried->duplicate);
  auto report = e.verify(Position{1}, e.head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);
}

}  // namespace stockroom::testing

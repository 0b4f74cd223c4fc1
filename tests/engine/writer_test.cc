// The writer's contract with the work it refuses (engine/internal/writer.h): a task
// submitted once the writer stops is told not to run, at once, so that whoever waits
// for it (Engine::rebuild) gets an answer.
#include "engine/internal/writer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>

#include "engine/internal/expiry_schedule.h"
#include "engine/internal/projection_runtime.h"
#include "events/event_log.h"
#include "support/temp_dir.h"

namespace stockroom::testing {

TEST_CASE("a task submitted to a stopping writer is called with false at once",
          "[engine][writer]") {
  TempDir dir;
  const auto projections = projections::standard_projections();
  events::LogOptions log_options;
  log_options.spaces = engine::internal::ProjectionRuntime::spaces(projections);
  log_options.spaces.emplace_back(engine::internal::kExpirySpace);
  auto log = events::EventLog::open(dir.str(), log_options);
  REQUIRE(log.has_value());
  engine::internal::ProjectionRuntime views(**log, projections);
  REQUIRE(views.open().has_value());
  engine::internal::Writer writer(**log, views, engine::EngineOptions{});
  writer.start(Timestamp{});  // an empty log
  writer.stop();

  std::promise<bool> told;
  auto answer = told.get_future();
  engine::internal::Pending pending;
  pending.task = [&told](bool run) { told.set_value(run); };
  writer.submit(std::move(pending));
  // Dropped instead, the task never answers: Engine::rebuild waited for ever.
  REQUIRE(answer.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK_FALSE(answer.get());
}

TEST_CASE("a group is cut by bytes as well as by count, never below one command",
          "[engine][writer]") {
  auto queue_of = [](std::initializer_list<size_t> sizes) {
    std::vector<engine::internal::Pending> queue(sizes.size());
    size_t i = 0;
    for (size_t bytes : sizes) queue[i++].bytes = bytes;
    return queue;
  };
  using engine::internal::group_cut;
  CHECK(group_cut(queue_of({}), 4, 100) == 0);
  CHECK(group_cut(queue_of({10, 10, 10}), 4, 100) == 3);          // all fit
  CHECK(group_cut(queue_of({10, 10, 10, 10, 10}), 4, 100) == 4);  // by count
  CHECK(group_cut(queue_of({40, 40, 40, 10}), 8, 100) == 2);      // by bytes
  CHECK(group_cut(queue_of({40, 60, 1}), 8, 100) == 2);           // exactly the bound
  // A command larger than the bound is a group alone; those after it wait for the next.
  CHECK(group_cut(queue_of({500, 10, 10}), 8, 100) == 1);
  CHECK(group_cut(queue_of({10, 500, 10}), 8, 100) == 1);
  CHECK(group_cut(queue_of({10, 10}), 0, 100) == 1);  // max_group 0 means 1
}

}  // namespace stockroom::testing

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
  writer.start();
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

}  // namespace stockroom::testing

// check_copy_as_written: what a checkpoint of an engine's data directory must hold
// before any engine opens it (an engine opening it would catch its views up and hide
// a view left behind): a chain that verifies up to `head`, and every standard view's
// checkpoint at `head`, i.e. the views of exactly the groups the copy holds.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "engine/internal/view_space.h"
#include "events/event_log.h"

namespace stockroom::testing {

inline void check_copy_as_written(const std::string& dir, const events::Head& head) {
  events::LogOptions read_only;
  read_only.read_only = true;
  auto log = events::EventLog::open(dir, read_only);
  INFO((log ? std::string() : log.error().message));
  REQUIRE(log.has_value());
  CHECK((*log)->head().position == head.position);
  CHECK((*log)->head().hash == head.hash);
  auto report = (*log)->verify(Position{1}, head.position);
  REQUIRE(report.has_value());
  INFO(report->reason);
  CHECK(report->ok);
  CHECK(report->checked == head.position.value);
  for (const char* view : {"order", "stock", "rating", "cart"}) {
    INFO("view " << view);
    auto meta = engine::internal::ViewSpace(view).read_meta(**log);
    REQUIRE(meta.has_value());
    CHECK(meta->checkpoint == head.position);
  }
}

}  // namespace stockroom::testing

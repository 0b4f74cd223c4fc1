// positions_by_command: every event of an engine's log, grouped by the command that
// recorded it — what the NATS tests compare acknowledgements against (each acked
// command in the log once, at the acked position).
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace stockroom::testing {

struct LogPositions {
  std::map<std::string, std::vector<uint64_t>> by_command;  // command id -> positions
  uint64_t scanned_to = 0;                                  // the last position read
};

inline LogPositions positions_by_command(const engine::Engine& engine) {
  LogPositions out;
  Position from{1};
  for (;;) {
    auto page = engine.events_from(from, 1000);
    REQUIRE(page.has_value());
    if (page->empty()) break;
    for (const engine::LoggedEvent& e : *page) {
      out.by_command[e.event.command_id.str()].push_back(e.event.position.value);
    }
    from = Position{page->back().event.position.value + 1};
  }
  out.scanned_to = from.value - 1;
  return out;
}

}  // namespace stockroom::testing

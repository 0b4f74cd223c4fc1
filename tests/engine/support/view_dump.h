// dump: every stored entry of every standard view (auxiliary entries included), to
// compare views byte for byte (a rebuild against the live views, a copy against its
// rebuild).
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "engine/engine.h"

namespace stockroom::testing {

using ViewDump = std::map<std::string, std::map<std::string, std::string>>;

inline ViewDump dump(const engine::Engine& e) {
  ViewDump out;
  for (const char* name : {"order", "stock", "rating", "cart"}) {
    std::string after;
    auto& rows = out[name];
    for (;;) {
      auto page = e.scan_view(name, after, 10'000);
      REQUIRE(page.has_value());
      if (page->empty()) break;
      for (auto& [k, v] : *page) rows.emplace(k, v);
      after = page->back().first;
    }
  }
  return out;
}

}  // namespace stockroom::testing

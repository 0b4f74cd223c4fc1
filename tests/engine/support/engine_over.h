// Options for an engine in a test directory on a test file system (slow or faulty
// WAL: tests/events/support): durability sync, so every group's fsync reaches it.
// Header-only test support.
#pragma once

#include <memory>

#include "engine/engine.h"
#include "events/support/wal_file_system.h"
#include "support/temp_dir.h"

namespace stockroom::testing {

inline engine::EngineOptions sync_engine_over(
    const TempDir& dir, const std::shared_ptr<events::testing::WalFileSystem>& fs) {
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.durability = events::Durability::kSync;
  o.env = events::testing::env_over(fs);
  return o;
}

}  // namespace stockroom::testing

// ViewSpace: where one projection's views live in the log's keyspaces, and how a
// rebuild swaps a complete new generation in atomically.
//
// Keyspace "view-<name>". Every view key is stored behind a 4-byte big-endian
// generation number; meta entries sit behind the 0xFF 0xFF 0xFF 0xFF prefix, which no
// generation reaches:
//   meta "gen"        -> u32 BE: the generation queries read and live updates write
//   meta "checkpoint" -> u64 BE: the last log position applied to that generation
//   meta "rebuilding" -> u32 BE: a generation a rebuild is filling (absent otherwise)
// A rebuild fills generation gen+1 while gen stays in use, then in ONE batch sets
// gen := gen+1 and the checkpoint and range-deletes the old generation. A crash
// before that batch leaves the old generation in force; the half-built one is
// range-deleted at the next open. Readers never see a mix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "engine/model/types.h"
#include "events/event_log.h"

namespace stockroom::engine::internal {

class ViewSpace {
 public:
  explicit ViewSpace(std::string_view view_name);

  [[nodiscard]] const std::string& space() const noexcept { return space_; }

  // The stored key of `key` in generation `gen`.
  [[nodiscard]] static std::string view_key(uint32_t gen, std::string_view key);
  // [begin, end) of every key of generation `gen`.
  [[nodiscard]] static std::string gen_begin(uint32_t gen);
  [[nodiscard]] static std::string gen_end(uint32_t gen);

  struct Meta {
    uint32_t gen = 1;
    Position checkpoint;
    uint32_t rebuilding = 0;  // 0: no rebuild under way
  };
  [[nodiscard]] Result<Meta> read_meta(const events::EventLog& log) const;
  void put_gen(events::LogBatch& batch, uint32_t gen) const;
  void put_checkpoint(events::LogBatch& batch, Position position) const;
  void put_rebuilding(events::LogBatch& batch, uint32_t gen) const;
  void clear_rebuilding(events::LogBatch& batch) const;

 private:
  std::string space_;
};

}  // namespace stockroom::engine::internal

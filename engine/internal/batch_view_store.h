// BatchViewStore: a projection's ViewStore over one generation of its keyspace,
// writing into the writer's current LogBatch and remembering those writes so that
// later reads in the same batch see them (the batch is not visible in RocksDB yet).
//
// Threads: the writer's only. Forget the overlay (reset) whenever the batch it
// belongs to is committed or dropped.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/internal/view_space.h"
#include "events/event_log.h"
#include "projections/projection.h"

namespace stockroom::engine::internal {

class BatchViewStore final : public projections::ViewStore {
 public:
  BatchViewStore(const events::EventLog& log, const ViewSpace& space);

  // Starts a batch: writes go to `batch` under generation `gen`.
  void reset(events::LogBatch* batch, uint32_t gen);

  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view key) override;
  void put(std::string_view key, std::string_view value) override;
  void remove(std::string_view key) override;
  [[nodiscard]] Result<std::vector<std::string>> keys_with_prefix(std::string_view prefix) override;

  // This batch's writes by view key; nullopt marks a removal.
  [[nodiscard]] const auto& writes() const noexcept { return overlay_; }

 private:
  const events::EventLog& log_;
  const ViewSpace& space_;
  events::LogBatch* batch_ = nullptr;
  uint32_t gen_ = 1;
  // This batch's writes by view key; nullopt marks a removal.
  std::map<std::string, std::optional<std::string>, std::less<>> overlay_;
};

}  // namespace stockroom::engine::internal

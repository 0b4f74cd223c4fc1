// BatchViewStore: a projection's ViewStore over one generation of its keyspace,
// writing into the writer's current LogBatch and remembering those writes so that
// later reads in the same batch see them (the batch is not visible in RocksDB yet).
// Views a projection keep()s stay decoded until flush(), which encodes each once and
// writes it into the batch: a group (or a rebuild's chunk) that changes one view many
// times decodes and encodes it once.
//
// Threads: the writer's only. Forget the overlay (reset) whenever the batch it
// belongs to is committed or dropped.
#pragma once

#include <map>
#include <memory>
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
  [[nodiscard]] projections::WorkingView* working(std::string_view key) override;
  void keep(std::string_view key, std::unique_ptr<projections::WorkingView> view) override;

  // The position of the event being applied: each write is stamped with it (a view's
  // "position" is the last event applied to it), so pushes need not read it back.
  void at_event(Position position) noexcept { position_ = position; }
  // Encodes every kept view and writes it into the batch. Before the batch commits.
  void flush();

  // One key's write in this batch.
  struct Write {
    std::optional<std::string> value;  // nullopt: removed (or kept, until flush)
    std::unique_ptr<projections::WorkingView> kept;
    Position position;  // of the event that wrote it last
  };
  // This batch's writes by view key. After flush() nothing is kept.
  [[nodiscard]] const auto& writes() const noexcept { return overlay_; }

 private:
  const events::EventLog& log_;
  const ViewSpace& space_;
  events::LogBatch* batch_ = nullptr;
  uint32_t gen_ = 1;
  Position position_;
  std::map<std::string, Write, std::less<>> overlay_;
};

}  // namespace stockroom::engine::internal

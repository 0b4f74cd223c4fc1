// ProjectionRuntime: drives the registered projections for the engine.
//
// Live: the writer calls begin() for each group, apply() for each staged event and
// finish() before the group is made durable, so view updates and every projection's checkpoint go
// into the same WriteBatch as the events. Offline of the command flow (but still on
// the writer thread, so nothing interleaves): catch_up() brings a projection whose
// checkpoint is behind the head up to date (a newly registered one starts at 0), and
// rebuild() refills one projection or all, in one pass over the log from position 1,
// into new generations and swaps them in atomically (view_space.h). Both stream the
// log in chunks: memory stays bounded.
//
// Threads: every method but get()/scan()/checkpoint() is the writer's. Those three
// may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/batch_view_store.h"
#include "engine/internal/view_space.h"
#include "events/event_log.h"
#include "projections/projection.h"

namespace stockroom::engine::internal {

class ProjectionRuntime {
 public:
  // `view_cache_bytes`: each projection's decoded-view cache (BatchViewStore; 0: none).
  ProjectionRuntime(events::EventLog& log,
                    std::vector<std::shared_ptr<const projections::Projection>> projections,
                    size_t view_cache_bytes = 0);

  // Keyspaces the log must open ("view-<name>" for each projection).
  [[nodiscard]] static std::vector<std::string> spaces(
      const std::vector<std::shared_ptr<const projections::Projection>>& projections);

  // Reads each projection's meta and removes what a crashed rebuild left behind.
  [[nodiscard]] Status open();

  // With `carry`, the previous group is not committed yet: its view writes stay
  // readable beneath this group's (BatchViewStore::carry). Without, they are forgotten.
  void begin(events::LogBatch* batch, bool carry);
  [[nodiscard]] Status apply(const RecordedEvent& event);
  void finish(events::LogBatch& batch, Position last);
  // The views the current group stored (auxiliary entries and removals left out).
  void changes(std::vector<ViewChange>& out) const;

  [[nodiscard]] Result<RebuildReport> catch_up(const ProgressFn& progress);
  [[nodiscard]] Result<RebuildReport> rebuild(const std::string& name, const ProgressFn& progress);
  // Applies every event of `source` to this runtime's views, which must be empty (a
  // fresh scratch log, not `source`): the independent fold `verify` compares the
  // stored views with. Call open() first.
  [[nodiscard]] Result<RebuildReport> fold_from(const events::EventLog& source,
                                                const ProgressFn& progress);

  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view name,
                                                       std::string_view key) const;
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> scan(
      std::string_view name, std::string_view after_key, size_t limit) const;
  [[nodiscard]] Result<Position> checkpoint(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> names() const;
  // Views the writer found decoded in a cache instead of reading them, summed over
  // the projections. Any thread.
  [[nodiscard]] uint64_t view_cache_hits() const;

 private:
  struct Slot {
    explicit Slot(std::shared_ptr<const projections::Projection> p)
        : projection(std::move(p)), space(projection->name()) {}
    std::shared_ptr<const projections::Projection> projection;
    ViewSpace space;
    std::unique_ptr<BatchViewStore> store;
    std::atomic<uint32_t> gen{1};
    Position checkpoint;  // writer's copy
  };

  [[nodiscard]] const Slot* find(std::string_view name) const;
  // A slot and the generation a replay writes into.
  struct Target {
    Slot* slot;
    uint32_t gen;
  };
  // Applies `source` from `from` to its head to every target, in chunks, writing into
  // this runtime's log.
  [[nodiscard]] Status replay(const events::EventLog& source, const std::vector<Target>& targets,
                              Position from, const ProgressFn& progress, RebuildReport& report);

  events::EventLog& log_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace stockroom::engine::internal

// BatchViewStore: a projection's ViewStore over one generation of its keyspace,
// writing into the writer's current LogBatch and remembering those writes so that
// later reads in the same batch see them (the batch is not visible in RocksDB yet).
// Views a projection keep()s stay decoded until flush(), which encodes each once and
// writes it into the batch: a group (or a rebuild's chunk) that changes one view many
// times decodes and encodes it once.
//
// Across groups it keeps the views it flushed, still decoded, in a cache bounded by
// the bytes of their encodings (least recently used out first): a view the next
// group changes again is neither read from RocksDB nor parsed. Every cached view is
// the latest written under its key (a put or remove of the key drops it), and the
// cache is forgotten when the generation changes (a rebuild); after a failed commit
// the writer turns read-only and never begins another batch here.
//
// A pipelined writer begins group k+1 while group k is still being made durable: then
// carry() moves k's writes to a second, read-only layer under the new batch's, so that
// k+1 reads what k wrote. Threads: the writer's only. Forget the layers (reset)
// whenever their batches are committed or dropped.
#pragma once

#include <atomic>
#include <list>
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
  // `cache_bytes`: the most the decoded-view cache holds, counted by encoded size (0:
  // no cache).
  BatchViewStore(const events::EventLog& log, const ViewSpace& space, size_t cache_bytes);

  // Starts a batch: writes go to `batch` under generation `gen`; no layer is kept,
  // and the decoded-view cache only if `gen` is the generation it was filled from.
  void reset(events::LogBatch* batch, uint32_t gen);
  // Starts a batch that follows the current one before that one is committed: the
  // current batch's writes (flushed) stay readable beneath the new batch's. The layer
  // carried before is dropped: its batch must be committed by now.
  void carry(events::LogBatch* batch);

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

  // Views handed out of the cache (working() found them there), since construction.
  // Any thread.
  [[nodiscard]] uint64_t cache_hits() const noexcept {
    return hits_.load(std::memory_order_relaxed);
  }

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
  std::map<std::string, Write, std::less<>> carried_;  // the previous batch's, read-only

  struct Cached {
    std::unique_ptr<projections::WorkingView> view;
    size_t bytes;                          // of its encoding
    std::list<std::string>::iterator lru;  // into lru_
  };
  void cache(const std::string& key, std::unique_ptr<projections::WorkingView> view, size_t bytes);
  void uncache(std::string_view key);
  void clear_cache();
  size_t cache_budget_;
  size_t cache_bytes_ = 0;
  std::map<std::string, Cached, std::less<>> cache_;
  std::list<std::string> lru_;  // front: most recently flushed
  std::atomic<uint64_t> hits_{0};
};

}  // namespace stockroom::engine::internal

#include "engine/internal/projection_runtime.h"

#include <chrono>

namespace stockroom::engine::internal {
namespace {

constexpr size_t kReplayChunk = 4096;  // events per batch in catch-up and rebuild

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ProjectionRuntime::ProjectionRuntime(
    events::EventLog& log, std::vector<std::shared_ptr<const projections::Projection>> projections,
    size_t view_cache_bytes)
    : log_(log) {
  for (auto& p : projections) {
    auto slot = std::make_unique<Slot>(p);
    slot->store = std::make_unique<BatchViewStore>(log_, slot->space, view_cache_bytes);
    slots_.push_back(std::move(slot));
  }
}

std::vector<std::string> ProjectionRuntime::spaces(
    const std::vector<std::shared_ptr<const projections::Projection>>& projections) {
  std::vector<std::string> out;
  for (const auto& p : projections) out.push_back(ViewSpace(p->name()).space());
  return out;
}

Status ProjectionRuntime::open() {
  for (auto& slot : slots_) {
    auto meta = slot->space.read_meta(log_);
    if (!meta) return std::unexpected(meta.error());
    slot->gen.store(meta->gen);
    slot->checkpoint = meta->checkpoint;
    if (meta->rebuilding == 0) continue;
    // A rebuild was cut short: its generation is incomplete and never was in use.
    auto batch = log_.begin_batch();
    batch->remove_range(slot->space.space(), ViewSpace::gen_begin(meta->rebuilding),
                        ViewSpace::gen_end(meta->rebuilding));
    slot->space.clear_rebuilding(*batch);
    if (auto s = log_.commit(*batch); !s) return s;
  }
  return {};
}

uint64_t ProjectionRuntime::view_cache_hits() const {
  uint64_t hits = 0;
  for (const auto& slot : slots_) hits += slot->store->cache_hits();
  return hits;
}

void ProjectionRuntime::begin(events::LogBatch* batch, bool carry) {
  for (auto& slot : slots_) {
    if (carry) {
      slot->store->carry(batch);
    } else {
      slot->store->reset(batch, slot->gen.load());
    }
  }
}

Status ProjectionRuntime::apply(const RecordedEvent& event) {
  for (auto& slot : slots_) {
    slot->store->at_event(event.position);
    if (auto s = slot->projection->apply(event, *slot->store); !s) return s;
  }
  return {};
}

void ProjectionRuntime::finish(events::LogBatch& batch, Position last) {
  for (auto& slot : slots_) {
    slot->store->flush();
    slot->space.put_checkpoint(batch, last);
    slot->checkpoint = last;
  }
}

void ProjectionRuntime::changes(std::vector<ViewChange>& out) const {
  for (const auto& slot : slots_) {
    for (const auto& [key, write] : slot->store->writes()) {
      if (!write.value || key.starts_with('\x01')) continue;
      out.push_back(
          ViewChange{std::string(slot->projection->name()), key, *write.value, write.position});
    }
  }
}

Status ProjectionRuntime::replay(const events::EventLog& source, const std::vector<Target>& targets,
                                 Position from, const ProgressFn& progress, RebuildReport& report) {
  const Position head = source.head().position;
  for (Position next = from; next <= head;) {
    auto decoded = read_decoded(source, next, head, kReplayChunk);
    if (!decoded) return std::unexpected(decoded.error());
    if (decoded->empty()) break;
    // One read and decode of each chunk feeds every target: a rebuild of all views
    // reads the log once.
    auto batch = log_.begin_batch();
    for (const Target& t : targets) t.slot->store->reset(batch.get(), t.gen);
    for (const LoggedEvent& e : *decoded) {
      for (const Target& t : targets) {
        t.slot->store->at_event(e.event.position);
        if (auto s = t.slot->projection->apply(e.event, *t.slot->store); !s) return s;
      }
    }
    for (const Target& t : targets) t.slot->store->flush();
    next = Position{decoded->back().event.position.value + 1};
    for (const Target& t : targets) {
      // During a rebuild the checkpoint of the generation in use must not move.
      if (t.gen == t.slot->gen.load()) {
        t.slot->space.put_checkpoint(*batch, Position{next.value - 1});
      }
    }
    if (auto s = log_.commit(*batch); !s) return s;
    report.events += decoded->size() * targets.size();
    if (progress) {
      for (const Target& t : targets) {
        progress(t.slot->projection->name(), Position{next.value - 1}, head);
      }
    }
  }
  for (const Target& t : targets) t.slot->store->reset(nullptr, t.slot->gen.load());
  return {};
}

Result<RebuildReport> ProjectionRuntime::catch_up(const ProgressFn& progress) {
  RebuildReport report;
  const auto start = std::chrono::steady_clock::now();
  for (auto& slot : slots_) {
    if (slot->checkpoint >= log_.head().position) continue;
    report.views.emplace_back(slot->projection->name());
    Position from{slot->checkpoint.value + 1};
    if (auto s = replay(log_, {Target{slot.get(), slot->gen.load()}}, from, progress, report); !s) {
      return std::unexpected(s.error());
    }
    slot->checkpoint = log_.head().position;
  }
  report.seconds = seconds_since(start);
  return report;
}

Result<RebuildReport> ProjectionRuntime::rebuild(const std::string& name,
                                                 const ProgressFn& progress) {
  RebuildReport report;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Target> targets;
  for (auto& slot : slots_) {
    if (!name.empty() && slot->projection->name() != name) continue;
    report.views.emplace_back(slot->projection->name());
    targets.push_back(Target{slot.get(), slot->gen.load() + 1});
  }
  if (targets.empty()) return fail(ErrorCode::kNotFound, "no view named '" + name + "'");
  // Mark the new generations, clearing whatever an earlier attempt left in them.
  auto mark = log_.begin_batch();
  for (const Target& t : targets) {
    mark->remove_range(t.slot->space.space(), ViewSpace::gen_begin(t.gen),
                       ViewSpace::gen_end(t.gen));
    t.slot->space.put_rebuilding(*mark, t.gen);
  }
  if (auto s = log_.commit(*mark); !s) return std::unexpected(s.error());
  if (auto s = replay(log_, targets, Position{1}, progress, report); !s) {
    return std::unexpected(s.error());
  }
  // The swap: one batch makes every new generation the one in use.
  auto swap = log_.begin_batch();
  for (const Target& t : targets) {
    const uint32_t old_gen = t.slot->gen.load();
    t.slot->space.put_gen(*swap, t.gen);
    t.slot->space.put_checkpoint(*swap, log_.head().position);
    t.slot->space.clear_rebuilding(*swap);
    swap->remove_range(t.slot->space.space(), ViewSpace::gen_begin(old_gen),
                       ViewSpace::gen_end(old_gen));
  }
  if (auto s = log_.commit(*swap); !s) return std::unexpected(s.error());
  for (const Target& t : targets) {
    t.slot->gen.store(t.gen);
    t.slot->checkpoint = log_.head().position;
  }
  report.seconds = seconds_since(start);
  return report;
}

Result<RebuildReport> ProjectionRuntime::fold_from(const events::EventLog& source,
                                                   const ProgressFn& progress) {
  RebuildReport report;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Target> targets;
  for (auto& slot : slots_) {
    report.views.emplace_back(slot->projection->name());
    targets.push_back(Target{slot.get(), slot->gen.load()});
  }
  if (auto s = replay(source, targets, Position{1}, progress, report); !s) {
    return std::unexpected(s.error());
  }
  report.seconds = seconds_since(start);
  return report;
}

const ProjectionRuntime::Slot* ProjectionRuntime::find(std::string_view name) const {
  for (const auto& slot : slots_) {
    if (slot->projection->name() == name) return slot.get();
  }
  return nullptr;
}

Result<std::optional<std::string>> ProjectionRuntime::get(std::string_view name,
                                                          std::string_view key) const {
  const Slot* slot = find(name);
  if (slot == nullptr)
    return fail(ErrorCode::kNotFound, "no view named '" + std::string(name) + "'");
  for (;;) {
    const uint32_t gen = slot->gen.load();
    auto value = log_.get(slot->space.space(), ViewSpace::view_key(gen, key));
    // A rebuild may have swapped generations (and deleted this one) under the read.
    if (value && !*value && slot->gen.load() != gen) continue;
    return value;
  }
}

Result<std::vector<std::pair<std::string, std::string>>> ProjectionRuntime::scan(
    std::string_view name, std::string_view after_key, size_t limit) const {
  const Slot* slot = find(name);
  if (slot == nullptr)
    return fail(ErrorCode::kNotFound, "no view named '" + std::string(name) + "'");
  const uint32_t gen = slot->gen.load();
  std::string begin = ViewSpace::view_key(gen, after_key);
  if (!after_key.empty()) begin.push_back('\0');
  auto rows = log_.scan(slot->space.space(), begin, ViewSpace::gen_end(gen), limit);
  if (!rows) return std::unexpected(rows.error());
  for (auto& [k, v] : *rows) k.erase(0, 4);
  return rows;
}

Result<Position> ProjectionRuntime::checkpoint(std::string_view name) const {
  const Slot* slot = find(name);
  if (slot == nullptr)
    return fail(ErrorCode::kNotFound, "no view named '" + std::string(name) + "'");
  auto meta = slot->space.read_meta(log_);
  if (!meta) return std::unexpected(meta.error());
  return meta->checkpoint;
}

std::vector<std::string> ProjectionRuntime::names() const {
  std::vector<std::string> out;
  for (const auto& slot : slots_) out.emplace_back(slot->projection->name());
  return out;
}

}  // namespace stockroom::engine::internal

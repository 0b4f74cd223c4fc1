#include "engine/internal/batch_view_store.h"

#include <limits>

namespace stockroom::engine::internal {

BatchViewStore::BatchViewStore(const events::EventLog& log, const ViewSpace& space)
    : log_(log), space_(space) {}

void BatchViewStore::reset(events::LogBatch* batch, uint32_t gen) {
  batch_ = batch;
  gen_ = gen;
  overlay_.clear();
  carried_.clear();
}

void BatchViewStore::carry(events::LogBatch* batch) {
  batch_ = batch;
  carried_.swap(overlay_);
  overlay_.clear();
}

Result<std::optional<std::string>> BatchViewStore::get(std::string_view key) {
  if (auto it = overlay_.find(key); it != overlay_.end()) {
    if (it->second.kept) return std::optional<std::string>(it->second.kept->encode());
    return it->second.value;
  }
  if (auto it = carried_.find(key); it != carried_.end()) return it->second.value;
  return log_.get(space_.space(), ViewSpace::view_key(gen_, key));
}

void BatchViewStore::put(std::string_view key, std::string_view value) {
  batch_->put(space_.space(), ViewSpace::view_key(gen_, key), value);
  overlay_.insert_or_assign(std::string(key), Write{std::string(value), nullptr, position_});
}

void BatchViewStore::remove(std::string_view key) {
  batch_->remove(space_.space(), ViewSpace::view_key(gen_, key));
  overlay_.insert_or_assign(std::string(key), Write{std::nullopt, nullptr, position_});
}

projections::WorkingView* BatchViewStore::working(std::string_view key) {
  auto it = overlay_.find(key);
  if (it == overlay_.end() || !it->second.kept) return nullptr;
  it->second.position = position_;  // the caller is about to change it
  return it->second.kept.get();
}

void BatchViewStore::keep(std::string_view key, std::unique_ptr<projections::WorkingView> view) {
  overlay_.insert_or_assign(std::string(key), Write{std::nullopt, std::move(view), position_});
}

void BatchViewStore::flush() {
  for (auto& [key, write] : overlay_) {
    if (!write.kept) continue;
    write.value = write.kept->encode();
    write.kept.reset();
    batch_->put(space_.space(), ViewSpace::view_key(gen_, key), *write.value);
  }
}

Result<std::vector<std::string>> BatchViewStore::keys_with_prefix(std::string_view prefix) {
  std::string begin = ViewSpace::view_key(gen_, prefix);
  std::string end = begin;
  // The smallest key after every key with this prefix: bump the last byte below 0xFF.
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (end.empty()) {
    end = ViewSpace::gen_end(gen_);
  } else {
    end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  }
  auto stored = log_.scan(space_.space(), begin, end, std::numeric_limits<size_t>::max());
  if (!stored) return std::unexpected(stored.error());
  std::map<std::string, bool> merged;  // key -> present
  for (auto& [k, v] : *stored) merged.emplace(k.substr(4), true);
  for (const auto* layer : {&carried_, &overlay_}) {  // the newer layer wins
    for (auto it = layer->lower_bound(prefix); it != layer->end() && it->first.starts_with(prefix);
         ++it) {
      merged[it->first] = it->second.value.has_value() || it->second.kept != nullptr;
    }
  }
  std::vector<std::string> keys;
  for (auto& [k, present] : merged) {
    if (present) keys.push_back(k);
  }
  return keys;
}

}  // namespace stockroom::engine::internal

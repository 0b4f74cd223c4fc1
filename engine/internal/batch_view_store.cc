#include "engine/internal/batch_view_store.h"

#include <limits>

namespace stockroom::engine::internal {

BatchViewStore::BatchViewStore(const events::EventLog& log, const ViewSpace& space,
                               size_t cache_bytes)
    : log_(log), space_(space), cache_budget_(cache_bytes) {}

void BatchViewStore::reset(events::LogBatch* batch, uint32_t gen) {
  batch_ = batch;
  if (gen != gen_) clear_cache();
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
  uncache(key);
  batch_->put(space_.space(), ViewSpace::view_key(gen_, key), value);
  overlay_.insert_or_assign(std::string(key), Write{std::string(value), nullptr, position_});
}

void BatchViewStore::remove(std::string_view key) {
  uncache(key);
  batch_->remove(space_.space(), ViewSpace::view_key(gen_, key));
  overlay_.insert_or_assign(std::string(key), Write{std::nullopt, nullptr, position_});
}

projections::WorkingView* BatchViewStore::working(std::string_view key) {
  if (auto it = overlay_.find(key); it != overlay_.end()) {
    if (!it->second.kept) return nullptr;
    it->second.position = position_;  // the caller is about to change it
    return it->second.kept.get();
  }
  // Not written in this group: the cached view, if any, is the latest under the key
  // (the carried layer's or the stored one). It moves into this group's overlay.
  auto cached = cache_.find(key);
  if (cached == cache_.end()) return nullptr;
  std::unique_ptr<projections::WorkingView> view = std::move(cached->second.view);
  uncache(key);
  hits_.fetch_add(1, std::memory_order_relaxed);
  auto [it, _] =
      overlay_.insert_or_assign(std::string(key), Write{std::nullopt, std::move(view), position_});
  return it->second.kept.get();
}

void BatchViewStore::keep(std::string_view key, std::unique_ptr<projections::WorkingView> view) {
  uncache(key);
  overlay_.insert_or_assign(std::string(key), Write{std::nullopt, std::move(view), position_});
}

void BatchViewStore::flush() {
  for (auto& [key, write] : overlay_) {
    if (!write.kept) continue;
    write.value = write.kept->encode();
    batch_->put(space_.space(), ViewSpace::view_key(gen_, key), *write.value);
    cache(key, std::move(write.kept), write.value->size());
  }
}

void BatchViewStore::cache(const std::string& key, std::unique_ptr<projections::WorkingView> view,
                           size_t bytes) {
  if (bytes > cache_budget_) return;
  uncache(key);
  lru_.push_front(key);
  cache_.emplace(key, Cached{std::move(view), bytes, lru_.begin()});
  cache_bytes_ += bytes;
  while (cache_bytes_ > cache_budget_) uncache(lru_.back());
}

void BatchViewStore::uncache(std::string_view key) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return;
  cache_bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  cache_.erase(it);
}

void BatchViewStore::clear_cache() {
  cache_.clear();
  lru_.clear();
  cache_bytes_ = 0;
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

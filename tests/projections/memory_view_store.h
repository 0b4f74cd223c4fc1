// An in-memory ViewStore for the projection tests: a std::map, no RocksDB. Reads
// can be made to fail to check that a projection passes storage errors on. With
// keeping(true) it holds kept views decoded until flush(), as the engine's group
// overlay does; by default it stores them at once (ViewStore's default keep()).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"

namespace stockroom::testing {

class MemoryViewStore final : public projections::ViewStore {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    if (fail_reads_) return fail(ErrorCode::kUnavailable, "injected read failure");
    if (const auto k = kept_.find(std::string(key)); k != kept_.end()) {
      return std::optional<std::string>(k->second->encode());
    }
    const auto it = entries_.find(std::string(key));
    if (it == entries_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  void put(std::string_view key, std::string_view value) override {
    kept_.erase(std::string(key));
    entries_[std::string(key)] = std::string(value);
  }
  void remove(std::string_view key) override {
    kept_.erase(std::string(key));
    entries_.erase(std::string(key));
  }
  projections::WorkingView* working(std::string_view key) override {
    const auto it = kept_.find(std::string(key));
    return it == kept_.end() ? nullptr : it->second.get();
  }
  void keep(std::string_view key, std::unique_ptr<projections::WorkingView> view) override {
    if (!keeping_) return ViewStore::keep(key, std::move(view));
    kept_[std::string(key)] = std::move(view);
  }
  // Encodes and stores every kept view (the end of a group).
  void flush() {
    for (auto& [key, view] : kept_) entries_[key] = view->encode();
    kept_.clear();
  }
  void keeping(bool on) { keeping_ = on; }
  [[nodiscard]] size_t kept() const { return kept_.size(); }
  Result<std::vector<std::string>> keys_with_prefix(std::string_view prefix) override {
    if (fail_reads_) return fail(ErrorCode::kUnavailable, "injected read failure");
    std::vector<std::string> keys;
    std::set<std::string> found;
    for (auto it = entries_.lower_bound(std::string(prefix));
         it != entries_.end() && it->first.starts_with(prefix); ++it) {
      found.insert(it->first);
    }
    for (auto it = kept_.lower_bound(std::string(prefix));
         it != kept_.end() && it->first.starts_with(prefix); ++it) {
      found.insert(it->first);
    }
    return std::vector<std::string>(found.begin(), found.end());
  }

  // The stored value of `key`, or "" when there is none.
  [[nodiscard]] std::string at(const std::string& key) const {
    const auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second;
  }
  [[nodiscard]] bool has(const std::string& key) const { return entries_.contains(key); }
  [[nodiscard]] const std::map<std::string, std::string>& entries() const { return entries_; }
  void fail_reads(bool fail) { fail_reads_ = fail; }

 private:
  std::map<std::string, std::string> entries_;
  std::map<std::string, std::unique_ptr<projections::WorkingView>> kept_;
  bool fail_reads_ = false;
  bool keeping_ = false;
};

}  // namespace stockroom::testing

// An in-memory ViewStore for the projection tests: a std::map, no RocksDB. Reads
// can be made to fail to check that a projection passes storage errors on.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"

namespace stockroom::testing {

class MemoryViewStore final : public projections::ViewStore {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    if (fail_reads_) return fail(ErrorCode::kUnavailable, "injected read failure");
    const auto it = entries_.find(std::string(key));
    if (it == entries_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  void put(std::string_view key, std::string_view value) override {
    entries_[std::string(key)] = std::string(value);
  }
  void remove(std::string_view key) override { entries_.erase(std::string(key)); }
  Result<std::vector<std::string>> keys_with_prefix(std::string_view prefix) override {
    if (fail_reads_) return fail(ErrorCode::kUnavailable, "injected read failure");
    std::vector<std::string> keys;
    for (auto it = entries_.lower_bound(std::string(prefix));
         it != entries_.end() && it->first.starts_with(prefix); ++it) {
      keys.push_back(it->first);
    }
    return keys;
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
  bool fail_reads_ = false;
};

}  // namespace stockroom::testing

// RawStore: a log's directory opened with the plain RocksDB API, to change the store
// behind the log's back (tampering, lost index entries) as a broken tool or an attacker
// could. The key encodings here are written from docs/storage.md, independently of
// events/internal/keys.h, so the tests also check the documented layout.
#pragma once

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stockroom::events::testing {

// u64 big-endian: the "log", "chain" and "streams" value encodings of a position.
inline std::string be64(uint64_t value) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
  return out;
}

// A "streams" key: name, 0x00, version big-endian.
inline std::string stream_key(std::string_view stream, uint64_t version) {
  std::string key(stream);
  key.push_back('\0');
  return key + be64(version);
}

class RawStore {
 public:
  // REQUIRES: no EventLog has `dir` open for writing.
  explicit RawStore(const std::string& dir) {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names)
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &db).ok());
    db_.reset(db);
    for (rocksdb::ColumnFamilyHandle* handle : handles) families_[handle->GetName()] = handle;
  }
  ~RawStore() {
    for (auto& [name, handle] : families_)
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
  RawStore(const RawStore&) = delete;
  RawStore& operator=(const RawStore&) = delete;

  void put(const std::string& family, std::string_view key, std::string_view value) {
    REQUIRE(db_->Put(rocksdb::WriteOptions(), handle(family), key, value).ok());
  }
  void remove(const std::string& family, std::string_view key) {
    REQUIRE(db_->Delete(rocksdb::WriteOptions(), handle(family), key).ok());
  }
  [[nodiscard]] std::optional<std::string> get(const std::string& family, std::string_view key) {
    std::string value;
    const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), handle(family), key, &value);
    if (status.IsNotFound()) return std::nullopt;
    REQUIRE(status.ok());
    return value;
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(const std::string& family) {
    REQUIRE(families_.contains(family));
    return families_.at(family);
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_;
};

}  // namespace stockroom::events::testing

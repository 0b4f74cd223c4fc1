// StreamPrefixExtractor: the prefix of a "streams" key is the stream name and its
// 0x00 terminator. With it RocksDB keeps a prefix Bloom filter per table file and
// memtable, so asking for the last version of a stream that has no events (every new
// cart and order) usually reads no data block.
#pragma once

#include <rocksdb/slice_transform.h>

namespace stockroom::events::internal {

class StreamPrefixExtractor final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "stockroom.StreamPrefixExtractor"; }
  // REQUIRES: InDomain(key).
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override;
  // Keys and seek targets that contain the terminator.
  bool InDomain(const rocksdb::Slice& key) const override;
};

}  // namespace stockroom::events::internal

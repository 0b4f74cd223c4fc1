#include "events/internal/stream_prefix_extractor.h"

#include <string_view>

#include "events/internal/keys.h"

namespace stockroom::events::internal {

rocksdb::Slice StreamPrefixExtractor::Transform(const rocksdb::Slice& key) const {
  const std::string_view bytes(key.data(), key.size());
  return rocksdb::Slice(key.data(), bytes.find(kStreamSeparator) + 1);
}

bool StreamPrefixExtractor::InDomain(const rocksdb::Slice& key) const {
  return std::string_view(key.data(), key.size()).find(kStreamSeparator) != std::string_view::npos;
}

}  // namespace stockroom::events::internal

#include "events/internal/command_retention_filter.h"

#include <chrono>
#include <utility>

#include "events/internal/keys.h"

namespace stockroom::events::internal {

CommandRetentionFilter::CommandRetentionFilter(Duration retention, std::function<Timestamp()> clock)
    : retention_(retention), clock_(clock ? std::move(clock) : system_now) {}

bool CommandRetentionFilter::Filter(int /*level*/, const rocksdb::Slice& /*key*/,
                                    const rocksdb::Slice& existing_value,
                                    std::string* /*new_value*/, bool* /*value_changed*/) const {
  const std::optional<Timestamp> recorded_at =
      decode_command_time(std::string_view(existing_value.data(), existing_value.size()));
  // A value of the wrong shape is kept: deleting it would hide the corruption.
  if (!recorded_at) return false;
  int64_t expires_at = 0;
  // A retention so long that it overflows never expires.
  if (__builtin_add_overflow(recorded_at->micros, retention_.micros, &expires_at)) return false;
  return expires_at < clock_().micros;
}

Timestamp system_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()};
}

}  // namespace stockroom::events::internal

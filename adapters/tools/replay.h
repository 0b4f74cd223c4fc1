// Replay: the analysts' stream of the log (cli.md, `replay`). Events in position order
// as JSON lines (the event shape of nats-api.md) or CSV, filtered by position, time,
// type, stream and kind, optionally with each event's stored record and the chain hash
// before it (`--with-raw`), optionally following a running serve (`--follow`).
//
// Memory stays bounded whatever the log's size: the log is read a chunk at a time
// (by position, or through the stream index when streams are named) and the output
// leaves in blocks. Reading never changes the log.
// Threads: runs on the caller's thread; `stop` may be set from any other.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/types.h"
#include "events/event_log.h"

namespace stockroom::tools {

enum class ReplayFormat : uint8_t { kJsonLines, kCsv };

struct ReplayFilter {
  Position from{1};
  std::optional<Position> to;        // inclusive
  std::optional<Timestamp> since;    // time >= since
  std::optional<Timestamp> until;    // time < until
  std::vector<std::string> types;    // event type names, e.g. "StockReserved"
  std::vector<std::string> streams;  // whole stream names, e.g. "order-o-1"
  std::vector<std::string> kinds;    // "product", "cart", "order", "review"
};

// kInvalidArgument for an unknown type or kind, or a range that holds nothing by
// construction (from > to, since >= until), with what to give instead.
[[nodiscard]] Status check_filter(const ReplayFilter& filter);

struct ReplayOptions {
  ReplayFilter filter;
  ReplayFormat format = ReplayFormat::kJsonLines;
  bool with_raw = false;
  // Keep reading what the writer appends (the log must be a follower, see
  // engine::open_offline) until `stop` is set or `to` is passed.
  bool follow = false;
  std::chrono::milliseconds poll{200};
  const std::atomic<bool>* stop = nullptr;
  // After every chunk: events written so far, the last position read, the head.
  std::function<void(uint64_t written, Position at, Position head)> progress;
};

// Where output goes, a block at a time; an error stops the replay and is returned.
using Sink = std::function<Status(std::string_view block)>;

struct ReplayStats {
  uint64_t written = 0;  // events that passed the filter
  uint64_t read = 0;     // events read
  Position last;         // the last position read
};

// The CSV header line (with its newline).
[[nodiscard]] std::string_view csv_header(bool with_raw);

[[nodiscard]] Result<ReplayStats> replay(events::EventLog& log, const ReplayOptions& options,
                                         const Sink& sink);

// One partition's log (a copy of a cluster partition, cluster/partition_copy.h).
struct PartitionLog {
  uint32_t partition = 0;
  events::EventLog* log = nullptr;  // borrowed; read from its head as of the call
};

// The events of several partitions' logs merged in time order, ties broken by
// partition and then position (a total order, the same on every run), each carrying
// its partition: in JSON lines `"partition"` is the first field (as the cluster's
// pushes have it), in CSV the first column. The filter is replay()'s; positions
// (from, to) are each partition's own. Memory: one chunk per partition. No follow
// (kInvalidArgument).
[[nodiscard]] Result<ReplayStats> replay_merged(std::span<const PartitionLog> logs,
                                                const ReplayOptions& options, const Sink& sink);

}  // namespace stockroom::tools

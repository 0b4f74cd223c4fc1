#include "adapters/cluster/partition_copy.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>

#include "adapters/cluster/deadline.h"
#include "adapters/cluster/lease_table.h"

namespace stockroom::cluster {
namespace {

constexpr size_t kReadBatch = 1024;
// How long the tools wait for a cluster that is electing a leader (5-7 s in 2.9.10).
constexpr std::chrono::seconds kPatience{30};

Result<std::string> make_root(const std::string& scratch_parent) {
  std::error_code ec;
  const std::filesystem::path parent = scratch_parent.empty()
                                           ? std::filesystem::temp_directory_path(ec)
                                           : std::filesystem::path(scratch_parent);
  if (ec) return fail(ErrorCode::kInvalidArgument, "no temporary directory: " + ec.message());
  std::string pattern = (parent / "stockroom-cluster-copy-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("cannot make a scratch directory under {}", parent.string()));
  }
  return pattern;
}

}  // namespace

Result<uint64_t> copy_stream(PartitionStream& stream, engine::Follower& follower,
                             std::chrono::milliseconds per_read) {
  auto last = stream.last_sequence(deadline_in(per_read));
  if (!last) return std::unexpected(last.error());
  while (follower.applied_sequence() < *last) {
    const uint64_t from = follower.applied_sequence() + 1;
    auto records =
        stream.read(from, std::min<uint64_t>(kReadBatch, *last - from + 1), deadline_in(per_read));
    if (!records) return std::unexpected(records.error());
    if (records->empty()) {
      return fail(ErrorCode::kUnavailable,
                  fmt::format("stream {} gave nothing from sequence {} (its last is {})",
                              stream.name(), from, *last));
    }
    for (const StreamRecord& r : *records) {
      if (r.seq > *last) break;
      if (Status applied = follower.apply(r.seq, r.data); !applied) {
        Error e = applied.error();
        e.message = fmt::format("stream message {}: {}", r.seq, e.message);
        e.details.push_back(ErrorDetail{"sequence", static_cast<int64_t>(r.seq)});
        return std::unexpected(std::move(e));
      }
    }
  }
  return follower.applied_sequence();
}

Result<std::unique_ptr<ClusterCopy>> ClusterCopy::make(const nats_adapter::ConnectOptions& connect,
                                                       const std::string& prefix,
                                                       const std::string& scratch_parent,
                                                       const engine::EngineOptions& engine) {
  auto link = JetLink::connect(connect);
  if (!link) return std::unexpected(link.error());
  auto count = LeaseTable::read_partition_count(**link, prefix, deadline_in(kPatience));
  if (!count) return std::unexpected(count.error());
  auto root = make_root(scratch_parent);
  if (!root) return std::unexpected(root.error());
  std::unique_ptr<ClusterCopy> copy(new ClusterCopy(*root));
  for (uint32_t p = 0; p < *count; ++p) {
    PartitionCopy& part = copy->partitions_.emplace_back();
    part.partition = p;
    part.dir = (std::filesystem::path(*root) / ("p" + std::to_string(p))).string();
    engine::EngineOptions options = engine;
    options.data_dir = part.dir;
    auto follower = engine::Follower::open(options);
    if (!follower) {
      part.status = std::unexpected(follower.error());
      continue;
    }
    PartitionStream stream(**link, prefix, p, 1);  // read only: the replica count is unused
    auto copied = copy_stream(stream, **follower, kPatience);
    part.stream_sequence = (*follower)->applied_sequence();
    if (!copied) part.status = std::unexpected(copied.error());
  }
  return copy;
}

ClusterCopy::~ClusterCopy() {
  std::error_code ignored;  // a scratch directory left behind is not worth an error
  std::filesystem::remove_all(root_, ignored);
}

}  // namespace stockroom::cluster

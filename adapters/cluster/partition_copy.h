// Copying a partition's replicated log out of JetStream into a local data directory,
// for the offline tools that read a whole cluster (`stockroom replay --cluster`,
// `stockroom verify --cluster`, cli.md). The copy is made by an engine::Follower, so
// every event's chain hash is checked as it is applied, and the directory is then what
// the partition's owner holds, byte for byte, up to the stream's last sequence as read
// when the copy began. Nothing here writes to the cluster.
//
// Threads: one thread. Ownership: a ClusterCopy owns its scratch directory and removes
// it when destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/cluster/jet_link.h"
#include "adapters/cluster/partition_stream.h"
#include "engine/follower.h"
#include "engine/model/error.h"

namespace stockroom::cluster {

// Applies the stream's messages past `follower`'s applied sequence, up to the stream's
// last sequence (read first), in batches, each read within `per_read`. Returns the last
// sequence applied. A message that does not apply (not a journal, a hash that does not
// chain) is the error of Follower::apply with "stream message N: " before its
// message and detail "sequence"; kUnavailable when the cluster does not answer.
[[nodiscard]] Result<uint64_t> copy_stream(PartitionStream& stream, engine::Follower& follower,
                                           std::chrono::milliseconds per_read);

// One partition as copied: its directory, or why it could not be copied.
struct PartitionCopy {
  uint32_t partition = 0;
  std::string dir;               // the copy's data directory (valid while the copy lives)
  uint64_t stream_sequence = 0;  // the stream messages applied
  Status status;                 // the copy's failure, if any (the dir then holds a prefix)
};

// Every partition of the cluster under `prefix`, copied into a fresh directory under
// `scratch_parent` (empty: $TMPDIR). A partition that fails to copy is reported in its
// PartitionCopy and the others go on; errors of the whole (no server answers, no
// cluster under `prefix`) are returned.
class ClusterCopy {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ClusterCopy>> make(
      const nats_adapter::ConnectOptions& connect, const std::string& prefix,
      const std::string& scratch_parent, const engine::EngineOptions& engine);
  ~ClusterCopy();
  ClusterCopy(const ClusterCopy&) = delete;
  ClusterCopy& operator=(const ClusterCopy&) = delete;

  [[nodiscard]] const std::vector<PartitionCopy>& partitions() const { return partitions_; }

 private:
  explicit ClusterCopy(std::string root) : root_(std::move(root)) {}
  std::string root_;
  std::vector<PartitionCopy> partitions_;
};

}  // namespace stockroom::cluster

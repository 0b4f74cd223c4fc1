// ClusterNode: `serve --cluster` (docs/scale-out.md). One process's share of a
// partitioned Stockroom on a NATS cluster with JetStream:
//
//   - every partition has a JetStream stream (its replicated log) and a lease in a KV
//     bucket; the partition count is stored in the cluster when it is first created
//     and a process that disagrees is refused;
//   - the node claims free partitions up to its even share (KV create, polled: 2.9.10
//     sends no event when a lease expires), renews their leases, and serves each with
//     an Engine whose groups go to the stream before RocksDB (EngineOptions::replicate)
//     and a Service on <p>.p.<i>.>;
//   - it keeps hot standbys (engine::Follower) of `standbys` partitions per partition,
//     chosen by rendezvous hashing over the live nodes, so that a takeover only
//     catches up the last messages;
//   - takeover: catch up to the stream's last sequence, append an owner-change marker
//     with Nats-Expected-Last-Sequence (the fence), then open and serve. An owner whose
//     append is fenced, or whose lease was not renewed in time, stops serving that
//     partition and says so in its log and readiness;
//   - an owner also runs the partition's settle outbox (adapters/nats/settle_outbox.h),
//     which carries the stock effects of its orders placed elsewhere to the products'
//     partitions; its cursor lives in the KV bucket <PREFIX>_outbox (OutboxCursors), so
//     the next owner goes on from it;
//   - stop() hands every partition back (drains, releases the lease) so a standby takes
//     it at once.
//
// Threads: one control thread does all of the above; start() and stop() are the
// caller's. ready() and refresh_metrics() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/nats/service.h"
#include "adapters/ops/json_log.h"
#include "adapters/ops/metrics.h"
#include "engine/engine.h"

namespace stockroom::cluster {

struct ClusterOptions {
  nats_adapter::ConnectOptions connect;  // url: a comma-separated list of servers
  std::string prefix = "stockroom";
  std::string node_id;      // unique among live processes
  uint32_t partitions = 4;  // used when the cluster is created; else must match
  int replicas = 3;         // JetStream replicas of streams and buckets
  int standbys = 1;         // hot standbys kept per partition
  std::chrono::seconds lease_ttl{10};
  std::string data_dir;          // partition i lives in <data_dir>/p<i>
  engine::EngineOptions engine;  // template: durability, TTLs, queues (data_dir, hooks set here)
  nats_adapter::ServiceOptions service;  // template for each partition's service
};

class ClusterNode {
 public:
  // Connects, creates or checks the cluster's streams, buckets and partition count,
  // registers this node and starts the control thread. kInvalidArgument when the
  // cluster has another partition count or a live node has this node id;
  // kUnavailable when the cluster does not answer in time.
  [[nodiscard]] static Result<std::unique_ptr<ClusterNode>> start(ClusterOptions options,
                                                                  ops::Registry& metrics,
                                                                  ops::JsonLog& log);
  ~ClusterNode();  // stop()
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Connected and registered; /readyz also lists the partitions owned.
  [[nodiscard]] bool ready() const;
  // "owner 0,3 standby 1" — what /readyz prints.
  [[nodiscard]] std::string describe() const;

  // Updates the per-partition gauges (role, applied sequence, lag, head, outbox depth
  // and age).
  void refresh_metrics();

  // Hands every partition back: stops taking requests, drains, releases the leases.
  // Returns false when a drain passed `timeout`. Idempotent.
  bool stop(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit ClusterNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockroom::cluster

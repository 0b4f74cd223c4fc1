// JetLink: the cluster mode's one connection to a NATS cluster and its JetStream
// context. Partition streams and the lease table borrow both.
//
// Threads: NATS.c connections and JetStream contexts are thread-safe for the
// synchronous calls the cluster link makes; any thread may use a JetLink.
// Ownership: the JetLink owns the connection and the context; everything that borrows
// them (PartitionStream, LeaseTable) must be destroyed first.
#pragma once

#include <memory>

#include "adapters/nats/nats_options.h"
#include "engine/model/error.h"

struct __natsConnection;
struct __jsCtx;

namespace stockroom::cluster {

class JetLink {
 public:
  // Connects to the first server that answers among `options.url`, which may be a
  // comma-separated list ("nats://h1:4222,nats://h2:4222"); credentials and TLS as for
  // the service (nats_adapter::make_nats_options). Once connected it reconnects
  // forever, every options.reconnect_wait_ms, to any server of the cluster.
  // kUnavailable when no server answers; kInvalidArgument for an option NATS.c refuses.
  [[nodiscard]] static Result<std::unique_ptr<JetLink>> connect(
      const nats_adapter::ConnectOptions& options);

  ~JetLink();
  JetLink(const JetLink&) = delete;
  JetLink& operator=(const JetLink&) = delete;

  // Borrowed; valid while this JetLink lives. The context's default API wait is
  // kApiWaitMs: calls that take no per-call wait (the KV API) give up after it and
  // retry.
  [[nodiscard]] __natsConnection* connection() const { return nc_; }
  [[nodiscard]] __jsCtx* js() const { return js_; }

  static constexpr int64_t kApiWaitMs = 2000;

 private:
  JetLink(__natsConnection* nc, __jsCtx* js) : nc_(nc), js_(js) {}
  __natsConnection* nc_;
  __jsCtx* js_;
};

}  // namespace stockroom::cluster

// Service: the engine on NATS (nats-api.md). Subscribes to <p>.cmd.> and <p>.query.>
// in a queue group, decodes each request in the encoding its Content-Type names,
// hands commands to the engine without blocking the NATS delivery thread, and
// replies once the events are durable. Every request gets a reply, bad ones
// included. Pushes events and views after each durable group, in position order.
//
// Life cycle (adapters/cli/serve.cc):
//   auto svc = Service::connect(options, metrics, log);   // NATS first: pushes need it
//   engine_options.on_commit = svc->commit_listener();
//   engine_options.on_fault = svc->fault_listener();
//   auto engine = Engine::open(engine_options);
//   svc->start(*engine);                                   // subscribes, signs heads
//   ... SIGTERM ...
//   svc->drain(timeout);  // no new requests; in-flight ones finish and are answered;
//                         // a last signed head is pushed
//   engine.reset();       // closes RocksDB
//   svc.reset();          // closes the connection
//
// The connection reconnects forever; NATS.c resubscribes. While disconnected the
// service is not ready (readyz 503); replies to commands that completed meanwhile go
// to NATS.c's reconnect buffer. A command is acknowledged only by its reply, so a
// client that timed out resends with the same command_id and gets the original
// result (duplicate: true).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "adapters/audit/signing_key.h"
#include "adapters/nats/actor_map.h"
#include "adapters/nats/nats_options.h"
#include "adapters/nats/query_lane.h"
#include "adapters/nats/read_gate.h"
#include "adapters/ops/json_log.h"
#include "adapters/ops/metrics.h"
#include "engine/engine.h"

namespace stockroom::nats_adapter {

struct ServiceOptions {
  ConnectOptions connect;
  std::string prefix = "stockroom";
  std::string queue_group = "stockroom";
  size_t max_payload = 64 * 1024;  // larger requests: PAYLOAD_TOO_LARGE
  // Queries run on two lanes (query_lane.h), each with its workers and bounds; a query
  // that finds its lane full is UNAVAILABLE at once. Point queries (order, stock,
  // rating, cart, head) never wait behind long ones (history, events, as_of, verify,
  // admin checkpoint), whose cost is bounded by `long_queries.deadline`
  // (query_handler.h); a drain cancels them.
  LaneOptions point_queries{.workers = 1, .max_queued = 10'000};
  LaneOptions long_queries{.workers = 2, .max_queued = 64};
  // NATS.c's pending limits (what it buffers for this service before dropping, as a
  // slow consumer): on <p>.cmd.> the engine's queue bound (EngineOptions::
  // max_queued_*), on <p>.query.> the lanes' bounds summed, each at least these.
  // Drops are counted (stockroom_nats_dropped_total) and logged (nats_slow_consumer).
  size_t min_pending_msgs = 8192;
  size_t min_pending_bytes = 8 * 1024 * 1024;
  // Signed heads (nats-api.md): with a key, the head is signed and pushed on
  // <p>.audit.head at start, every head_interval and at drain, and query.head answers
  // the latest. Without one, nothing is pushed and query.head is UNAVAILABLE.
  std::optional<audit::SigningKey> signing_key;
  std::chrono::milliseconds head_interval{10'000};
  // Cluster mode (docs/scale-out.md): the service answers one partition, on
  // <p>.p.<index>.cmd.> and <p>.p.<index>.query.> (where the server's mapping sends
  // keyed subjects), and refuses (INVALID_ARGUMENT) a command or per-aggregate query
  // without a key or whose key belongs to another partition. Pushes stay on <p>.
  // `reads` (read_gate.h): while it is closed, queries and refusals are answered
  // UNAVAILABLE, as this node cannot vouch that its copy is the partition's latest;
  // the service closes it when its connection drops. Null: always answered. Not owned;
  // must outlive drain().
  struct Partition {
    uint32_t index = 0;
    uint32_t count = 1;
    ReadGate* reads = nullptr;
  };
  std::optional<Partition> partition;
  // Actor binding (actor_map.h, serve --actor-map): a command whose actor its sender's
  // NATS account and user may not claim is refused FORBIDDEN, nothing written. Without
  // a map the actor is taken as the client wrote it.
  std::optional<ActorMap> actors;
};

class Service {
 public:
  // Connects to NATS; when the server is not up yet, keeps trying in the background
  // (not ready meanwhile). kInvalidArgument for bad options (URL, creds, TLS files) and
  // a failed TLS handshake, kForbidden for credentials the server refused: at once,
  // never retried (connect_failure.h).
  [[nodiscard]] static Result<std::unique_ptr<Service>> connect(ServiceOptions options,
                                                                ops::Registry& metrics,
                                                                ops::JsonLog& log);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // For EngineOptions::on_commit: publishes each durable group's events and views.
  [[nodiscard]] engine::CommitListener commit_listener();

  // For EngineOptions::on_fault: logs `engine_read_only` (level error) with the reason
  // and code; ready() turns false at the same time (the engine is read-only).
  [[nodiscard]] engine::FaultListener fault_listener();

  // Subscribes and starts answering. `engine` must outlive drain().
  [[nodiscard]] Status start(engine::Engine& engine);

  // Connected to NATS, subscribed, engine writable, not draining.
  [[nodiscard]] bool ready() const;

  // Stops taking requests (subscriptions drained: what NATS already delivered is
  // still answered), cancels long queries (a running verify or scan replies with what
  // it has, one not begun is UNAVAILABLE), waits until every in-flight command and
  // query is answered, stops the signed heads with a last one, and flushes. Returns
  // false if `timeout` passed first. Call before the engine closes.
  bool drain(std::chrono::milliseconds timeout);

  // Refreshes the gauges read from the engine and the lanes (head, projection
  // positions, queue depths); call before rendering the registry.
  void refresh_metrics();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockroom::nats_adapter

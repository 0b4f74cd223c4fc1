// ReadGate: whether a partition's service may answer queries from its local copy.
//
// In cluster mode an owner's appends are fenced by the stream, but its reads are not:
// a node that no longer owns a partition, and does not know it yet, would answer from
// a copy that misses what the new owner appended since (a stale stock view, a
// cart without its last item). So queries are answered only while the owner's lease
// is surely its own (docs/scale-out.md, "Reads"):
//   - the cluster node opens the gate until the send time of its last lease renewal
//     (or create) that held, plus the TTL: nobody else can hold the lease before then
//     but by purging it, and purging needs the owner's subject silent (below);
//   - the service closes it when its NATS connection drops: a standby takes a partition
//     whose subject fell silent, so after a reconnect the lease must be renewed again
//     before a query is answered.
// A renewal sent before a close must not reopen the gate: open_until() takes the
// epoch read before the renewal was sent, and a close() since makes it a no-op.
//
// Thread-safe: sequentially consistent atomics (open_until's store-then-load must not
// be reordered against close()'s). Owned by the cluster node's slot; the service holds a
// pointer that outlives its drain.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace stockroom::nats_adapter {

class ReadGate {
 public:
  using Clock = std::chrono::steady_clock;

  // The epoch to pass to open_until() for a renewal about to be sent.
  [[nodiscard]] uint64_t epoch() const { return epoch_.load(); }

  // Open until `until`, unless close() was called since `epoch` was read.
  void open_until(Clock::time_point until, uint64_t epoch) {
    const int64_t ns = until.time_since_epoch().count();
    uint64_t seen = epoch_.load();
    if (seen != epoch) return;
    until_ns_.store(ns);
    // A close() that raced in between wins: undo.
    if (epoch_.load() != seen) until_ns_.store(0);
  }

  void close() {
    epoch_.fetch_add(1);
    until_ns_.store(0);
  }

  [[nodiscard]] bool open() const {
    return Clock::now().time_since_epoch().count() < until_ns_.load();
  }

 private:
  std::atomic<uint64_t> epoch_{0};
  std::atomic<int64_t> until_ns_{0};
};

}  // namespace stockroom::nats_adapter

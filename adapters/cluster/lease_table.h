// LeaseTable: who *tries* to own a partition, in a JetStream KV bucket `<PREFIX>_leases`
// (history 1, the lease TTL as the bucket's max age, R replicas), and the cluster's
// fixed facts in a bucket `<PREFIX>_meta` (no TTL): the partition count.
//
// A lease is only for liveness. In nats-server 2.9.10 a KV update by revision uses
// Nats-Expected-Last-Subject-Sequence, which is NOT serializable on R3 (nats-server
// #4320, fixed in 2.9.21): two holders may both renew. KV create holds. Safety comes from
// the partition stream's fence (PartitionStream::append), never from a lease.
// A lease that expires sends no watch event: a standby polls create(). get() may be
// served by any replica (the bucket allows direct gets), so it can show a lease for a
// moment after its release or expiry; create() and renew() go to the leader.
//
// Every call takes a deadline and retries timeouts and no-responders (leader
// elections) until it; the KV API waits JetLink::kApiWaitMs per try, so a call may end
// up to that much after its deadline. kUnavailable then means "try again later".
//
// Threads: any thread. Ownership: borrows the JetLink, which must outlive this.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/cluster/deadline.h"
#include "adapters/cluster/jet_link.h"
#include "engine/model/error.h"

struct __kvStore;

namespace stockroom::cluster {

struct LeaseEntry {
  std::string value;
  uint64_t revision = 0;
  bool operator==(const LeaseEntry&) const = default;
};

class LeaseTable {
 public:
  // Creates both buckets, or opens them when they exist with the same configuration.
  // `ttl` in whole seconds (>= 1). kInvalidState: a bucket exists with another TTL,
  // history or replica count; kUnavailable at the deadline.
  [[nodiscard]] static Result<std::unique_ptr<LeaseTable>> open(const JetLink& link,
                                                                std::string_view prefix,
                                                                std::chrono::seconds ttl,
                                                                int replicas, Deadline deadline);
  ~LeaseTable();
  LeaseTable(const LeaseTable&) = delete;
  LeaseTable& operator=(const LeaseTable&) = delete;

  // Takes `key` (a KV key: [-/_=.a-zA-Z0-9]) with `value` when it holds no live value
  // (never set, released, or expired); returns the lease's revision. kAlreadyExists
  // when another value holds it. If an earlier try of this call timed out and the key
  // now holds `value`, that try won: its revision is returned (so make values unique
  // per holder, e.g. node id and start time).
  [[nodiscard]] Result<uint64_t> create(std::string_view key, std::string_view value,
                                        Deadline deadline);

  // Extends the lease held at `revision`; returns the new revision. kConflict when the
  // key changed since (released, expired, taken). A refusal while the key still holds
  // `value` at `revision` is retried (2.9.10 gives such refusals after an election);
  // when the key holds `value` at a later revision, a lost try renewed it and that
  // revision is returned. kNotFound when, until the deadline, the key could not be
  // read and the server said it holds nothing: expired (an election longer than the
  // TTL ages leases out), so create() it again. Liveness only: see the top.
  [[nodiscard]] Result<uint64_t> renew(std::string_view key, std::string_view value,
                                       uint64_t revision, Deadline deadline);

  // Gives the lease up at once (a purge marker), so another node's create succeeds
  // without waiting for the TTL. Releasing a free key is not an error.
  [[nodiscard]] Status release(std::string_view key, Deadline deadline);

  // The live value of `key` and its revision; nullopt when free.
  [[nodiscard]] Result<std::optional<LeaseEntry>> get(std::string_view key, Deadline deadline);

  // The keys that hold a live value and start with `prefix` (e.g. "node."), sorted.
  // An expired key is gone once the server has aged it out.
  [[nodiscard]] Result<std::vector<std::string>> keys(std::string_view prefix, Deadline deadline);

  // The cluster's partition count: sets it to `n` if nobody has, and returns the value
  // that holds (the first claimer's). The caller refuses to run when it is not `n`.
  // kInvalidState when the stored value is not a number.
  [[nodiscard]] Result<uint32_t> claim_partition_count(uint32_t n, Deadline deadline);

  // The partition count of the cluster under `prefix`, read without creating anything
  // (the offline tools: `replay --cluster`, `verify --cluster`). kNotFound when no
  // cluster was created under that prefix; kInvalidState when the value is not a
  // number; kUnavailable at the deadline.
  [[nodiscard]] static Result<uint32_t> read_partition_count(const JetLink& link,
                                                             std::string_view prefix,
                                                             Deadline deadline);

 private:
  LeaseTable(__kvStore* leases, __kvStore* meta) : leases_(leases), meta_(meta) {}
  __kvStore* leases_;
  __kvStore* meta_;
};

}  // namespace stockroom::cluster

// OutboxCursors: where each partition's settle outbox (adapters/nats/settle_outbox.h)
// keeps its cursor — the last log position whose settlements were all acknowledged —
// so that it outlives the partition's owner: a JetStream KV bucket `<PREFIX>_outbox`
// (history 1, no TTL, R replicas), key `p<i>`, value the position in decimal.
//
// A cursor is only ever written by the owner of its partition after the product
// partitions acknowledged everything up to it, and every owner reads the same
// replicated log, so any value written is true of every later owner's log. Writes are
// plain puts: an old owner that has not yet stopped may put a smaller value after a
// newer one, which only makes the next owner resend (idempotent by command id).
//
// Every call takes a deadline and retries timeouts and leader elections until it (the
// KV API waits JetLink::kApiWaitMs per try). kUnavailable then means "try again later".
//
// Threads: any thread. Ownership: borrows the JetLink, which must outlive this.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "adapters/cluster/deadline.h"
#include "adapters/cluster/jet_link.h"
#include "engine/model/error.h"
#include "engine/model/types.h"

struct __kvStore;

namespace stockroom::cluster {

class OutboxCursors {
 public:
  // Creates the bucket, or opens it when it exists with the same configuration.
  // kInvalidState: it exists with another history or replica count; kUnavailable at the
  // deadline.
  [[nodiscard]] static Result<std::unique_ptr<OutboxCursors>> open(const JetLink& link,
                                                                   std::string_view prefix,
                                                                   int replicas, Deadline deadline);
  ~OutboxCursors();
  OutboxCursors(const OutboxCursors&) = delete;
  OutboxCursors& operator=(const OutboxCursors&) = delete;

  // Partition `partition`'s cursor; Position{0} when none was saved. kInvalidState when
  // the stored value is not a number.
  [[nodiscard]] Result<Position> load(uint32_t partition, Deadline deadline);

  // Stores `cursor` as partition `partition`'s.
  [[nodiscard]] Status save(uint32_t partition, Position cursor, Deadline deadline);

 private:
  explicit OutboxCursors(__kvStore* kv) : kv_(kv) {}
  __kvStore* kv_;
};

}  // namespace stockroom::cluster

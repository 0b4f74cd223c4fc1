// What the cluster link's KV buckets share (the lease table, the outbox cursors): the
// handle, opening a bucket with a given configuration, and how a KV call's natsStatus
// is judged. For the cluster link's own .cc files.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/cluster/internal/js_status.h"
#include "adapters/cluster/internal/retry.h"

namespace stockroom::cluster::internal {

struct KvDeleter {
  void operator()(kvStore* kv) const { kvStore_Destroy(kv); }
};
using KvPtr = std::unique_ptr<kvStore, KvDeleter>;

// The KV API hides JetStream's err_code: a server refusal (NATS_ERR) is judged by what
// the key holds afterwards, or by its text, and otherwise retried until the deadline.
[[nodiscard]] inline bool kv_worth_retry(natsStatus s) {
  return s == NATS_ERR || is_transient(s, 0);
}

// A failed KV call: retried when kv_worth_retry, else kInvalidArgument.
template <class T>
[[nodiscard]] Attempt<T> kv_refused(natsStatus s, std::string why) {
  if (kv_worth_retry(s)) return retry_later<T>(std::move(why));
  return done<T>(fail(ErrorCode::kInvalidArgument, std::move(why)));
}

// One try to create bucket `bucket` (history 1, file storage, `replicas`, `ttl_ns`
// nanoseconds as NATS.c 3.4.1 takes it; 0: none), or to open it when it exists with the
// same configuration. kInvalidState when it exists with another.
[[nodiscard]] Attempt<KvPtr> open_bucket(jsCtx* js, const std::string& bucket, int64_t ttl_ns,
                                         int replicas);

}  // namespace stockroom::cluster::internal

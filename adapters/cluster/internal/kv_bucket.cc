#include "adapters/cluster/internal/kv_bucket.h"

namespace stockroom::cluster::internal {

Attempt<KvPtr> open_bucket(jsCtx* js, const std::string& bucket, int64_t ttl_ns, int replicas) {
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = bucket.c_str();
  cfg.History = 1;
  cfg.TTL = ttl_ns;  // NATS.c 3.4.1 takes nanoseconds here
  cfg.StorageType = js_FileStorage;
  cfg.Replicas = replicas;
  kvStore* kv = nullptr;
  // Opens an existing bucket when its configuration is the same.
  const natsStatus s = js_CreateKeyValue(&kv, js, &cfg);
  if (s == NATS_OK) return done<KvPtr>(KvPtr(kv));
  std::string why = describe("KV bucket " + bucket, s);
  // NATS.c's words when the bucket exists with another TTL, history or replica count.
  if (why.find("configuration is different") != std::string::npos) {
    return done<KvPtr>(fail(ErrorCode::kInvalidState, std::move(why)));
  }
  if (create_being_placed(s, 0)) return retry_later<KvPtr>(std::move(why));
  return kv_refused<KvPtr>(s, std::move(why));
}

}  // namespace stockroom::cluster::internal

#include "adapters/cluster/lease_table.h"

#include <nats/nats.h>

#include <algorithm>
#include <charconv>

#include "adapters/cluster/internal/js_status.h"
#include "adapters/cluster/internal/kv_bucket.h"
#include "adapters/cluster/internal/names.h"
#include "adapters/cluster/internal/retry.h"

namespace stockroom::cluster {
namespace {

using internal::Attempt;
using internal::describe;
using internal::done;
using internal::kv_refused;
using internal::kv_worth_retry;
using internal::KvPtr;
using internal::open_bucket;
using internal::retry_later;
using internal::retry_until;

constexpr const char* kPartitionsKey = "partitions";

Attempt<std::optional<LeaseEntry>> get_once(kvStore* kv, const std::string& key) {
  kvEntry* e = nullptr;
  const natsStatus s = kvStore_Get(&e, kv, key.c_str());
  // NATS.c answers not-found for a key never set and for one deleted or purged.
  if (s == NATS_NOT_FOUND) return done<std::optional<LeaseEntry>>(std::nullopt);
  if (s != NATS_OK) return kv_refused<std::optional<LeaseEntry>>(s, describe("get " + key, s));
  LeaseEntry entry{std::string(static_cast<const char*>(kvEntry_Value(e)),
                               static_cast<size_t>(kvEntry_ValueLen(e))),
                   kvEntry_Revision(e)};
  kvEntry_Destroy(e);
  return done<std::optional<LeaseEntry>>(std::move(entry));
}

// Creates `key` = `value`, or returns the live entry that holds the key.
Result<LeaseEntry> create_or_read(kvStore* kv, const std::string& key, std::string_view value,
                                  Deadline deadline) {
  return retry_until(deadline, [&]() -> Attempt<LeaseEntry> {
    uint64_t rev = 0;
    const natsStatus s =
        kvStore_Create(&rev, kv, key.c_str(), value.data(), static_cast<int>(value.size()));
    if (s == NATS_OK) return done<LeaseEntry>(LeaseEntry{std::string(value), rev});
    std::string why = describe("create " + key, s);
    if (!kv_worth_retry(s)) return done<LeaseEntry>(fail(ErrorCode::kInvalidArgument, why));
    // Most likely a live value holds the key ("wrong last sequence"); a timeout may
    // also have stored ours. Either way, what the key holds now decides.
    auto held = get_once(kv, key);
    if (held.result && held.result->has_value()) return done<LeaseEntry>(**held.result);
    return retry_later<LeaseEntry>(std::move(why));
  });
}

// A renewal refused with "wrong last sequence" is judged by what the key holds now.
// Right after a leader election 2.9.10 refuses one with "wrong last sequence: 0" while
// the key still holds the lease unchanged (seen in tests/cluster): that passes. A
// lost try (a timeout) may have renewed it: the key holds our value at a later
// revision. Anything else is a real loss.
Attempt<uint64_t> judge_refused_renewal(kvStore* kv, const std::string& key, std::string_view value,
                                        uint64_t revision, std::string why) {
  auto held = get_once(kv, key);
  if (held.transient || !held.result) return retry_later<uint64_t>(std::move(why));
  const std::optional<LeaseEntry>& entry = *held.result;
  if (entry && entry->value == value && entry->revision == revision) {
    return retry_later<uint64_t>(std::move(why));
  }
  if (entry && entry->value == value && entry->revision > revision) {
    return done<uint64_t>(entry->revision);
  }
  // "wrong last sequence: 0" with the key nowhere to be read: seen right after the
  // bucket's leader was killed, while the new leader's view of the subject is not
  // complete. An expired lease looks the same (an election longer than the TTL ages
  // it out), so this is retried until the deadline and then kNotFound: the holder
  // creates it again (another holder's value, read above, is lost at once).
  if (!entry && why.find("wrong last sequence: 0") != std::string::npos) {
    return {fail(ErrorCode::kNotFound, std::move(why)), true};
  }
  return done<uint64_t>(fail(ErrorCode::kConflict, std::move(why)));
}

Result<uint32_t> parse_partition_count(const std::string& value) {
  uint32_t count = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, count);
  if (ec != std::errc() || ptr != end || count == 0) {
    return fail(ErrorCode::kInvalidState,
                "the cluster's partition count is not a number: '" + value + "'");
  }
  return count;
}

}  // namespace

Result<std::unique_ptr<LeaseTable>> LeaseTable::open(const JetLink& link, std::string_view prefix,
                                                     std::chrono::seconds ttl, int replicas,
                                                     Deadline deadline) {
  if (ttl.count() < 1) return fail(ErrorCode::kInvalidArgument, "a lease TTL is at least 1 s");
  const std::string name = internal::jetstream_name(prefix);
  const int64_t ttl_ns = std::chrono::nanoseconds(ttl).count();
  auto leases = retry_until(
      deadline, [&] { return open_bucket(link.js(), name + "_leases", ttl_ns, replicas); });
  if (!leases) return std::unexpected(leases.error());
  auto meta =
      retry_until(deadline, [&] { return open_bucket(link.js(), name + "_meta", 0, replicas); });
  if (!meta) return std::unexpected(meta.error());
  return std::unique_ptr<LeaseTable>(new LeaseTable(leases->release(), meta->release()));
}

LeaseTable::~LeaseTable() {
  kvStore_Destroy(leases_);
  kvStore_Destroy(meta_);
}

Result<uint64_t> LeaseTable::create(std::string_view key, std::string_view value,
                                    Deadline deadline) {
  auto held = create_or_read(leases_, std::string(key), value, deadline);
  if (!held) return std::unexpected(held.error());
  // Our value: this call's create, or an earlier try of it whose answer was lost.
  if (held->value == value) return held->revision;
  return fail(ErrorCode::kAlreadyExists, "lease " + std::string(key) + " is held (revision " +
                                             std::to_string(held->revision) + ")");
}

Result<uint64_t> LeaseTable::renew(std::string_view key, std::string_view value, uint64_t revision,
                                   Deadline deadline) {
  const std::string k(key);
  return retry_until(deadline, [&]() -> Attempt<uint64_t> {
    uint64_t rev = 0;
    const natsStatus s = kvStore_Update(&rev, leases_, k.c_str(), value.data(),
                                        static_cast<int>(value.size()), revision);
    if (s == NATS_OK) return done<uint64_t>(rev);
    std::string why = describe("renew lease " + k, s);
    if (!internal::wrong_last_sequence(why)) return kv_refused<uint64_t>(s, std::move(why));
    return judge_refused_renewal(leases_, k, value, revision, std::move(why));
  });
}

Status LeaseTable::release(std::string_view key, Deadline deadline) {
  const std::string k(key);
  return retry_until(deadline, [&]() -> Attempt<void> {
    const natsStatus s = kvStore_Purge(leases_, k.c_str(), nullptr);
    if (s == NATS_OK) return done<void>({});
    return kv_refused<void>(s, describe("release lease " + k, s));
  });
}

Result<std::optional<LeaseEntry>> LeaseTable::get(std::string_view key, Deadline deadline) {
  const std::string k(key);
  return retry_until(deadline, [&] { return get_once(leases_, k); });
}

Result<std::vector<std::string>> LeaseTable::keys(std::string_view prefix, Deadline deadline) {
  return retry_until(deadline, [&]() -> Attempt<std::vector<std::string>> {
    kvKeysList list{};
    const natsStatus s = kvStore_Keys(&list, leases_, nullptr);
    std::vector<std::string> out;
    if (s == NATS_NOT_FOUND) return done<std::vector<std::string>>(std::move(out));  // none
    if (s != NATS_OK) {
      return kv_refused<std::vector<std::string>>(s, describe("list leases", s));
    }
    for (int i = 0; i < list.Count; ++i) {
      std::string_view key(list.Keys[i]);
      if (key.starts_with(prefix)) out.emplace_back(key);
    }
    kvKeysList_Destroy(&list);
    std::sort(out.begin(), out.end());
    return done<std::vector<std::string>>(std::move(out));
  });
}

Result<uint32_t> LeaseTable::claim_partition_count(uint32_t n, Deadline deadline) {
  auto held = create_or_read(meta_, kPartitionsKey, std::to_string(n), deadline);
  if (!held) return std::unexpected(held.error());
  return parse_partition_count(held->value);
}

Result<uint32_t> LeaseTable::read_partition_count(const JetLink& link, std::string_view prefix,
                                                  Deadline deadline) {
  const std::string bucket = internal::jetstream_name(prefix) + "_meta";
  auto meta = retry_until(deadline, [&]() -> Attempt<KvPtr> {
    kvStore* kv = nullptr;
    const natsStatus s = js_KeyValue(&kv, link.js(), bucket.c_str());
    if (s == NATS_OK) return done<KvPtr>(KvPtr(kv));
    if (s == NATS_NOT_FOUND) {
      return done<KvPtr>(fail(ErrorCode::kNotFound, "no Stockroom cluster under the prefix '" +
                                                        std::string(prefix) + "' (no KV bucket " +
                                                        bucket + ")"));
    }
    return kv_refused<KvPtr>(s, describe("KV bucket " + bucket, s));
  });
  if (!meta) return std::unexpected(meta.error());
  auto held = retry_until(deadline, [&] { return get_once(meta->get(), kPartitionsKey); });
  if (!held) return std::unexpected(held.error());
  if (!*held) {
    return fail(ErrorCode::kNotFound,
                "the cluster under '" + std::string(prefix) + "' has no partition count yet");
  }
  return parse_partition_count((*held)->value);
}

}  // namespace stockroom::cluster

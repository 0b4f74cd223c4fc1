#include "adapters/cluster/outbox_cursors.h"

#include <nats/nats.h>

#include <charconv>
#include <string>

#include "adapters/cluster/internal/kv_bucket.h"
#include "adapters/cluster/internal/names.h"

namespace stockroom::cluster {
namespace {

using internal::Attempt;
using internal::describe;
using internal::done;
using internal::kv_refused;
using internal::retry_until;

std::string cursor_key(uint32_t partition) { return "p" + std::to_string(partition); }

Result<Position> parse_cursor(std::string_view value) {
  uint64_t position = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, position);
  if (ec != std::errc() || ptr != end) {
    return fail(ErrorCode::kInvalidState,
                "an outbox cursor is not a number: '" + std::string(value) + "'");
  }
  return Position{position};
}

}  // namespace

Result<std::unique_ptr<OutboxCursors>> OutboxCursors::open(const JetLink& link,
                                                           std::string_view prefix, int replicas,
                                                           Deadline deadline) {
  const std::string bucket = internal::jetstream_name(prefix) + "_outbox";
  auto kv =
      retry_until(deadline, [&] { return internal::open_bucket(link.js(), bucket, 0, replicas); });
  if (!kv) return std::unexpected(kv.error());
  return std::unique_ptr<OutboxCursors>(new OutboxCursors(kv->release()));
}

OutboxCursors::~OutboxCursors() { kvStore_Destroy(kv_); }

Result<Position> OutboxCursors::load(uint32_t partition, Deadline deadline) {
  const std::string key = cursor_key(partition);
  return retry_until(deadline, [&]() -> Attempt<Position> {
    kvEntry* e = nullptr;
    const natsStatus s = kvStore_Get(&e, kv_, key.c_str());
    if (s == NATS_NOT_FOUND) return done<Position>(Position{0});
    if (s != NATS_OK) return kv_refused<Position>(s, describe("get outbox cursor " + key, s));
    Result<Position> cursor = parse_cursor(std::string_view(
        static_cast<const char*>(kvEntry_Value(e)), static_cast<size_t>(kvEntry_ValueLen(e))));
    kvEntry_Destroy(e);
    return done<Position>(std::move(cursor));
  });
}

Status OutboxCursors::save(uint32_t partition, Position cursor, Deadline deadline) {
  const std::string key = cursor_key(partition);
  const std::string value = std::to_string(cursor.value);
  return retry_until(deadline, [&]() -> Attempt<void> {
    uint64_t revision = 0;
    const natsStatus s =
        kvStore_Put(&revision, kv_, key.c_str(), value.data(), static_cast<int>(value.size()));
    if (s == NATS_OK) return done<void>({});
    return kv_refused<void>(s, describe("put outbox cursor " + key, s));
  });
}

}  // namespace stockroom::cluster

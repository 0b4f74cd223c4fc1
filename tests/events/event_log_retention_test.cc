// Idempotency retention: the compaction filter drops command records older than the
// retention, judged by the injected clock, and nothing else.
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>

#include "events/event_log.h"
#include "events/support/log_helpers.h"
#include "support/temp_dir.h"

namespace stockroom::events {
namespace {

using stockroom::testing::TempDir;
using testing::commit_events;
using testing::open_log;

constexpr int64_t kDay = 24LL * 3600 * 1'000'000;

void record_command(EventLog& log, const char* id, int64_t recorded_at) {
  auto batch = log.begin_batch();
  batch->put_command(CommandId(id),
                     CommandRecord{.recorded_at = Timestamp{recorded_at}, .result = id});
  REQUIRE(log.commit(*batch).has_value());
}

bool has_command(EventLog& log, const char* id) {
  return log.find_command(CommandId(id)).value().has_value();
}

TEST_CASE("compaction drops command records older than the retention and keeps recent ones",
          "[log]") {
  TempDir dir;
  auto now = std::make_shared<std::atomic<int64_t>>(10 * kDay);
  LogOptions options{.idempotency_retention = Duration{kDay},
                     .clock = [now] { return Timestamp{now->load()}; }};
  auto log = open_log(dir.path(), options);
  commit_events(*log, {{"s", 1, 0, "an event older than any retention"}});
  record_command(*log, "old", 8 * kDay);
  record_command(*log, "recent", 9 * kDay + kDay / 2);

  // Expired but not yet compacted: retention is a lower bound, not a deadline.
  CHECK(has_command(*log, "old"));
  REQUIRE(log->compact().has_value());
  CHECK_FALSE(has_command(*log, "old"));
  CHECK(has_command(*log, "recent"));

  now->store(11 * kDay);
  REQUIRE(log->compact().has_value());
  CHECK_FALSE(has_command(*log, "recent"));

  CHECK(log->read(Position{1}).value().has_value());
  CHECK(log->verify(Position{1}, Position{1}).value().ok);
}

TEST_CASE("command records survive compaction while the retention lasts", "[log]") {
  TempDir dir;
  auto now = std::make_shared<std::atomic<int64_t>>(kDay);
  LogOptions options{.idempotency_retention = Duration{7 * kDay},
                     .clock = [now] { return Timestamp{now->load()}; }};
  {
    auto log = open_log(dir.path(), options);
    record_command(*log, "cmd", 0);
    REQUIRE(log->compact().has_value());
    CHECK(has_command(*log, "cmd"));
  }
  // The filter works the same after a reopen, on records already in table files.
  now->store(8 * kDay + 1);
  auto log = open_log(dir.path(), options);
  CHECK(has_command(*log, "cmd"));
  REQUIRE(log->compact().has_value());
  CHECK_FALSE(has_command(*log, "cmd"));
}

}  // namespace
}  // namespace stockroom::events

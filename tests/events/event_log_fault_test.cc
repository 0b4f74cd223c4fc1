// Faults and modes: a failing disk (injected through RocksDB's FileSystem), read-only
// opening beside a writer, and the batch and none durability modes.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "events/event_log.h"
#include "events/support/faulty_file_system.h"
#include "events/support/log_helpers.h"
#include "support/temp_dir.h"

namespace stockroom::events {
namespace {

using stockroom::testing::TempDir;
using testing::bytes;
using testing::commit_events;
using testing::FaultyFileSystem;
using testing::open_log;

struct FaultyDisk {
  std::shared_ptr<FaultyFileSystem> fs = std::make_shared<FaultyFileSystem>();
  std::shared_ptr<rocksdb::Env> env = testing::env_over(fs);
};

void require_unavailable(const Error& error) {
  INFO(error.message);
  CHECK(error.code == ErrorCode::kUnavailable);
}

// Polls until `done` holds or two seconds pass.
template <class F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TEST_CASE("a failed WAL write fails the commit, refuses later batches and keeps reads", "[log]") {
  TempDir dir;
  FaultyDisk disk;
  {
    auto log = open_log(dir.path(), LogOptions{.env = disk.env});
    commit_events(*log, {{"s", 1, 0, "1"}, {"s", 2, 0, "2"}});
    const Head before = log->head();

    disk.fs->fail_wal(true);
    auto batch = testing::batch_of(*log, {{"s", 3, 0, "3"}, {"t", 1, 0, "4"}});
    Status failed = log->commit(*batch);
    REQUIRE_FALSE(failed.has_value());
    require_unavailable(failed.error());
    CHECK(failed.error().message.starts_with("storage failed: "));
    CHECK(failed.error().message.ends_with("; reopen after fixing the disk"));
    CHECK(log->head().position == before.position);
    CHECK_FALSE(log->read(Position{3}).value().has_value());
    CHECK(log->read(Position{2}).value().has_value());

    // The disk is healthy again, but the log stays failed until reopened.
    disk.fs->fail_wal(false);
    auto next = log->begin_batch();
    Result<Hash> refused =
        next->append(Position{3}, "s", StreamVersion{3}, Timestamp{0}, bytes("3"));
    REQUIRE_FALSE(refused.has_value());
    require_unavailable(refused.error());
    require_unavailable(log->commit(*next).error());
  }
  auto log = open_log(dir.path(), LogOptions{.env = disk.env});
  CHECK(log->head().position == Position{2});
  CHECK_FALSE(log->read(Position{3}).value().has_value());
  Result<StreamVersion> t_version = log->stream_version("t");
  CHECK(t_version.value() == StreamVersion{0});
  commit_events(*log, {{"s", 3, 0, "3 again"}});
  CHECK(log->verify(Position{1}, Position{3}).value().ok);
}

TEST_CASE("a failed fsync fails the commit, and after reopening the batch is all or nothing",
          "[log]") {
  TempDir dir;
  FaultyDisk disk;
  {
    auto log = open_log(dir.path(), LogOptions{.env = disk.env});
    commit_events(*log, {{"s", 1, 0, "1"}});
    disk.fs->fail_wal_sync(true);
    auto batch = testing::batch_of(*log, {{"s", 2, 0, "2"}, {"s", 3, 0, "3"}});
    require_unavailable(log->commit(*batch).error());
    CHECK(log->head().position == Position{1});
    disk.fs->fail_wal_sync(false);
  }
  // The bytes reached the OS before the fsync failed, so recovery may replay them: the
  // batch is then back whole. A client that got UNAVAILABLE retries with its command id.
  auto log = open_log(dir.path(), LogOptions{.env = disk.env});
  const uint64_t head = log->head().position.value;
  CHECK((head == 1 || head == 3));
  CHECK(log->verify(Position{1}, Position{head}).value().ok);
}

TEST_CASE("a failed write in batch durability refuses later batches", "[log]") {
  TempDir dir;
  FaultyDisk disk;
  auto log = open_log(
      dir.path(),
      LogOptions{.durability = Durability::kBatch, .batch_sync_interval_ms = 5, .env = disk.env});
  commit_events(*log, {{"s", 1, 0, "1"}});
  disk.fs->fail_wal(true);
  require_unavailable(log->commit(*testing::batch_of(*log, {{"s", 2, 0, "2"}})).error());
  disk.fs->fail_wal(false);
  // The background sync stops instead of syncing a WAL that saw an error.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  require_unavailable(log->commit(*log->begin_batch()).error());
  CHECK(log->read(Position{1}).value().has_value());
}

TEST_CASE("a failed background fsync in batch durability refuses later batches", "[log]") {
  TempDir dir;
  FaultyDisk disk;
  auto log = open_log(
      dir.path(),
      LogOptions{.durability = Durability::kBatch, .batch_sync_interval_ms = 5, .env = disk.env});
  disk.fs->fail_wal_sync(true);
  // Written to the OS at once: the commit succeeds; the fsync fails later.
  commit_events(*log, {{"s", 1, 0, "1"}});
  CHECK(eventually([&] { return !log->commit(*log->begin_batch()).has_value(); }));
  require_unavailable(log->commit(*log->begin_batch()).error());
  CHECK(log->commit(*log->begin_batch()).error().message.starts_with("storage failed: "));
  CHECK(log->read(Position{1}).value().has_value());
  disk.fs->fail_wal_sync(false);
}

TEST_CASE("a read-only log sees the data as of opening and refuses writes", "[log]") {
  TempDir dir;
  auto writer = open_log(dir.path(), LogOptions{.spaces = {"views"}});
  auto batch = testing::batch_of(*writer, {{"s", 1, 0, "1"}, {"s", 2, 0, "2"}});
  batch->put("views", "k", "v");
  REQUIRE(writer->commit(*batch).has_value());

  auto reader = open_log(dir.path(), LogOptions{.read_only = true});
  CHECK(reader->head().position == Position{2});
  CHECK(reader->head().hash == writer->head().hash);
  CHECK(reader->read_stream("s", StreamVersion{1}, 10).value().size() == 2);
  CHECK(reader->get("views", "k").value() == std::optional<std::string>("v"));
  CHECK(reader->verify(Position{1}, Position{2}).value().ok);

  auto refused = reader->begin_batch();
  require_unavailable(
      refused->append(Position{3}, "s", StreamVersion{3}, Timestamp{0}, bytes("3")).error());
  require_unavailable(reader->commit(*refused).error());
  require_unavailable(reader->compact().error());

  commit_events(*writer, {{"s", 3, 0, "3"}});
  CHECK(reader->head().position == Position{2});
  CHECK(writer->head().position == Position{3});
}

TEST_CASE("opening a missing directory read-only fails and creates nothing", "[log]") {
  TempDir dir;
  Result<std::unique_ptr<EventLog>> log =
      EventLog::open(dir.sub("absent"), LogOptions{.read_only = true});
  REQUIRE_FALSE(log.has_value());
  CHECK(log.error().code == ErrorCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(dir.sub("absent")));
}

TEST_CASE("batch and none durability commit and keep the log across a reopen", "[log]") {
  const Durability mode = GENERATE(Durability::kBatch, Durability::kNone);
  INFO(durability_name(mode));
  TempDir dir;
  const LogOptions options{.durability = mode, .batch_sync_interval_ms = 2};
  Head before;
  {
    auto log = open_log(dir.path(), options);
    for (uint64_t v = 1; v <= 20; ++v) commit_events(*log, {{"s", v, 0, std::to_string(v)}});
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    before = log->head();
  }
  auto log = open_log(dir.path(), options);
  CHECK(log->head().position == before.position);
  CHECK(log->head().hash == before.hash);
  CHECK(log->verify(Position{1}, Position{20}).value().ok);
}

TEST_CASE("batch durability needs a positive sync interval", "[log]") {
  TempDir dir;
  Result<std::unique_ptr<EventLog>> log = EventLog::open(
      dir.path(), LogOptions{.durability = Durability::kBatch, .batch_sync_interval_ms = 0});
  REQUIRE_FALSE(log.has_value());
  CHECK(log.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("durability modes have their configuration names", "[log]") {
  CHECK(durability_name(Durability::kSync) == "sync");
  CHECK(durability_name(Durability::kBatch) == "batch");
  CHECK(durability_name(Durability::kNone) == "none");
}

}  // namespace
}  // namespace stockroom::events

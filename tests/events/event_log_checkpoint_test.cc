// Checkpoints and restores of a log's directory (events/checkpoint.h): a copy holds
// whole batches in every family, also when taken while batches are committed; it opens,
// verifies and takes new batches; bad targets and sources are refused and nothing
// changes.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "events/checkpoint.h"
#include "events/support/log_helpers.h"
#include "support/temp_dir.h"

namespace stockroom::events {
namespace {

namespace fs = std::filesystem;
using stockroom::testing::TempDir;
using testing::commit_events;
using testing::open_log;

LogOptions with_space() { return LogOptions{.durability = Durability::kNone, .spaces = {"views"}}; }

LogOptions read_only() { return LogOptions{.read_only = true}; }

bool same(const Head& a, const Head& b) { return a.position == b.position && a.hash == b.hash; }

// One batch of two events; the space's "last" key and a command record name the batch's
// last position, so a copy with any family ahead of or behind the others shows it.
void commit_group(EventLog& log, uint64_t n) {
  const std::string a = "a-" + std::to_string(n % 7);
  const std::string b = "b-" + std::to_string(n % 5);
  const uint64_t last = log.head().position.value + 2;
  auto batch = testing::batch_of(log, {{a, log.stream_version(a).value().value + 1, 1, "x"},
                                       {b, log.stream_version(b).value().value + 1, 2, "y"}});
  batch->put("views", "last", std::to_string(last));
  batch->put_command(CommandId("cmd-at-" + std::to_string(last)),
                     CommandRecord{{}, Timestamp{1}, std::to_string(last)});
  REQUIRE(log.commit(*batch).has_value());
}

// The copy in `dir` is one whole state: its chain verifies up to its head, and the
// batch that wrote the head also wrote the space and the command record.
void check_whole(const std::string& dir, const Head& expected) {
  auto copy = open_log(dir, read_only());
  CHECK(same(copy->head(), expected));
  Result<VerifyReport> report = copy->verify(Position{1}, copy->head().position);
  REQUIRE(report.has_value());
  INFO(report->reason);
  CHECK(report->ok);
  CHECK(report->checked == expected.position.value);
  if (expected.position.value == 0) return;
  const std::string last = std::to_string(expected.position.value);
  CHECK(copy->get("views", "last").value() == std::optional<std::string>(last));
  CHECK(copy->find_command(CommandId("cmd-at-" + last)).value().has_value());
}

// Every file name and size in `dir`: what "changes nothing" compares.
std::map<std::string, uintmax_t> listing(const std::string& dir) {
  std::map<std::string, uintmax_t> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    out[e.path().filename().string()] = e.is_regular_file() ? e.file_size() : 0;
  }
  return out;
}

ino_t inode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

std::string first_table_file(const std::string& dir) {
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".sst") return e.path().filename().string();
  }
  return {};
}

TEST_CASE("a checkpoint of an open log holds its head, verifies, and the log goes on alone",
          "[log][checkpoint]") {
  TempDir dir;
  auto log = open_log(dir.sub("data"), with_space());
  for (uint64_t n = 0; n < 50; ++n) commit_group(*log, n);
  const Head head = log->head();

  Result<Head> copied = log->checkpoint(dir.sub("copy"));
  REQUIRE(copied.has_value());
  CHECK(same(*copied, head));
  check_whole(dir.sub("copy"), head);
  // Table files are shared, not duplicated (the flush made some).
  const std::string table = first_table_file(dir.sub("copy"));
  REQUIRE_FALSE(table.empty());
  CHECK(inode(dir.sub("copy") + "/" + table) == inode(dir.sub("data") + "/" + table));

  commit_group(*log, 50);
  check_whole(dir.sub("copy"), head);  // the source's new batch is not in the copy

  auto writable = open_log(dir.sub("copy"), with_space());
  commit_group(*writable, 50);
  CHECK(writable->head().position.value == head.position.value + 2);
  CHECK(log->head().position.value == head.position.value + 2);
  CHECK(writable->head().hash == log->head().hash);  // same records, same chain
}

TEST_CASE("checkpoints taken while batches are committed hold whole batches in every family",
          "[log][checkpoint]") {
  TempDir dir;
  auto log = open_log(dir.sub("data"), with_space());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> groups{0};
  std::thread writer([&] {
    for (uint64_t n = 0; !stop.load(); ++n) {
      commit_group(*log, n);
      groups.store(n + 1);
    }
  });
  std::vector<Head> heads;
  for (int i = 0; i < 4; ++i) {
    while (groups.load() < static_cast<uint64_t>(200 * (i + 1)))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const Head before = log->head();
    Result<Head> copied = log->checkpoint(dir.sub("copy-" + std::to_string(i)));
    REQUIRE(copied.has_value());
    CHECK(copied->position >= before.position);
    heads.push_back(*copied);
  }
  stop.store(true);
  writer.join();
  for (int i = 0; i < 4; ++i) {
    INFO("copy " << i);
    check_whole(dir.sub("copy-" + std::to_string(i)), heads[i]);
    // The copy's hash at its head is the log's at that position: one history.
    CHECK(log->read(heads[i].position).value()->hash == heads[i].hash);
  }
}

TEST_CASE("a closed log is checkpointed without changing it, and an open one is refused as locked",
          "[log][checkpoint]") {
  TempDir dir;
  Head head;
  {
    auto log = open_log(dir.sub("data"), with_space());
    for (uint64_t n = 0; n < 20; ++n) commit_group(*log, n);
    head = log->head();
  }
  const auto before = listing(dir.sub("data"));
  Result<Head> copied = checkpoint_closed_log(dir.sub("data"), dir.sub("copy"));
  REQUIRE(copied.has_value());
  CHECK(same(*copied, head));
  CHECK(listing(dir.sub("data")) == before);
  check_whole(dir.sub("copy"), head);

  auto log = open_log(dir.sub("data"), with_space());
  Result<Head> refused = checkpoint_closed_log(dir.sub("data"), dir.sub("copy-2"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(is_locked(refused.error()));
  CHECK_FALSE(fs::exists(dir.sub("copy-2")));
}

TEST_CASE("a checkpoint target must be new or empty, outside the log, with a parent",
          "[log][checkpoint]") {
  TempDir dir;
  auto log = open_log(dir.sub("data"), with_space());
  commit_group(*log, 0);

  fs::create_directory(dir.sub("full"));
  std::ofstream(dir.sub("full") + "/keep") << "mine";
  Result<Head> full = log->checkpoint(dir.sub("full"));
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().code == ErrorCode::kAlreadyExists);
  CHECK(listing(dir.sub("full")) == std::map<std::string, uintmax_t>{{"keep", 4}});
  CHECK(check_checkpoint_target(dir.sub("full")).error().code == ErrorCode::kAlreadyExists);

  Result<Head> no_parent = log->checkpoint(dir.sub("missing/copy"));
  REQUIRE_FALSE(no_parent.has_value());
  CHECK(no_parent.error().code == ErrorCode::kNotFound);

  Result<Head> inside = log->checkpoint(dir.sub("data/copy"));
  REQUIRE_FALSE(inside.has_value());
  CHECK(inside.error().code == ErrorCode::kInvalidArgument);
  CHECK_FALSE(fs::exists(dir.sub("data/copy")));

  fs::create_directory(dir.sub("empty"));
  Result<Head> empty = log->checkpoint(dir.sub("empty"));
  REQUIRE(empty.has_value());
  check_whole(dir.sub("empty"), log->head());
}

TEST_CASE("a directory that is not a log is neither checkpointed nor restored, nor touched",
          "[log][checkpoint]") {
  TempDir dir;
  fs::create_directory(dir.sub("notes"));
  std::ofstream(dir.sub("notes") + "/todo.txt") << "x";
  for (const std::string& source : {dir.sub("notes"), dir.sub("absent")}) {
    INFO(source);
    Result<Head> copied = checkpoint_closed_log(source, dir.sub("copy"));
    REQUIRE_FALSE(copied.has_value());
    CHECK(copied.error().code == ErrorCode::kNotFound);
    Result<RestoreReport> restored = restore_checkpoint(source, dir.sub("restored"));
    REQUIRE_FALSE(restored.has_value());
    CHECK(restored.error().code == ErrorCode::kNotFound);
  }
  CHECK(listing(dir.sub("notes")) == std::map<std::string, uintmax_t>{{"todo.txt", 1}});
  CHECK_FALSE(fs::exists(dir.sub("copy")));
  CHECK_FALSE(fs::exists(dir.sub("restored")));
}

TEST_CASE("a restore links the table files, copies the rest, and the result opens writable",
          "[log][checkpoint]") {
  TempDir dir;
  Head head;
  {
    auto log = open_log(dir.sub("data"), with_space());
    for (uint64_t n = 0; n < 30; ++n) commit_group(*log, n);
    REQUIRE(log->checkpoint(dir.sub("copy")).has_value());
    head = log->head();
  }
  fs::create_directory(dir.sub("restored"));  // an empty one is fine
  Result<RestoreReport> report = restore_checkpoint(dir.sub("copy"), dir.sub("restored"));
  REQUIRE(report.has_value());
  CHECK(same(report->head, head));
  CHECK(report->linked > 0);
  CHECK(report->copied > 0);
  const std::string table = first_table_file(dir.sub("copy"));
  CHECK(inode(dir.sub("restored") + "/" + table) == inode(dir.sub("copy") + "/" + table));
  const std::string current = dir.sub("restored") + "/CURRENT";
  CHECK(inode(current) != inode(dir.sub("copy") + "/CURRENT"));

  auto restored = open_log(dir.sub("restored"), with_space());
  check_whole(dir.sub("copy"), head);
  commit_group(*restored, 30);
  CHECK(restored->head().position.value == head.position.value + 2);
  restored.reset();
  check_whole(dir.sub("copy"), head);  // the checkpoint is still itself
}

TEST_CASE("a restore refuses a non-empty directory and a source in use, and changes nothing",
          "[log][checkpoint]") {
  TempDir dir;
  {
    auto log = open_log(dir.sub("data"), with_space());
    commit_group(*log, 0);
    REQUIRE(log->checkpoint(dir.sub("copy")).has_value());
  }
  fs::create_directory(dir.sub("busy"));
  std::ofstream(dir.sub("busy") + "/keep") << "mine";
  Result<RestoreReport> full = restore_checkpoint(dir.sub("copy"), dir.sub("busy"));
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().code == ErrorCode::kAlreadyExists);
  CHECK(listing(dir.sub("busy")) == std::map<std::string, uintmax_t>{{"keep", 4}});

  auto open = open_log(dir.sub("copy"), with_space());
  Result<RestoreReport> locked = restore_checkpoint(dir.sub("copy"), dir.sub("restored"));
  REQUIRE_FALSE(locked.has_value());
  CHECK(is_locked(locked.error()));
  CHECK_FALSE(fs::exists(dir.sub("restored")));
  // Nothing left beside the target either (no staging directory).
  for (const fs::directory_entry& e : fs::directory_iterator(dir.path())) {
    CHECK_FALSE(e.path().filename().string().starts_with("restored"));
  }
}

}  // namespace
}  // namespace stockroom::events

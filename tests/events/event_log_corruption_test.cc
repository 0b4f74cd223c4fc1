// Corruption on open (docs/storage.md): a damaged data directory is refused with
// kInvalidState and a message saying what is damaged, never opened as a smaller or
// emptier log; the incomplete last WAL record a crash leaves is the one thing tolerated.
// Real RocksDB in a temp dir; the damage is done to the files, as a disk or a person
// would. (The same cases through the binary: tests/cli/corruption.sh.)
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "events/event_log.h"
#include "events/support/faulty_file_system.h"
#include "events/support/log_helpers.h"
#include "support/temp_dir.h"

namespace stockroom::events::corruption {
namespace {

namespace fs = std::filesystem;
using stockroom::testing::TempDir;
using testing::commit_events;
using testing::open_log;

// The files RocksDB named <number>.<suffix>, in number order.
std::vector<std::string> files_ending(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == suffix) found.push_back(entry.path().string());
  }
  std::ranges::sort(found);
  return found;
}

std::string newest_wal(const std::string& dir) {
  const std::vector<std::string> wals = files_ending(dir, ".log");
  REQUIRE_FALSE(wals.empty());
  return wals.back();
}

void overwrite(const std::string& path, uint64_t offset, const std::string& bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(file);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(file);
}

Error open_error(const std::string& dir, const LogOptions& options = {}) {
  Result<std::unique_ptr<EventLog>> log = EventLog::open(dir, options);
  REQUIRE_FALSE(log.has_value());
  INFO(log.error().message);
  CHECK(log.error().code == ErrorCode::kInvalidState);
  CHECK_THAT(log.error().message, Catch::StartsWith(dir + " is damaged: "));
  return log.error();
}

std::string listing(const std::string& dir) {
  std::string out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name != "LOG" && !name.starts_with("LOG.old")) out += name + "\n";
  }
  return out;
}

// Three batches of two events each: positions 1 to 6. Returns the WAL's size after the
// first two, when the third was not written yet.
uint64_t write_three_batches(EventLog& log, const std::string& dir) {
  commit_events(log, {{"a", 1, 0, "one"}, {"b", 1, 0, "two"}});
  commit_events(log, {{"a", 2, 0, "three"}, {"b", 2, 0, "four"}});
  const uint64_t before_third = fs::file_size(newest_wal(dir));  // kSync: all of it on disk
  commit_events(log, {{"a", 3, 0, "five"}, {"b", 3, 0, "six"}});
  return before_third;
}

TEST_CASE("a WAL cut short after a clean stop is refused, naming the events missing", "[log]") {
  TempDir dir;
  { write_three_batches(*open_log(dir.str()), dir.str()); }
  REQUIRE(fs::exists(dir.sub("CLEAN_STOP")));
  const std::string wal = newest_wal(dir.str());
  fs::resize_file(wal, fs::file_size(wal) - 10);  // inside the third batch's record
  const std::string before = listing(dir.str());

  for (bool read_only : {false, true}) {
    const Error e = open_error(dir.str(), LogOptions{.read_only = read_only});
    CHECK_THAT(e.message, Catch::Contains("stopped cleanly at position 6, but its log now ends "
                                          "at position 4: events 5 to 6 are missing"));
    CHECK_THAT(e.message, Catch::Contains("delete " + dir.sub("CLEAN_STOP")));
  }
  CHECK(listing(dir.str()) == before);  // refused before anything was written

  // Deleting the record is the operator accepting the loss.
  fs::remove(dir.sub("CLEAN_STOP"));
  auto log = open_log(dir.str());
  CHECK(log->head().position == Position{4});
  CHECK(log->verify(Position{1}, Position{4}).value().ok);
}

TEST_CASE("after a crash the incomplete last WAL record is dropped whole, the rest is kept",
          "[log]") {
  TempDir dir;
  uint64_t before_third = 0;
  { before_third = write_three_batches(*open_log(dir.str()), dir.str()); }
  // What a crash in the middle of the third batch's append leaves: its record half
  // written, and no clean-stop record (a writer removes it as it opens).
  const std::string wal = newest_wal(dir.str());
  fs::resize_file(wal, before_third + (fs::file_size(wal) - before_third) / 2);
  fs::remove(dir.sub("CLEAN_STOP"));

  auto log = open_log(dir.str());
  CHECK(log->head().position == Position{4});
  CHECK_FALSE(log->read(Position{5}).value().has_value());
  CHECK(log->stream_version("a").value() == StreamVersion{2});
  CHECK(log->verify(Position{1}, Position{4}).value().ok);
  commit_events(*log, {{"a", 3, 0, "five again"}});
  CHECK(log->verify(Position{1}, Position{5}).value().ok);
}

TEST_CASE("a damaged record inside a WAL is refused, also after a crash", "[log]") {
  TempDir dir;
  const uint64_t before_third = write_three_batches(*open_log(dir.str()), dir.str());
  fs::remove(dir.sub("CLEAN_STOP"));  // as after a crash: the tail would be tolerated
  // Inside the first batch's record, past its 7-byte header: the record's checksum no
  // longer matches. (A damaged length field in the WAL's last 32 KiB block would read
  // as a record cut at the end of the file, like the tail a crash leaves: only the
  // clean-stop record tells those apart.)
  REQUIRE(before_third > 40);
  overwrite(newest_wal(dir.str()), 20, std::string(4, 'X'));

  // RocksDB's default recovery would stop before the damage and open an empty log,
  // saying nothing.
  for (bool read_only : {false, true}) {
    const Error e = open_error(dir.str(), LogOptions{.read_only = read_only});
    CHECK_THAT(e.message, Catch::Contains("a record in a write-ahead log (*.log) is corrupt"));
  }
}

TEST_CASE("a missing WAL that the newest one follows is refused", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.str(), LogOptions{.spaces = {"bulk"}});
    commit_events(*log, {{"a", 1, 0, "one"}});
    // Over 8 MiB in one family flushes it alone: RocksDB starts a new WAL, and the old
    // one stays, holding the other families' writes (position 1).
    const std::string mib(size_t{1} << 20, 'x');
    for (int i = 0; i < 9; ++i) {
      auto batch = log->begin_batch();
      batch->put("bulk", "k" + std::to_string(i), mib);
      REQUIRE(log->commit(*batch).has_value());
    }
    commit_events(*log, {{"a", 2, 0, "two"}});
  }
  const std::vector<std::string> wals = files_ending(dir.str(), ".log");
  REQUIRE(wals.size() >= 2);
  fs::remove(wals.front());
  // Without RocksDB's WAL tracking this opened at head 2 with position 1 gone.
  const Error e = open_error(dir.str(), LogOptions{.spaces = {"bulk"}});
  CHECK_THAT(e.message,
             Catch::Contains("its write-ahead log " + fs::path(wals.front()).filename().string() +
                             ", which its MANIFEST lists, is missing"));
}

TEST_CASE("a store without CURRENT is refused and left as it was", "[log]") {
  TempDir dir;
  { commit_events(*open_log(dir.str()), {{"a", 1, 0, "one"}}); }
  fs::remove(dir.sub("CURRENT"));
  const std::string before = listing(dir.str());
  for (bool read_only : {false, true}) {
    const Error e = open_error(dir.str(), LogOptions{.read_only = read_only});
    CHECK_THAT(e.message, Catch::Contains("but no CURRENT file"));
  }
  // RocksDB would have written a new MANIFEST-000001 and CURRENT (and, opened again,
  // deleted the table files).
  CHECK(listing(dir.str()) == before);
}

TEST_CASE("a missing table file or MANIFEST is named", "[log]") {
  TempDir dir;
  { commit_events(*open_log(dir.str()), {{"a", 1, 0, "one"}, {"b", 1, 0, "two"}}); }
  { auto reopened = open_log(dir.str()); }  // recovery flushes the WAL into table files
  const std::vector<std::string> tables = files_ending(dir.str(), ".sst");
  REQUIRE_FALSE(tables.empty());

  SECTION("a table file") {
    fs::remove(tables.front());
    for (bool read_only : {false, true}) {
      const Error e = open_error(dir.str(), LogOptions{.read_only = read_only});
      CHECK_THAT(e.message,
                 Catch::Contains("its table file " + fs::path(tables.front()).filename().string() +
                                 ", which its MANIFEST lists, is missing"));
    }
  }
  SECTION("the MANIFEST") {
    std::ifstream current(dir.sub("CURRENT"));
    std::string manifest;
    std::getline(current, manifest);
    fs::remove(dir.sub(manifest));
    for (bool read_only : {false, true}) {
      const Error e = open_error(dir.str(), LogOptions{.read_only = read_only});
      CHECK_THAT(e.message,
                 Catch::Contains("its " + manifest + ", which CURRENT names, is missing"));
    }
  }
}

// RocksDB 7.8 blames the MANIFEST for some of these ("properties unsorted in file
// .../MANIFEST-000044"); the message must name the table file all the same.
TEST_CASE("damage anywhere open reads in a table file is refused naming that file", "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.str());
    for (uint64_t v = 1; v <= 20; ++v) commit_events(*log, {{"a", v, 0, std::string(50, 'r')}});
  }
  { auto reopened = open_log(dir.str()); }  // into table files
  int refused = 0;
  for (const std::string& table : files_ending(dir.str(), ".sst")) {
    const std::string name = fs::path(table).filename().string();
    const uint64_t size = fs::file_size(table);
    std::string original(size, '\0');
    {
      std::ifstream in(table, std::ios::binary);
      in.read(original.data(), static_cast<std::streamsize>(size));
      REQUIRE(in);
    }
    for (uint64_t at = 0; at + 16 <= size; at += 16) {
      overwrite(table, at, std::string(16, 'X'));
      Result<std::unique_ptr<EventLog>> log =
          EventLog::open(dir.str(), LogOptions{.read_only = true});
      if (!log) {
        ++refused;
        INFO(name << " damaged at " << at << ": " << log.error().message);
        CHECK(log.error().code == ErrorCode::kInvalidState);
        CHECK_THAT(log.error().message, Catch::Contains("Corruption"));
        CHECK_THAT(log.error().message, Catch::Contains(name));
      }
      overwrite(table, at, original.substr(at, 16));
    }
  }
  CHECK(refused > 0);  // the footers at least
  auto log = open_log(dir.str(), LogOptions{.read_only = true});
  CHECK(log->verify_table_files().has_value());  // every byte put back
}

TEST_CASE("a damaged data block is an error when read, and verify_table_files names its file",
          "[log]") {
  TempDir dir;
  {
    auto log = open_log(dir.str());
    for (uint64_t v = 1; v <= 100; ++v) commit_events(*log, {{"a", v, 0, std::string(100, 'r')}});
  }
  { auto reopened = open_log(dir.str()); }  // into table files
  {
    auto log = open_log(dir.str(), LogOptions{.read_only = true});
    REQUIRE(log->verify_table_files().has_value());
  }
  // The largest table file is the log family's, of three or more data blocks; its first
  // starts at offset 0. Opening reads the footer, index and filter blocks at the end,
  // the head (another family) and the last log key (the last block).
  std::vector<std::string> tables = files_ending(dir.str(), ".sst");
  const std::string damaged = *std::ranges::max_element(
      tables, {}, [](const std::string& path) { return fs::file_size(path); });
  overwrite(damaged, 10, std::string(16, 'X'));

  auto log = open_log(dir.str(), LogOptions{.read_only = true});
  Status checked = log->verify_table_files();
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error().code == ErrorCode::kInvalidState);
  CHECK_THAT(checked.error().message, Catch::Contains("Corruption"));
  CHECK_THAT(checked.error().message, Catch::Contains(damaged));
  Result<std::optional<StoredEvent>> read = log->read(Position{1});
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().code == ErrorCode::kInvalidState);
  CHECK_THAT(read.error().message, Catch::Contains("Corruption"));
}

TEST_CASE("a writer removes the clean-stop record as it opens and writes it unless it failed",
          "[log]") {
  TempDir dir;
  auto fs_faulty = std::make_shared<testing::FaultyFileSystem>();
  const LogOptions options{.env = testing::env_over(fs_faulty)};
  {
    auto log = open_log(dir.str(), options);
    commit_events(*log, {{"a", 1, 0, "one"}});
    CHECK_FALSE(fs::exists(dir.sub("CLEAN_STOP")));
    auto reader = open_log(dir.str(), LogOptions{.read_only = true});  // beside it
    CHECK(reader->head().position == Position{1});
  }
  std::ifstream record(dir.sub("CLEAN_STOP"));
  std::string line;
  std::getline(record, line);
  CHECK(line == "1 " + to_hex(open_log(dir.str(), LogOptions{.read_only = true})->head().hash));

  {
    auto log = open_log(dir.str(), options);
    CHECK_FALSE(fs::exists(dir.sub("CLEAN_STOP")));
    fs_faulty->fail_wal(true);
    auto batch = testing::batch_of(*log, {{"a", 2, 0, "two"}});
    REQUIRE_FALSE(log->commit(*batch).has_value());
  }
  // A failed log vouches for nothing: the next open trusts the WAL as after a crash.
  CHECK_FALSE(fs::exists(dir.sub("CLEAN_STOP")));
  fs_faulty->fail_wal(false);
  CHECK(open_log(dir.str(), options)->head().position == Position{1});
}

TEST_CASE("a clean-stop record that is not one is refused", "[log]") {
  TempDir dir;
  { commit_events(*open_log(dir.str()), {{"a", 1, 0, "one"}}); }
  std::ofstream(dir.sub("CLEAN_STOP")) << "nonsense\n";
  const Error e = open_error(dir.str());
  CHECK_THAT(e.message, Catch::Contains("is not a clean-stop record"));
}

}  // namespace
}  // namespace stockroom::events::corruption

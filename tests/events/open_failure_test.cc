// A data directory that does not open says what is wrong with the path, not RocksDB's
// internal words for it. (A lock held by another process: tests/cli/open_errors.sh,
// which needs a second process.)
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "events/event_log.h"
#include "support/temp_dir.h"

namespace stockroom::events {
namespace {

using stockroom::testing::TempDir;

Error open_error(const std::string& dir) {
  Result<std::unique_ptr<EventLog>> log = EventLog::open(dir, LogOptions{});
  REQUIRE_FALSE(log.has_value());
  INFO(log.error().message);
  return log.error();
}

TEST_CASE("opening a dangling symbolic link names the link and its missing target", "[events]") {
  TempDir dir;
  std::filesystem::create_symlink(dir.sub("gone"), dir.sub("data"));
  const Error e = open_error(dir.sub("data"));
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK(e.message ==
        dir.sub("data") + " is a symbolic link to " + dir.sub("gone") + ", which does not exist");
}

TEST_CASE("opening a file, or a path under a missing directory, says so", "[events]") {
  TempDir dir;
  std::ofstream(dir.sub("file")) << "x";
  const Error file = open_error(dir.sub("file"));
  CHECK(file.code == ErrorCode::kInvalidArgument);
  CHECK(file.message == dir.sub("file") + " exists and is not a directory");

  const Error missing = open_error(dir.sub("a/b"));
  CHECK(missing.code == ErrorCode::kInvalidArgument);
  CHECK(missing.message == "the parent directory " + dir.sub("a") + " of " + dir.sub("a/b") +
                               " does not exist (only the last component is created)");

  const Error under_file = open_error(dir.sub("file/data"));
  CHECK(under_file.code == ErrorCode::kInvalidArgument);
  CHECK(under_file.message == dir.sub("file") + " is not a directory, so " + dir.sub("file/data") +
                                  " cannot be created in it");
}

TEST_CASE("opening a directory without permission says permission denied", "[events]") {
  if (::geteuid() == 0) SUCCEED("root ignores permissions: nothing to check");
  if (::geteuid() == 0) return;
  TempDir dir;
  std::filesystem::create_directory(dir.sub("locked"));
  std::filesystem::permissions(dir.sub("locked"), std::filesystem::perms::none);
  const Error e = open_error(dir.sub("locked"));
  std::filesystem::permissions(dir.sub("locked"), std::filesystem::perms::owner_all);
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK(e.message.starts_with("permission denied on " + dir.sub("locked")));
}

}  // namespace
}  // namespace stockroom::events

// TempDir: a fresh directory under the system temp dir (mkdtemp), removed with
// everything in it when the TempDir goes out of scope. One per test, so tests never
// share a store. STOCKROOM_KEEP_TEST_DIRS=1 keeps them (engine and nats-server logs of
// a failed drill, to read afterwards; docs/testing.md).
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace stockroom::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "stockroom-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    if (const char* keep = std::getenv("STOCKROOM_KEEP_TEST_DIRS"); keep && *keep == '1') return;
    std::error_code ignored;  // a leftover temp dir is not worth failing a test over
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& str() const { return path_; }
  // A path inside the directory (not created).
  [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace stockroom::testing

// Small file and shell helpers for the audit tests: the `openssl` command line tool
// checks our keys and signatures independently of our code.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "adapters/audit/signing_key.h"

namespace stockroom::testing {

// A fresh Ed25519 key; the test stops if it cannot be made.
inline audit::SigningKey new_key() {
  Result<audit::SigningKey> key = audit::SigningKey::generate();
  REQUIRE(key.has_value());
  return *key;
}

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline void write_file(const std::string& path, std::span<const uint8_t> bytes) {
  write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `command` with /bin/sh; its exit status (-1 if it did not exit normally).
inline int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace stockroom::testing

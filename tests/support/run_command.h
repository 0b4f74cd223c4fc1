// Runs a shell command line and keeps what it printed and its exit code (the CLI
// tests: `stockroom verify`, `stockroom replay` as a user runs them).
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace stockroom::testing {

struct Ran {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
};

// `command` through /bin/sh; its stdout (add " 2>&1" to the line for stderr too).
inline Ran run_command(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Ran ran;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) ran.out.append(buffer, n);
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

}  // namespace stockroom::testing

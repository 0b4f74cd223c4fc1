// args.h: the command-line helpers the benchmark programs share: a usage error (the
// message, the usage, exit 2) and a positive count.
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace stockroom::bench {

// What a program prints when its arguments are wrong.
struct Usage {
  std::string_view program;
  std::string_view text;
};

[[noreturn]] inline void usage_error(const Usage& usage, const std::string& message) {
  std::fputs(fmt::format("{}: {}\n{}", usage.program, message, usage.text).c_str(), stderr);
  std::exit(2);
}

// `text` as a positive integer, or a usage error naming `option`.
inline uint64_t parse_count(const Usage& usage, std::string_view option, std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) {
    usage_error(usage, fmt::format("{} needs a positive integer, not '{}'", option, text));
  }
  return value;
}

}  // namespace stockroom::bench

// A progress line on stderr for the offline tools, drawn over itself ("\r") at most a
// few times a second, and only when stderr is a terminal: a pipe or a log file gets
// nothing. Threads: the caller's.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace stockroom::cli {

class ProgressLine {
 public:
  ProgressLine() : enabled_(::isatty(STDERR_FILENO) != 0) {}
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  [[nodiscard]] bool enabled() const { return enabled_; }
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // Draws `text` unless the last draw was under 250 ms ago.
  void show(const std::string& text) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
  }

  // Ends the line so that what follows starts on its own.
  void finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace stockroom::cli

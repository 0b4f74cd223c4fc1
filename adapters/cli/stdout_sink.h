// Where the offline tools' output goes: standard output, a block at a time. A failed
// write (a full disk, a closed pipe that did not kill us) stops the tool with an error.
#pragma once

#include <cstdio>
#include <string_view>

#include "engine/model/error.h"

namespace stockroom::cli {

inline Status write_stdout(std::string_view block) {
  if (std::fwrite(block.data(), 1, block.size(), stdout) != block.size() ||
      std::fflush(stdout) != 0) {
    return fail(ErrorCode::kUnavailable, "cannot write to standard output");
  }
  return {};
}

}  // namespace stockroom::cli

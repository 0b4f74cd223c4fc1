// A string field of a FlatBuffers reply the test reads: fails the test when it is absent.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <catch2/catch.hpp>
#include <string_view>

namespace stockroom::testing {

inline std::string_view text(const flatbuffers::String* s) {
  REQUIRE(s != nullptr);
  return s->string_view();
}

}  // namespace stockroom::testing

// Which codec a request's Content-Type picks: media types are case-insensitive and
// parameters do not change the type.
#include <catch2/catch.hpp>
#include <string>

#include "adapters/wire/wire.h"

using namespace stockroom::wire;

TEST_CASE("application/x-flatbuffers in any case and with parameters picks FlatBuffers", "[wire]") {
  for (const char* type :
       {"application/x-flatbuffers", "Application/X-FlatBuffers", "APPLICATION/X-FLATBUFFERS",
        "application/x-flatbuffers; charset=binary", "application/x-flatbuffers;v=1",
        " application/x-flatbuffers ", "application/x-flatbuffers\t; q=1"}) {
    INFO(type);
    CHECK(encoding_for(type) == Encoding::kFlatBuffers);
  }
}

TEST_CASE("any other Content-Type, or none, is JSON", "[wire]") {
  for (const char* type :
       {"", "application/json", "application/x-flatbuffer", "application/x-flatbuffersx",
        "text/plain; application/x-flatbuffers", "x-flatbuffers", "application/x-flat buffers"}) {
    INFO(type);
    CHECK(encoding_for(type) == Encoding::kJson);
  }
}

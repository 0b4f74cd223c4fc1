// libFuzzer: a command request in FlatBuffers (subject tail, newline, body), decoded as
// the service decodes it (tests/fuzz/command_decoding.h).
#include "tests/fuzz/command_decoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stockroom::fuzz::fuzz_command(stockroom::wire::flatbuffers_codec(), false, data, size);
  return 0;
}

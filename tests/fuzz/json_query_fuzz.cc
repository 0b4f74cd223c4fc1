// libFuzzer: a query request in JSON (subject tail, newline, body), decoded as the
// service decodes it (tests/fuzz/query_decoding.h).
#include "tests/fuzz/query_decoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stockroom::fuzz::fuzz_query(stockroom::wire::json_codec(), true, data, size);
  return 0;
}

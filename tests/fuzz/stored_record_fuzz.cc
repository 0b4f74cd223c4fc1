// libFuzzer: bytes read back from the log as an event record and as a command record
// (events/record_codec.h). A record that decodes must survive its own encoding: what
// decode gave, encode then decode gives again. Bad bytes are kMalformed, never a crash.
#include <span>
#include <string>

#include "events/record_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// A record that `decode` reads must read back equal from what `encode` writes of it;
// one that it refuses is kMalformed.
template <class T>
void check_record(std::span<const uint8_t> record,
                  stockroom::Result<T> (*decode)(std::span<const uint8_t>),
                  void (*encode)(const T&, std::string&)) {
  const stockroom::Result<T> first = decode(record);
  if (!first.has_value()) {
    FUZZ_CHECK(first.error().code == stockroom::ErrorCode::kMalformed);
    return;
  }
  std::string again;
  encode(*first, again);
  const stockroom::Result<T> second =
      decode({reinterpret_cast<const uint8_t*>(again.data()), again.size()});
  FUZZ_CHECK(second.has_value());
  FUZZ_CHECK(*second == *first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stockroom;
  const std::span<const uint8_t> record(data, size);
  check_record<RecordedEvent>(record, &events::decode_event, &events::encode_event);
  check_record<CommandEnvelope>(record, &events::decode_command, &events::encode_command);
  return 0;
}

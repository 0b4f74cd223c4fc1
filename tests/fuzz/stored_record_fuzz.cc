// libFuzzer: bytes read back from the log as an event record and as a command record
// (events/record_codec.h). A record that decodes must survive its own encoding: what
// decode gave, encode then decode gives again. Bad bytes are kMalformed, never a crash.
#include <span>
#include <string>

#include "events/record_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stockroom;
  const std::span<const uint8_t> record(data, size);
  const Result<RecordedEvent> event = events::decode_event(record);
  if (event.has_value()) {
    std::string again;
    events::encode_event(*event, again);
    const Result<RecordedEvent> decoded = events::decode_event(bytes_of(again));
    FUZZ_CHECK(decoded.has_value());
    FUZZ_CHECK(*decoded == *event);
  } else {
    FUZZ_CHECK(event.error().code == ErrorCode::kMalformed);
  }
  const Result<CommandEnvelope> command = events::decode_command(record);
  if (command.has_value()) {
    std::string again;
    events::encode_command(*command, again);
    const Result<CommandEnvelope> decoded = events::decode_command(bytes_of(again));
    FUZZ_CHECK(decoded.has_value());
    FUZZ_CHECK(*decoded == *command);
  } else {
    FUZZ_CHECK(command.error().code == ErrorCode::kMalformed);
  }
  return 0;
}

#include "adapters/wire/fb_buffer.h"

#include <cstring>
#include <vector>

namespace stockroom::wire::fbcodec {
namespace {

// The smallest table buffer: a root offset, a table's vtable offset, and a vtable's
// two sizes (FLATBUFFERS_MIN_BUFFER_SIZE, which cannot be used outside its namespace).
constexpr size_t kMinBufferSize =
    sizeof(flatbuffers::uoffset_t) + sizeof(flatbuffers::soffset_t) + 2 * sizeof(uint16_t);

}  // namespace

Result<std::span<const uint8_t>> request_bytes(std::string_view body, std::string_view what) {
  // Below this no buffer can verify; saying so names the usual mistake (an empty body).
  if (body.size() < kMinBufferSize) {
    return fail(ErrorCode::kMalformed, std::string(what) + " is too short to be a FlatBuffer (" +
                                           std::to_string(body.size()) + " bytes)");
  }
  if (body.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return fail(ErrorCode::kMalformed, std::string(what) + " is too large to be a FlatBuffer");
  }
  const auto* data = reinterpret_cast<const uint8_t*>(body.data());
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) == 0) {
    return std::span<const uint8_t>(data, body.size());
  }
  thread_local std::vector<uint64_t> storage;
  storage.resize(body.size() / sizeof(uint64_t) + 1);
  std::memcpy(storage.data(), data, body.size());
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(storage.data()), body.size());
}

Builder& reply_builder() {
  thread_local Builder builder(1024);
  builder.Clear();
  return builder;
}

void copy_out(const Builder& b, std::string& out) {
  out.assign(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

}  // namespace stockroom::wire::fbcodec

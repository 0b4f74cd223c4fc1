// A product's snapshot built field by field with the generated FlatBuffers code, in any
// format number: what an older or a newer build (or a forger) would have stored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/event_log.h"
#include "schemas/snapshots_generated.h"

namespace stockroom::testing {

struct ForgedProduct {
  uint8_t format = 1;
  uint64_t version = 1;
  uint64_t position = 1;
  events::Hash hash{};
  int64_t on_hand = 0;
};

inline std::string forged_product_snapshot(std::string_view stream, const ForgedProduct& f) {
  flatbuffers::FlatBufferBuilder b;
  const auto stream_ref = b.CreateString(stream.data(), stream.size());
  const auto hash_ref = b.CreateVector(f.hash.data(), f.hash.size());
  const auto name = b.CreateString("forged");
  const auto currency = b.CreateString("EUR");
  const auto price = fb::CreateMoney(b, 100, currency);
  const auto state = fb::CreateProductSnapshot(b, true, name, price, false, f.on_hand, 0);
  const auto root = fb::CreateSnapshot(b, f.format, stream_ref, f.version, f.position, hash_ref,
                                       fb::SnapshotState::ProductSnapshot, state.Union());
  fb::FinishSnapshotBuffer(b, root);
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

}  // namespace stockroom::testing

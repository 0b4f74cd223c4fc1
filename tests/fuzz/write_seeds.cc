// Writes the binary seeds of the fuzz corpus (tests/fuzz/corpus/): every sample command
// as a FlatBuffers request under its subject, every sample event and command as a
// stored record, FlatBuffers query requests, and the decide fuzzer's scripts of whole
// stories (decide_script.h). The JSON seeds are written by hand.
// Run it again when a schema changes:
//   build-fuzz/tests/fuzz/fuzz_write_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "events/record_codec.h"
#include "schemas/api_generated.h"
#include "tests/events/codec_support/samples.h"
#include "tests/fuzz/decide_script.h"

namespace {

using namespace stockroom;

void write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string query_request(const char* order_id, const char* sku, const char* stream,
                          std::optional<uint64_t> from_position, std::optional<uint32_t> limit,
                          std::optional<int64_t> time_us) {
  flatbuffers::FlatBufferBuilder b;
  const auto text = [&b](const char* s) {
    return s ? b.CreateString(s) : flatbuffers::Offset<flatbuffers::String>();
  };
  const auto order = text(order_id);
  const auto product = text(sku);
  const auto in_stream = text(stream);
  const auto types = b.CreateVectorOfStrings({"OrderPlaced"});
  const auto opt = [](auto v) {
    using T = typename decltype(v)::value_type;
    return v ? flatbuffers::Optional<T>(*v) : flatbuffers::nullopt;
  };
  b.Finish(fb::CreateQueryRequest(b, order, product, {}, in_stream, {}, opt(from_position), {},
                                  opt(limit), types, {}, opt(time_us)));
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

// A script for the decide fuzzer, step by step (the layout of decide_script.h).
class Story {
 public:
  enum Who { kStaff, kService, kAlice, kBob };
  enum Kind {
    kDefine = 0,
    kReceive = 3,
    kOpen = 5,
    kAdd = 6,
    kCheckout = 9,
    kCancel = 10,
    kShip = 11,
    kDeliver = 12,
    kReturn = 13,
    kAuthorize = 14,
    kCapture = 15,
    kRefund = 18,
    kRate = 19,
    kExpire = 28,
  };

  // Starts a step: the clock moves `minutes`, then `who` sends a command of `kind`.
  Story& step(Who who, Kind kind, int minutes = 0) {
    byte(minutes);
    if (who >= kAlice) {
      byte(2);
      byte(who - kAlice);
    } else {
      byte(who);
    }
    byte(kind);
    return *this;
  }
  Story& byte(int v) {
    bytes_.push_back(static_cast<char>(v));
    return *this;
  }
  Story& money(int amount) {  // in [-10, 6000]: two bytes, then the currency (EUR)
    const int raw = amount + 10;
    return byte(raw >> 8).byte(raw & 0xFF).byte(1);
  }
  Story& quantity(int q) { return byte(q + 2); }  // in [-2, 12]
  Story& done() { return byte(1); }               // no expected_version

  [[nodiscard]] const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Alice buys two mugs, pays, gets them, returns one and rates; Bob's cart of three is
// checked out against what is left and cancelled.
std::string bought_shipped_returned() {
  Story s;
  s.step(Story::kStaff, Story::kDefine).byte(0).money(1250).done();
  s.step(Story::kStaff, Story::kReceive).byte(0).quantity(5).done();
  s.step(Story::kAlice, Story::kOpen).byte(0).byte(0).byte(1).done();
  s.step(Story::kAlice, Story::kAdd).byte(0).byte(0).quantity(2).byte(0).done();
  s.step(Story::kAlice, Story::kCheckout).byte(0).byte(0).done();
  s.step(Story::kService, Story::kAuthorize).byte(0).byte(0).money(2500).done();
  s.step(Story::kService, Story::kCapture).byte(0).byte(0).byte(0).done();
  s.step(Story::kStaff, Story::kShip).byte(0).done();
  s.step(Story::kStaff, Story::kDeliver).byte(0).done();
  s.step(Story::kStaff, Story::kReturn).byte(0).byte(0).quantity(1).byte(1).done();
  s.step(Story::kService, Story::kRefund).byte(0).byte(0).money(1250).done();
  s.step(Story::kAlice, Story::kRate).byte(0).byte(0).byte(5).done();
  s.step(Story::kBob, Story::kOpen).byte(1).byte(1).byte(1).done();
  s.step(Story::kBob, Story::kAdd).byte(1).byte(0).quantity(3).byte(0).done();
  s.step(Story::kBob, Story::kCheckout).byte(1).byte(1).done();
  s.step(Story::kBob, Story::kCancel).byte(1).done();
  return s.bytes();
}

// Bob checks out and never pays: the clock runs past the reservation and the order
// expires, releasing its stock.
std::string reserved_then_expired() {
  Story s;
  s.step(Story::kStaff, Story::kDefine).byte(1).money(400).done();
  s.step(Story::kStaff, Story::kReceive).byte(1).quantity(2).done();
  s.step(Story::kBob, Story::kOpen).byte(1).byte(1).byte(1).done();
  s.step(Story::kBob, Story::kAdd).byte(1).byte(1).quantity(2).byte(0).done();
  s.step(Story::kBob, Story::kCheckout).byte(1).byte(2).done();
  s.step(Story::kService, Story::kAuthorize, 20).byte(2).byte(1).money(800).done();
  s.step(Story::kStaff, Story::kExpire, 20).byte(2).done();
  return s.bytes();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path corpus = argv[1];
  int n = 0;
  for (const Command& command : codec_test::sample_commands()) {
    std::string body;
    events::encode_command(codec_test::envelope(command), body);
    const std::string tail(command_name(command));
    write(corpus / "fb_command", "seed-" + std::to_string(n), tail + "\n" + body);
    write(corpus / "stored_record", "command-" + std::to_string(n), body);
    ++n;
  }
  n = 0;
  for (const EventData& data : codec_test::sample_events()) {
    std::string record;
    events::encode_event(codec_test::recorded(data), record);
    write(corpus / "stored_record", "event-" + std::to_string(n++), record);
  }
  const std::filesystem::path q = corpus / "fb_query";
  write(q, "order", "order.o-1\n" + query_request("o-1", nullptr, nullptr, {}, {}, {}));
  write(q, "stock", "stock\n" + query_request(nullptr, "SKU-1", nullptr, {}, {}, {}));
  write(q, "history", "history\n" + query_request(nullptr, nullptr, "order-o-1", {}, 10, {}));
  write(q, "events", "events\n" + query_request(nullptr, nullptr, nullptr, 1, 100, {}));
  write(q, "as_of",
        "as_of\n" + query_request(nullptr, nullptr, "cart-c-1", {}, {}, 1'764'000'000'000'000));
  write(corpus / "decide", "bought-shipped-returned", bought_shipped_returned());
  write(corpus / "decide", "reserved-then-expired", reserved_then_expired());
  std::printf("seeds written under %s\n", corpus.c_str());
  return 0;
}

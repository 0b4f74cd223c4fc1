// PartitionStream against a real 3-node JetStream cluster: the fence, dedupe by msg
// id, reads, and a leader killed with -9.
#include "adapters/cluster/partition_stream.h"

#include <barrier>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cluster/support/links.h"
#include "cluster/support/nats_cluster.h"

namespace {

using stockroom::ErrorCode;
using stockroom::cluster::AppendAck;
using stockroom::cluster::PartitionStream;
using stockroom::cluster::StreamRecord;
using stockroom::testing::connect_link;
using stockroom::testing::in_seconds;
using stockroom::testing::NatsCluster;

std::optional<int64_t> last_sequence_detail(const stockroom::Error& error) {
  for (const auto& detail : error.details) {
    if (detail.name == "last_sequence") return std::get<int64_t>(detail.value);
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE(
    "appends at the expected last sequence grow the stream, a stale expectation is "
    "fenced, a resend of a msg id answers duplicate with the original seq",
    "[cluster][stream]") {
  NatsCluster cluster;
  auto link = connect_link(cluster.urls());
  PartitionStream stream(*link, "fence.test", 2, 3);
  CHECK(stream.name() == "FENCE_TEST_P2");
  CHECK(stream.subject() == "fence.test.log.2");
  REQUIRE(stream.ensure(in_seconds(30)).has_value());
  REQUIRE(stream.ensure(in_seconds(30)).has_value());  // exists with the same config

  auto empty = stream.last_sequence(in_seconds(10));
  REQUIRE(empty.has_value());
  CHECK(*empty == 0);

  auto first = stream.append("one", 0, "m-1", in_seconds(10));
  REQUIRE(first.has_value());
  CHECK(*first == AppendAck{1, false});
  auto second = stream.append("two", 1, "m-2", in_seconds(10));
  REQUIRE(second.has_value());
  CHECK(*second == AppendAck{2, false});

  auto stale = stream.append("three", 1, "m-3", in_seconds(10));
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == ErrorCode::kConflict);
  CHECK(last_sequence_detail(stale.error()) == 2);
  auto unfenced_empty = stream.append("zero", 0, "m-0", in_seconds(10));
  REQUIRE_FALSE(unfenced_empty.has_value());  // 0 means "empty stream", never "no check"
  CHECK(unfenced_empty.error().code == ErrorCode::kConflict);

  // A resend with the same msg id and the same (now stale) expectation.
  auto resend = stream.append("one", 0, "m-1", in_seconds(10));
  REQUIRE(resend.has_value());
  CHECK(*resend == AppendAck{1, true});
  auto resend_second = stream.append("two", 1, "m-2", in_seconds(10));
  REQUIRE(resend_second.has_value());
  CHECK(*resend_second == AppendAck{2, true});

  auto last = stream.last_sequence(in_seconds(10));
  REQUIRE(last.has_value());
  CHECK(*last == 2);
  auto no_id = stream.append("x", 2, "", in_seconds(1));
  REQUIRE_FALSE(no_id.has_value());
  CHECK(no_id.error().code == ErrorCode::kInvalidArgument);
  auto too_large = stream.append(std::string(2 * 1024 * 1024, 'x'), 2, "big", in_seconds(5));
  REQUIRE_FALSE(too_large.has_value());  // over nats-server's default max_payload, 1 MiB
  CHECK(too_large.error().code == ErrorCode::kPayloadTooLarge);

  // The same name with another replica count is another stream: refused.
  PartitionStream other(*link, "fence.test", 2, 1);
  auto refused = other.ensure(in_seconds(10));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kInvalidState);
}

TEST_CASE("two links racing on one stream: exactly one append wins each round",
          "[cluster][stream]") {
  NatsCluster cluster;
  auto link_a = connect_link(cluster.url(0));
  auto link_b = connect_link(cluster.url(1));
  PartitionStream stream_a(*link_a, "race", 0, 3);
  PartitionStream stream_b(*link_b, "race", 0, 3);
  REQUIRE(stream_a.ensure(in_seconds(30)).has_value());
  REQUIRE(stream_b.ensure(in_seconds(30)).has_value());

  constexpr int kRounds = 100;
  std::vector<int> wins_a(kRounds), wins_b(kRounds);
  std::vector<int> conflicts_a(kRounds), conflicts_b(kRounds);
  std::barrier round_start(2);
  auto writer = [&](PartitionStream& stream, const std::string& who, std::vector<int>& wins,
                    std::vector<int>& conflicts) {
    std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(who)));
    std::uniform_int_distribution<int> jitter_us(0, 600);
    for (int round = 0; round < kRounds; ++round) {
      round_start.arrive_and_wait();
      // Without it the writer nearer the stream leader wins every round.
      std::this_thread::sleep_for(std::chrono::microseconds(jitter_us(rng)));
      // Both expect the stream as the last round left it: one message per round.
      auto ack = stream.append(who + std::to_string(round), static_cast<uint64_t>(round),
                               who + "-" + std::to_string(round), in_seconds(10));
      if (ack.has_value()) wins[round] = ack->seq == static_cast<uint64_t>(round) + 1 ? 1 : 100;
      if (!ack.has_value() && ack.error().code == ErrorCode::kConflict) conflicts[round] = 1;
      round_start.arrive_and_wait();
    }
  };
  std::thread a([&] { writer(stream_a, "a", wins_a, conflicts_a); });
  std::thread b([&] { writer(stream_b, "b", wins_b, conflicts_b); });
  a.join();
  b.join();
  int a_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    CHECK(wins_a[round] + wins_b[round] == 1);
    CHECK(conflicts_a[round] + conflicts_b[round] == 1);
    a_won += wins_a[round];
  }
  WARN("racing writers: a won " << a_won << " of " << kRounds << " rounds");
  auto last = stream_a.last_sequence(in_seconds(10));
  REQUIRE(last.has_value());
  CHECK(*last == kRounds);
}

TEST_CASE(
    "read returns exactly what was appended, in order, from any sequence, and 5000 "
    "messages read in one call",
    "[cluster][stream]") {
  NatsCluster cluster;
  auto link = connect_link(cluster.urls());
  PartitionStream stream(*link, "reads", 1, 3);
  REQUIRE(stream.ensure(in_seconds(30)).has_value());

  auto nothing = stream.read(1, 100, in_seconds(10));
  REQUIRE(nothing.has_value());
  CHECK(nothing->empty());
  CHECK_FALSE(stream.read(0, 10, in_seconds(5)).has_value());

  constexpr int kCount = 5000;
  std::vector<StreamRecord> appended;
  const auto append_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCount; ++i) {
    // Varied sizes, and bytes a text path would mangle.
    std::string data = "event-" + std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'x');
    if (i % 50 == 0) data += std::string("\0\n\r\xff", 4);
    const std::string id = "id-" + std::to_string(i);
    auto ack = stream.append(data, static_cast<uint64_t>(i), id, in_seconds(10));
    REQUIRE(ack.has_value());
    REQUIRE(ack->seq == static_cast<uint64_t>(i) + 1);
    appended.push_back({ack->seq, data, id});
  }
  const double append_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - append_start).count();

  const auto read_start = std::chrono::steady_clock::now();
  auto all = stream.read(1, kCount, in_seconds(30));
  const double read_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count();
  REQUIRE(all.has_value());
  REQUIRE(all->size() == appended.size());
  CHECK(*all == appended);
  WARN("R3: " << kCount << " synchronous fenced appends in " << append_s << " s ("
              << static_cast<int>(kCount / append_s) << "/s); read(1, " << kCount << ") in "
              << read_s << " s (" << static_cast<int>(kCount / read_s) << " msgs/s)");

  for (const uint64_t from : {1ull, 2ull, 999ull, 2500ull, 4990ull, 5000ull}) {
    auto part = stream.read(from, 7, in_seconds(10));
    REQUIRE(part.has_value());
    const size_t expect = std::min<size_t>(7, kCount - from + 1);
    REQUIRE(part->size() == expect);
    for (size_t i = 0; i < expect; ++i) CHECK((*part)[i] == appended[from - 1 + i]);
  }
  auto tail = stream.read(4000, 100000, in_seconds(10));
  REQUIRE(tail.has_value());
  CHECK(tail->size() == 1001);
  CHECK(tail->back() == appended.back());
  auto past_end = stream.read(kCount + 1, 10, in_seconds(10));
  REQUIRE(past_end.has_value());
  CHECK(past_end->empty());

  // The stream never deletes; if someone does, read() reports the gap, not a short log.
  REQUIRE(js_DeleteMsg(link->js(), stream.name().c_str(), 4000, nullptr, nullptr) == NATS_OK);
  auto gap = stream.read(3990, 20, in_seconds(10));
  REQUIRE_FALSE(gap.has_value());
  CHECK(gap.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(gap.error().message, Catch::Contains("gap"));

  // For comparison: one get request per sequence (what read() does not do).
  const auto get_start = std::chrono::steady_clock::now();
  constexpr int kGets = 500;
  for (int seq = 1; seq <= kGets; ++seq) {
    natsMsg* msg = nullptr;
    REQUIRE(js_GetMsg(&msg, link->js(), stream.name().c_str(), static_cast<uint64_t>(seq), nullptr,
                      nullptr) == NATS_OK);
    natsMsg_Destroy(msg);
  }
  const double get_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - get_start).count();
  WARN("js_GetMsg per sequence: " << kGets << " in " << get_s << " s ("
                                  << static_cast<int>(kGets / get_s) << " msgs/s)");
}

// An R3 partition stream keeps every acknowledged message when its leader dies, and
// takes appends again within the deadline once another node leads it.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "adapters/cluster/partition_stream.h"
#include "cluster/support/links.h"
#include "cluster/support/nats_cluster.h"

namespace {

using stockroom::ErrorCode;
using stockroom::cluster::PartitionStream;
using stockroom::cluster::StreamRecord;
using stockroom::testing::connect_link;
using stockroom::testing::in_seconds;
using stockroom::testing::NatsCluster;

// Appends `data` as the next message, as an owner would: a kUnavailable answer (no
// quorum yet, or a duplicate answer that was not ours) is retried with a fresh look at
// the stream's end, until `deadline`.
StreamRecord append_next(PartitionStream& stream, uint64_t& last, const std::string& data,
                         const std::string& id, stockroom::cluster::Deadline deadline) {
  for (;;) {
    auto ack = stream.append(data, last, id, deadline);
    if (ack.has_value()) {
      last = ack->seq;
      return {ack->seq, data, id};
    }
    INFO(ack.error().message);
    REQUIRE(ack.error().code == ErrorCode::kUnavailable);
    REQUIRE(std::chrono::steady_clock::now() < deadline);
  }
}

}  // namespace

TEST_CASE(
    "R3 stream: after kill -9 of its leader appends resume within 15 s and nothing "
    "acknowledged is lost",
    "[cluster][stream][failover]") {
  NatsCluster cluster;
  auto link = connect_link(cluster.urls());
  PartitionStream stream(*link, "failover", 0, 3);
  REQUIRE(stream.ensure(in_seconds(30)).has_value());

  std::vector<StreamRecord> acked;
  uint64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string n = std::to_string(i);
    acked.push_back(append_next(stream, last, "before-" + n, "b-" + n, in_seconds(10)));
  }
  const int leader = cluster.stream_leader(stream.name());
  REQUIRE(leader >= 0);
  cluster.kill(leader, SIGKILL);

  const auto killed_at = std::chrono::steady_clock::now();
  acked.push_back(append_next(stream, last, "after-0", "a-0", in_seconds(15)));
  const double resumed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  WARN("appends resumed " << resumed_s << " s after kill -9 of the stream leader n" << leader);
  CHECK(resumed_s <= 15.0);
  for (int i = 1; i < 100; ++i) {
    const std::string n = std::to_string(i);
    acked.push_back(append_next(stream, last, "after-" + n, "a-" + n, in_seconds(15)));
  }
  const int new_leader = cluster.stream_leader(stream.name());
  CHECK(new_leader >= 0);
  CHECK(new_leader != leader);

  // Every message acknowledged before and after the kill, in order, no more.
  auto all = stream.read(1, 10000, in_seconds(20));
  REQUIRE(all.has_value());
  REQUIRE(all->size() == acked.size());
  CHECK(*all == acked);

  // The killed node comes back and catches up; resends are still answered duplicate.
  cluster.restart(leader);
  for (const size_t i : {size_t{0}, size_t{150}, acked.size() - 1}) {
    auto resend = stream.append(acked[i].data, acked[i].seq - 1, acked[i].msg_id, in_seconds(15));
    REQUIRE(resend.has_value());
    CHECK(resend->duplicate);
    CHECK(resend->seq == acked[i].seq);
  }
  auto again = stream.read(1, 10000, in_seconds(20));
  REQUIRE(again.has_value());
  CHECK(*again == acked);
}

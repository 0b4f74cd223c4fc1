// An R3 partition stream keeps every acknowledged message when its leader dies, and
// takes appends again within the deadline once another node leads it.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
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

using Clock = std::chrono::steady_clock;

// What a writer saw while it appended through the kill.
struct WriterLog {
  std::vector<StreamRecord> acked;
  double longest_wait_s = 0;  // the longest time one message took to be acknowledged
  int unavailable = 0;        // kUnavailable answers that it retried
  int duplicates = 0;         // acks that said duplicate (a retry of a stored message)
  std::string failure;        // set when an answer was neither an ack nor kUnavailable
};

// Appends `count` messages as an owner would: each with its own msg id and the last
// acknowledged sequence as the expectation; a kUnavailable answer (no quorum by the
// deadline, or a duplicate answer that was not ours) is retried with the same id.
void write(PartitionStream& stream, int count, std::atomic<int>& progress, WriterLog& log) {
  uint64_t last = 0;
  for (int i = 0; i < count && log.failure.empty(); ++i) {
    const std::string data = "event-" + std::to_string(i);
    const std::string id = "msg-" + std::to_string(i);
    const auto started = Clock::now();
    for (;;) {
      auto ack = stream.append(data, last, id, in_seconds(15));
      if (ack.has_value()) {
        last = ack->seq;
        log.duplicates += ack->duplicate ? 1 : 0;
        log.acked.push_back({ack->seq, data, id});
        break;
      }
      if (ack.error().code != ErrorCode::kUnavailable ||
          Clock::now() - started > std::chrono::seconds(30)) {
        log.failure = ack.error().message;
        break;
      }
      ++log.unavailable;
    }
    const double waited = std::chrono::duration<double>(Clock::now() - started).count();
    log.longest_wait_s = std::max(log.longest_wait_s, waited);
    progress.store(i + 1);
  }
}

}  // namespace

// The bound is two election rounds: nats-server 2.9.10 waits 4-9 s (random, not
// configurable) before a follower stands for election, and a split vote of the two
// survivors costs another round. One run under a full ctest -j2 saw 18.3 s.
TEST_CASE(
    "R3 stream: appends in flight when its leader is killed with -9 resume within "
    "20 s and nothing acknowledged is lost",
    "[cluster][stream][failover]") {
  NatsCluster cluster;
  auto setup_link = connect_link(cluster.urls());
  REQUIRE(PartitionStream(*setup_link, "failover", 0, 3).ensure(in_seconds(30)).has_value());
  const int leader = cluster.stream_leader("FAILOVER_P0");
  REQUIRE(leader >= 0);
  // The worst case: the writer's connection dies with the leader, and the link must
  // reconnect to a server it learned from the cluster.
  auto link = connect_link(cluster.url(leader));
  PartitionStream stream(*link, "failover", 0, 3);

  constexpr int kMessages = 600;
  std::atomic<int> progress{0};
  std::atomic<bool> done{false};
  WriterLog log;
  std::thread writer([&] {
    write(stream, kMessages, progress, log);
    done.store(true);
  });
  while (progress.load() < 200 && !done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  cluster.kill(leader, SIGKILL);  // appends are in flight
  const auto killed_at = Clock::now();
  writer.join();
  REQUIRE(log.failure.empty());
  WARN("kill -9 of stream leader n"
       << leader << ": the longest append took " << log.longest_wait_s << " s, " << log.unavailable
       << " kUnavailable answers retried, " << log.duplicates << " duplicate acks, all "
       << kMessages << " acked " << std::chrono::duration<double>(Clock::now() - killed_at).count()
       << " s after the kill");
  CHECK(log.longest_wait_s <= 20.0);
  REQUIRE(log.acked.size() == kMessages);
  const int new_leader = cluster.stream_leader(stream.name());
  CHECK(new_leader >= 0);
  CHECK(new_leader != leader);

  // Every acknowledged message, in order, exactly once.
  auto all = stream.read(1, 10000, in_seconds(20));
  REQUIRE(all.has_value());
  REQUIRE(all->size() == log.acked.size());
  CHECK(*all == log.acked);

  // The killed node comes back and catches up; resends are still answered duplicate.
  cluster.restart(leader);
  for (const size_t i : {size_t{0}, size_t{199}, size_t{200}, log.acked.size() - 1}) {
    const StreamRecord& record = log.acked[i];
    auto resend = stream.append(record.data, record.seq - 1, record.msg_id, in_seconds(15));
    REQUIRE(resend.has_value());
    CHECK(resend->duplicate);
    CHECK(resend->seq == record.seq);
  }
  auto again = stream.read(1, 10000, in_seconds(20));
  REQUIRE(again.has_value());
  CHECK(*again == log.acked);
}

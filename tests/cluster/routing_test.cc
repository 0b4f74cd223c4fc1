// The server's subject mapping and the engine's partition function agree: a command or
// query published on any node reaches the partition partition_of(key, N) names.
#include "engine/model/routing.h"

#include <nats/nats.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "cluster/support/nats_cluster.h"

namespace {

using stockroom::testing::NatsCluster;

// Keys of every shape the engine uses: uuids, skus with '-' and '_', digits only,
// single characters, long ones.
std::vector<std::string> varied_keys(size_t count) {
  std::vector<std::string> keys;
  const char* shapes[] = {"sku-", "SKU_", "cart-", "order_", "", "x", "a-b_c-"};
  for (size_t i = 0; keys.size() < count; ++i) {
    std::string key = std::string(shapes[i % 7]) + std::to_string(i * 2654435761u % 1000003);
    if (i % 11 == 0) key += "-" + std::string(40 + i % 60, static_cast<char>('a' + i % 26));
    if (i % 13 == 0) key = std::to_string(i);
    if (i % 17 == 0) key = std::string(1, static_cast<char>('A' + i % 26));
    if (i % 19 == 0) key = "8c2b7a1e-" + std::to_string(i) + "-4f0e-9b1d-" + std::to_string(i * 7);
    keys.push_back(std::move(key));
  }
  return keys;
}

struct Connection {
  explicit Connection(const std::string& url) {
    REQUIRE(natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK);
  }
  ~Connection() { natsConnection_Destroy(nc); }
  natsConnection* nc = nullptr;
};

// The partition token (index 2 of "<p>.p.<partition>.<kind>...") of each message
// `publish_subject(key)` brings to `<p>.p.*.<kind>.>`, checked against partition_of.
void check_routing(const NatsCluster& cluster, const std::string& prefix, const std::string& kind,
                   const std::string& route, uint32_t partitions) {
  const std::vector<std::string> keys = varied_keys(3000);
  Connection sub_conn(cluster.url(0));
  Connection pub_conn(cluster.url(2));  // another node: the mapping applies cluster-wide
  natsSubscription* sub = nullptr;
  const std::string filter = prefix + ".p.*." + kind + ".>";
  REQUIRE(natsConnection_SubscribeSync(&sub, sub_conn.nc, filter.c_str()) == NATS_OK);
  REQUIRE(natsSubscription_SetPendingLimits(sub, -1, -1) == NATS_OK);
  REQUIRE(natsConnection_Flush(sub_conn.nc) == NATS_OK);
  // Interest travels to the other nodes over the routes: wait until a probe arrives.
  const std::string probe_subject = prefix + "." + kind + "." + route + "probe";
  natsMsg* probe = nullptr;
  for (int i = 0; i < 100 && probe == nullptr; ++i) {
    REQUIRE(natsConnection_PublishString(pub_conn.nc, probe_subject.c_str(), "") == NATS_OK);
    static_cast<void>(natsSubscription_NextMsg(&probe, sub, 100));
  }
  REQUIRE(probe != nullptr);
  natsMsg_Destroy(probe);
  for (;;) {  // drop the other probes
    natsMsg* late = nullptr;
    if (natsSubscription_NextMsg(&late, sub, 300) != NATS_OK) break;
    natsMsg_Destroy(late);
  }
  for (const std::string& key : keys) {
    const std::string subject = prefix + "." + kind + "." + route + key;
    REQUIRE(natsConnection_PublishString(pub_conn.nc, subject.c_str(), key.c_str()) == NATS_OK);
  }
  REQUIRE(natsConnection_Flush(pub_conn.nc) == NATS_OK);
  size_t mismatches = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    natsMsg* msg = nullptr;
    REQUIRE(natsSubscription_NextMsg(&msg, sub, 5000) == NATS_OK);
    const std::string subject = natsMsg_GetSubject(msg);
    const std::string key(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
    const size_t from = prefix.size() + 3;  // past "<p>.p."
    const std::string token = subject.substr(from, subject.find('.', from) - from);
    const std::string want = std::to_string(stockroom::partition_of(key, partitions));
    if (token != want) {
      ++mismatches;
      UNSCOPED_INFO(subject << " carries " << key << ": partition_of says " << want);
    }
    // The mapping keeps the rest of the subject and ends with the key.
    CHECK(subject.ends_with("." + key));
  }
  CHECK(mismatches == 0);
  natsSubscription_Destroy(sub);
}

}  // namespace

TEST_CASE(
    "the server's partition mapping routes every key where partition_of says, for N=4 "
    "and N=7, commands and queries",
    "[cluster][routing]") {
  const NatsCluster cluster(
      "  \"stockroom.cmd.*.*.*\": "
      "\"stockroom.p.{{partition(4,3)}}.cmd.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}\"\n"
      "  \"stockroom.query.*.*\": "
      "\"stockroom.p.{{partition(4,2)}}.query.{{wildcard(1)}}.{{wildcard(2)}}\"\n"
      "  \"seven.cmd.*.*.*\": "
      "\"seven.p.{{partition(7,3)}}.cmd.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}\"\n"
      "  \"seven.query.*.*\": "
      "\"seven.p.{{partition(7,2)}}.query.{{wildcard(1)}}.{{wildcard(2)}}\"\n");
  check_routing(cluster, "stockroom", "cmd", "cart.add_item.", 4);
  check_routing(cluster, "stockroom", "query", "cart.", 4);
  check_routing(cluster, "seven", "cmd", "cart.add_item.", 7);
  check_routing(cluster, "seven", "query", "order.", 7);
}

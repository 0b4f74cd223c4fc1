// JetLink: a server list in one string, and a clear refusal when nothing answers.
#include "adapters/cluster/jet_link.h"

#include <catch2/catch.hpp>

#include "cluster/support/nats_cluster.h"
#include "nats/support/nats_server.h"

TEST_CASE("a link to servers that do not answer is unavailable", "[cluster][link]") {
  stockroom::nats_adapter::ConnectOptions options;
  options.url = "nats://127.0.0.1:" + std::to_string(stockroom::testing::free_port()) +
                ", nats://127.0.0.1:" + std::to_string(stockroom::testing::free_port());
  auto link = stockroom::cluster::JetLink::connect(options);
  REQUIRE_FALSE(link.has_value());
  CHECK(link.error().code == stockroom::ErrorCode::kUnavailable);
  options.url = " , ";
  auto none = stockroom::cluster::JetLink::connect(options);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == stockroom::ErrorCode::kInvalidArgument);
}

TEST_CASE("a link connects through a list whose first servers are down", "[cluster][link]") {
  stockroom::testing::NatsCluster cluster;
  cluster.kill(0);
  cluster.kill(1);
  stockroom::nats_adapter::ConnectOptions options;
  options.url = cluster.urls();
  auto link = stockroom::cluster::JetLink::connect(options);
  REQUIRE(link.has_value());
  CHECK((*link)->connection() != nullptr);
  CHECK((*link)->js() != nullptr);
}

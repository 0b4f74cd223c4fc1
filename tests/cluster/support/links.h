// Helpers the cluster link's tests share: connect a JetLink to a test cluster and make
// deadlines.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "adapters/cluster/deadline.h"
#include "adapters/cluster/jet_link.h"

namespace stockroom::testing {

inline std::unique_ptr<cluster::JetLink> connect_link(const std::string& urls) {
  nats_adapter::ConnectOptions options;
  options.url = urls;
  options.name = "stockroom-cluster-test";
  options.reconnect_wait_ms = 100;
  auto link = cluster::JetLink::connect(options);
  REQUIRE(link.has_value());
  return std::move(*link);
}

inline cluster::Deadline in_seconds(int seconds) {
  return cluster::deadline_in(std::chrono::seconds(seconds));
}

}  // namespace stockroom::testing

// The service in this process against a real nats-server and a real RocksDB
// directory: what most tests talk to with a Client, as a backend service would.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "adapters/nats/client.h"
#include "adapters/nats/service.h"
#include "adapters/ops/json_log.h"
#include "adapters/ops/metrics.h"
#include "engine/engine.h"
#include "nats/support/nats_server.h"
#include "support/temp_dir.h"

namespace stockroom::testing {

class ServeHarness {
 public:
  // `env`: a RocksDB Env to run the engine on (fault injection); default the real one.
  // `configure`: changes the service's options before it connects (a signing key, ...);
  // `configure_engine` the engine's before it opens (queue bounds, ...).
  explicit ServeHarness(const NatsServer& server, std::string prefix = "stockroom",
                        std::string data_dir = "", std::shared_ptr<rocksdb::Env> env = nullptr,
                        const std::function<void(nats_adapter::ServiceOptions&)>& configure = {},
                        const std::function<void(engine::EngineOptions&)>& configure_engine = {})
      : log_(log_sink_), prefix_(std::move(prefix)) {
    nats_adapter::ServiceOptions o;
    o.connect.url = server.url();
    o.prefix = prefix_;
    if (configure) configure(o);
    auto svc = nats_adapter::Service::connect(o, registry_, log_);
    REQUIRE(svc.has_value());
    service_ = std::move(*svc);
    engine::EngineOptions eo;
    eo.data_dir = data_dir.empty() ? dir_.sub("data") : data_dir;
    eo.durability = events::Durability::kSync;
    eo.on_commit = service_->commit_listener();
    eo.on_fault = service_->fault_listener();
    eo.env = std::move(env);
    if (configure_engine) configure_engine(eo);
    auto e = engine::Engine::open(eo);
    REQUIRE(e.has_value());
    engine_ = std::move(*e);
    REQUIRE(service_->start(*engine_).has_value());
    nats_adapter::ConnectOptions co;
    co.url = server.url();
    auto c = nats_adapter::Client::connect(co);
    REQUIRE(c.has_value());
    client_ = std::move(*c);
  }

  ~ServeHarness() {
    client_.reset();
    if (service_) service_->drain(std::chrono::seconds(10));
    engine_.reset();
    service_.reset();
  }

  [[nodiscard]] nats_adapter::Client& client() { return *client_; }
  [[nodiscard]] engine::Engine& engine() { return *engine_; }
  [[nodiscard]] nats_adapter::Service& service() { return *service_; }
  [[nodiscard]] ops::Registry& metrics() { return registry_; }
  [[nodiscard]] std::string logs() const { return log_sink_.str(); }
  [[nodiscard]] const std::string& prefix() const { return prefix_; }

  // A request on "<prefix>.<tail>" with a JSON body; the reply's body.
  std::string send(const std::string& tail, const std::string& json) {
    auto r = client_->request(prefix_ + "." + tail, json);
    REQUIRE(r.has_value());
    return r->data;
  }

 private:
  TempDir dir_;
  std::ostringstream log_sink_;
  ops::JsonLog log_;
  ops::Registry registry_;
  std::string prefix_;
  std::unique_ptr<nats_adapter::Service> service_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<nats_adapter::Client> client_;
};

}  // namespace stockroom::testing

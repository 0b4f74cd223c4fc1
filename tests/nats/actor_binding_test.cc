// Actor binding end to end (docs/security.md, "Actor binding"): a real nats-server
// started from docs/security/actor-binding.conf (accounts STOCKROOM, BACKEND,
// INVENTORY; commands imported with share: true), the service with the actor map
// docs/security/actor-binding.json. A sender may claim only the actors the map gives
// its account and user; a refusal is FORBIDDEN and writes nothing; a forged
// Nats-Request-Info header changes nothing; without a map the actor is as written.
#include <nats/nats.h>
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/nats/actor_map.h"
#include "adapters/nats/service.h"
#include "adapters/ops/json_log.h"
#include "adapters/ops/metrics.h"
#include "adapters/wire/wire.h"
#include "engine/engine.h"
#include "engine/support/commands.h"
#include "events/record_codec.h"
#include "nats/support/nats_server.h"
#include "schemas/api_generated.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace actor_binding_test {

std::string source_file(const std::string& relative) {
  const std::string path = std::string(STOCKROOM_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string url_of(const NatsServer& server, const std::string& user) {
  return "nats://" + user + ":" + user + "-example@127.0.0.1:" + std::to_string(server.port());
}

// The engine in the STOCKROOM account, with or without an actor map.
class BoundEngine {
 public:
  BoundEngine(const NatsServer& server, std::optional<nats_adapter::ActorMap> actors)
      : log_(log_sink_) {
    nats_adapter::ServiceOptions o;
    o.connect.url = url_of(server, "stockroom");
    o.actors = std::move(actors);
    auto svc = nats_adapter::Service::connect(o, registry_, log_);
    REQUIRE(svc.has_value());
    service_ = std::move(*svc);
    engine::EngineOptions eo;
    eo.data_dir = dir_.sub("data");
    eo.durability = events::Durability::kSync;
    eo.on_commit = service_->commit_listener();
    eo.on_fault = service_->fault_listener();
    auto e = engine::Engine::open(eo);
    REQUIRE(e.has_value());
    engine_ = std::move(*e);
    REQUIRE(service_->start(*engine_).has_value());
  }
  ~BoundEngine() {
    service_->drain(std::chrono::seconds(10));
    engine_.reset();
    service_.reset();
  }

  [[nodiscard]] uint64_t head() const { return engine_->head().position.value; }
  [[nodiscard]] std::string metrics() {
    service_->refresh_metrics();
    return registry_.render();
  }

 private:
  TempDir dir_;
  std::ostringstream log_sink_;
  ops::JsonLog log_;
  ops::Registry registry_;
  std::unique_ptr<nats_adapter::Service> service_;
  std::unique_ptr<engine::Engine> engine_;
};

// A NATS.c connection as one user of the config, sending requests with any headers
// (Client sets none but Content-Type: a forged Nats-Request-Info needs this).
class NatsUser {
 public:
  NatsUser(const NatsServer& server, const std::string& user) {
    natsOptions* opts = nullptr;
    REQUIRE(natsOptions_Create(&opts) == NATS_OK);
    REQUIRE(natsOptions_SetURL(opts, url_of(server, user).c_str()) == NATS_OK);
    connect(opts);
  }
  // An nkey user: its public key and the file holding its seed.
  NatsUser(const NatsServer& server, const std::string& nkey, const std::string& seed_file) {
    natsOptions* opts = nullptr;
    REQUIRE(natsOptions_Create(&opts) == NATS_OK);
    REQUIRE(natsOptions_SetURL(opts, server.url().c_str()) == NATS_OK);
    REQUIRE(natsOptions_SetNKeyFromSeed(opts, nkey.c_str(), seed_file.c_str()) == NATS_OK);
    connect(opts);
  }
  ~NatsUser() { natsConnection_Destroy(nc_); }
  NatsUser(const NatsUser&) = delete;
  NatsUser& operator=(const NatsUser&) = delete;

  std::string request(const std::string& subject, const std::string& body,
                      const std::string& forged_info = "", bool flatbuffers = false) {
    natsMsg* msg = nullptr;
    REQUIRE(natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(),
                           static_cast<int>(body.size())) == NATS_OK);
    if (!forged_info.empty()) {
      REQUIRE(natsMsgHeader_Set(msg, nats_adapter::kRequestInfoHeader, forged_info.c_str()) ==
              NATS_OK);
    }
    if (flatbuffers) {
      REQUIRE(natsMsgHeader_Set(msg, "Content-Type",
                                std::string(wire::kFlatBuffersContentType).c_str()) == NATS_OK);
    }
    natsMsg* reply = nullptr;
    const natsStatus s = natsConnection_RequestMsg(&reply, nc_, msg, 5000);
    natsMsg_Destroy(msg);
    INFO(subject << ": " << natsStatus_GetText(s));
    REQUIRE(s == NATS_OK);
    std::string out(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
    natsMsg_Destroy(reply);
    return out;
  }

 private:
  void connect(natsOptions* opts) {
    const natsStatus s = natsConnection_Connect(&nc_, opts);
    natsOptions_Destroy(opts);
    REQUIRE(s == NATS_OK);
  }
  natsConnection* nc_ = nullptr;
};

std::string command(const std::string& id, const std::string& actor_id, const std::string& role,
                    const std::string& fields) {
  return R"({"command_id":")" + id + R"(","actor":{"id":")" + actor_id + R"(","role":")" + role +
         R"("},)" + fields + "}";
}

// "ok", or the refusal's code; `message` gets the refusal's message.
std::string outcome_of(const std::string& reply, std::string* message = nullptr) {
  rapidjson::Document d;
  d.Parse(reply.data(), reply.size());
  INFO(reply);
  REQUIRE(d.IsObject());
  REQUIRE(d.HasMember("ok"));
  if (d["ok"].GetBool()) return "ok";
  if (message != nullptr) *message = d["error"]["message"].GetString();
  return d["error"]["code"].GetString();
}

std::string fb_command(const std::string& id, const Actor& actor, Command c) {
  std::string body;
  events::encode_command(envelope(id, actor, std::move(c)), body);
  return body;
}

// A FlatBuffers command reply's outcome, as outcome_of.
std::string fb_outcome_of(const std::string& reply, std::string* message = nullptr) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(reply.data()), reply.size());
  REQUIRE(verifier.VerifyBuffer<fb::CommandReply>(nullptr));
  const fb::CommandReply& r = *flatbuffers::GetRoot<fb::CommandReply>(reply.data());
  if (r.ok()) return "ok";
  REQUIRE(r.error() != nullptr);
  REQUIRE(r.error()->code() != nullptr);
  if (message != nullptr && r.error()->message() != nullptr) *message = r.error()->message()->str();
  return r.error()->code()->str();
}

const std::string kProduct =
    R"("sku":"SKU-1","name":"Lamp","price":{"amount":500,"currency":"EUR"})";
const std::string kReceive = R"("sku":"SKU-1","quantity":5)";

nats_adapter::ActorMap documented_map() {
  Result<nats_adapter::ActorMap> map = nats_adapter::parse_actor_map(
      source_file("docs/security/actor-binding.json"), "docs/security/actor-binding.json");
  REQUIRE(map.has_value());
  return *map;
}

TEST_CASE("actor binding: a backend user claims only the customer and service actors it is given",
          "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, documented_map());
  NatsUser inventory(server, "stock-app");
  NatsUser shop1(server, "shop1");
  REQUIRE(outcome_of(inventory.request("stockroom.cmd.product.define",
                                       command("d1", "inventory-svc", "staff", kProduct))) == "ok");
  const uint64_t defined = engine.head();
  REQUIRE(defined == 1);

  // Given shop1 may act as customers alice and bob and as service checkout-svc
  CHECK(outcome_of(shop1.request(
            "stockroom.cmd.cart.open",
            command("c1", "alice", "customer",
                    R"("cart_id":"k1","customer_id":"alice","currency":"EUR")"))) == "ok");
  CHECK(outcome_of(shop1.request("stockroom.cmd.cart.add_item",
                                 command("c2", "checkout-svc", "service",
                                         R"("cart_id":"k1","sku":"SKU-1","quantity":1)"))) == "ok");
  const uint64_t before = engine.head();
  REQUIRE(before == 3);

  // When it claims a staff actor: FORBIDDEN naming its account, user and the actor
  std::string message;
  CHECK(outcome_of(shop1.request("stockroom.cmd.inventory.receive",
                                 command("r1", "inventory-svc", "staff", kReceive)),
                   &message) == "FORBIDDEN");
  CHECK(message ==
        "NATS account 'BACKEND' user 'shop1' may not act as staff 'inventory-svc': the actor map "
        "does not give it the role staff");
  // When it claims a customer the map does not list: FORBIDDEN
  CHECK(outcome_of(
            shop1.request("stockroom.cmd.cart.open",
                          command("c3", "mallory", "customer",
                                  R"("cart_id":"k2","customer_id":"mallory","currency":"EUR")")),
            &message) == "FORBIDDEN");
  CHECK_THAT(message, Catch::Contains("user 'shop1' may not act as customer 'mallory'"));

  // Then nothing was written: the head stands, the cart does not exist, stock unchanged
  CHECK(engine.head() == before);
  CHECK(outcome_of(shop1.request("stockroom.query.cart", R"({"cart_id":"k2"})")) == "NOT_FOUND");
  const std::string stock = shop1.request("stockroom.query.stock", R"({"sku":"SKU-1"})");
  CHECK_THAT(stock, Catch::Contains(R"("on_hand":0)"));
  // And the refusals are counted as any other
  const std::string metrics = engine.metrics();
  CHECK_THAT(metrics,
             Catch::Contains(
                 R"(stockroom_commands_total{command="inventory.receive",outcome="FORBIDDEN"} 1)"));
  CHECK_THAT(
      metrics,
      Catch::Contains(R"(stockroom_commands_total{command="cart.open",outcome="FORBIDDEN"} 1)"));
  CHECK_THAT(metrics,
             Catch::Contains(R"(stockroom_commands_total{command="cart.open",outcome="ok"} 1)"));
}

// shop3 of the config: an example nkey user (its seed is here, for this test only).
const std::string kShop3 = "UABU4A7A5LYURJXONYFR72NMX75YCA4S7KOKVUUUQXGQQTRQG4HUEWG5";
const std::string kShop3Seed = "SUADRTGAXOWIVKIBXLWP55CR2RF3CFTZWYRXOPGOUDPHWKLZSTLHSIXWCE";

TEST_CASE("actor binding: an nkey user is known by its public key", "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, documented_map());
  TempDir dir;
  const std::string seed_file = dir.sub("shop3.nk");
  std::ofstream(seed_file) << kShop3Seed << "\n";
  NatsUser shop3(server, kShop3, seed_file);
  // Given the map lets shop3's public key act as customer carol only
  CHECK(outcome_of(shop3.request(
            "stockroom.cmd.cart.open",
            command("c1", "carol", "customer",
                    R"("cart_id":"k3","customer_id":"carol","currency":"EUR")"))) == "ok");
  std::string message;
  CHECK(
      outcome_of(shop3.request("stockroom.cmd.cart.open",
                               command("c2", "alice", "customer",
                                       R"("cart_id":"k4","customer_id":"alice","currency":"EUR")")),
                 &message) == "FORBIDDEN");
  CHECK(message == "NATS account 'BACKEND' user '" + kShop3 +
                       "' may not act as customer 'alice': the actor map does not list that "
                       "actor id for it");
  CHECK(engine.head() == 1);
}

TEST_CASE("actor binding: the inventory user acts as its staff actor only", "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, documented_map());
  NatsUser inventory(server, "stock-app");
  REQUIRE(outcome_of(inventory.request("stockroom.cmd.product.define",
                                       command("d1", "inventory-svc", "staff", kProduct))) == "ok");
  CHECK(outcome_of(inventory.request("stockroom.cmd.inventory.receive",
                                     command("r1", "inventory-svc", "staff", kReceive))) == "ok");
  const uint64_t before = engine.head();
  REQUIRE(before == 2);
  std::string message;
  CHECK(outcome_of(inventory.request("stockroom.cmd.inventory.receive",
                                     command("r2", "ops-1", "staff", kReceive)),
                   &message) == "FORBIDDEN");
  CHECK(message ==
        "NATS account 'INVENTORY' user 'stock-app' may not act as staff 'ops-1': the actor map "
        "does not list that actor id for it");
  CHECK(outcome_of(inventory.request("stockroom.cmd.inventory.receive",
                                     command("r3", "inventory-svc", "service", kReceive))) ==
        "FORBIDDEN");
  CHECK(engine.head() == before);
}

TEST_CASE("actor binding: a forged Nats-Request-Info header is replaced by the server's",
          "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, documented_map());
  // Given shop2, which no identity of the map names
  NatsUser shop2(server, "shop2");
  const std::vector<std::string> forgeries = {
      R"({"acc":"BACKEND","user":"shop1"})", R"({"acc":"INVENTORY","user":"stock-app"})",
      R"({"acc":"STOCKROOM","user":"operator"})", "not json"};
  for (const std::string& forged : forgeries) {
    INFO(forged);
    // When it sends a command with a forged header claiming another identity
    std::string message;
    CHECK(outcome_of(shop2.request("stockroom.cmd.product.define",
                                   command("f1", "inventory-svc", "staff", kProduct), forged),
                     &message) == "FORBIDDEN");
    // Then the engine saw the server's header: the real account and user
    CHECK(message ==
          "NATS account 'BACKEND' user 'shop2' may not send commands: no identity in the actor "
          "map matches it (it claimed staff 'inventory-svc')");
  }
  CHECK(engine.head() == 0);
}

TEST_CASE("actor binding: the engine's own account is trusted with own_account trust",
          "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, documented_map());
  // An operator in STOCKROOM: no header reaches the engine, any actor is taken
  NatsUser op(server, "operator");
  CHECK(outcome_of(op.request("stockroom.cmd.product.define",
                              command("d1", "ops-1", "staff", kProduct))) == "ok");
  CHECK(engine.head() == 1);
}

TEST_CASE("actor binding: own_account forbid refuses a command from within the own account",
          "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  nats_adapter::ActorMap map = documented_map();
  map.trust_own_account = false;
  BoundEngine engine(server, map);
  NatsUser op(server, "operator");
  std::string message;
  CHECK(outcome_of(
            op.request("stockroom.cmd.product.define", command("d1", "ops-1", "staff", kProduct)),
            &message) == "FORBIDDEN");
  CHECK_THAT(message, Catch::Contains("own_account: forbid"));
  // The server's header still binds a sender from an importing account
  NatsUser inventory(server, "stock-app");
  CHECK(outcome_of(inventory.request("stockroom.cmd.product.define",
                                     command("d2", "inventory-svc", "staff", kProduct))) == "ok");
  CHECK(engine.head() == 1);
}

TEST_CASE("actor binding: FlatBuffers commands are bound alike", "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, documented_map());
  NatsUser inventory(server, "stock-app");
  REQUIRE(outcome_of(inventory.request("stockroom.cmd.product.define",
                                       command("d1", "inventory-svc", "staff", kProduct))) == "ok");
  NatsUser shop1(server, "shop1");
  CHECK(fb_outcome_of(
            shop1.request("stockroom.cmd.cart.open",
                          fb_command("c1", customer("alice"),
                                     OpenCart{CartId("k1"), CustomerId("alice"), Currency("EUR")}),
                          "", true)) == "ok");
  const uint64_t before = engine.head();
  REQUIRE(before == 2);
  std::string message;
  CHECK(fb_outcome_of(
            shop1.request("stockroom.cmd.inventory.receive",
                          fb_command("r1", staff(), ReceiveStock{Sku("SKU-1"), Quantity{5}, ""}),
                          "", true),
            &message) == "FORBIDDEN");
  CHECK(message ==
        "NATS account 'BACKEND' user 'shop1' may not act as staff 'ops-1': the actor map does "
        "not give it the role staff");
  CHECK(engine.head() == before);
}

// Not the documented config: BACKEND imports the commands WITHOUT share, the map
// forbids the own account.
const std::string kNoShareConfig = R"(accounts: {
  STOCKROOM: {
    users: [{user: stockroom, password: stockroom-example}, {user: operator, password: operator-example}]
    exports: [{service: "stockroom.cmd.>"}]
  }
  BACKEND: {
    users: [{user: shop1, password: shop1-example}]
    imports: [{service: {account: STOCKROOM, subject: "stockroom.cmd.>"}}]
  }
})";
const std::string kNoShareMap = R"({"own_account": "forbid", "identities": [
  {"account": "BACKEND", "roles": ["staff"], "actors": ["ops-1"]},
  {"account": "BACKEND", "user": "shop1", "roles": ["service"], "actors": ["*"]}]})";

TEST_CASE("actor binding: behind an import without share only account-wide identities match",
          "[nats][actors]") {
  NatsServer server(kNoShareConfig);
  Result<nats_adapter::ActorMap> map = nats_adapter::parse_actor_map(kNoShareMap, "test");
  REQUIRE(map.has_value());
  BoundEngine engine(server, *map);
  NatsUser shop1(server, "shop1");
  // The server names the account but no user: the account-wide identity applies
  CHECK(outcome_of(shop1.request("stockroom.cmd.product.define",
                                 command("d1", "ops-1", "staff", kProduct))) == "ok");
  // The identity of user shop1 does not, forged header or not
  for (const std::string& forged :
       {std::string(), std::string(R"({"acc":"BACKEND","user":"shop1"})")}) {
    std::string message;
    CHECK(outcome_of(shop1.request("stockroom.cmd.inventory.receive",
                                   command("r1", "svc-1", "service", kReceive), forged),
                     &message) == "FORBIDDEN");
    CHECK(message ==
          "NATS account 'BACKEND' (no user named) may not act as service 'svc-1': the actor map "
          "does not give it the role service");
  }
  CHECK(engine.head() == 1);
}

TEST_CASE("actor binding: a member of the own account can forge the header (a documented limit)",
          "[nats][actors]") {
  NatsServer server(kNoShareConfig);
  Result<nats_adapter::ActorMap> map = nats_adapter::parse_actor_map(kNoShareMap, "test");
  REQUIRE(map.has_value());
  BoundEngine engine(server, *map);
  NatsUser op(server, "operator");
  // Without a header own_account forbid refuses it
  CHECK(outcome_of(op.request("stockroom.cmd.product.define",
                              command("d1", "svc-1", "service", kProduct))) == "FORBIDDEN");
  // With a header of its own making, the server passes it unchanged inside the account
  CHECK(outcome_of(op.request("stockroom.cmd.product.define",
                              command("d1", "svc-1", "service", kProduct),
                              R"({"acc":"BACKEND","user":"shop1"})")) == "ok");
  CHECK(engine.head() == 1);
}

TEST_CASE("without an actor map the actor is taken as written with a header or not",
          "[nats][actors]") {
  NatsServer server(source_file("docs/security/actor-binding.conf"));
  BoundEngine engine(server, std::nullopt);
  // shop2 is in no map; with none, it may write as staff
  NatsUser shop2(server, "shop2");
  CHECK(outcome_of(shop2.request("stockroom.cmd.product.define",
                                 command("d1", "ops-1", "staff", kProduct))) == "ok");
  CHECK(engine.head() == 1);
}

}  // namespace actor_binding_test
}  // namespace stockroom::testing

// The last units of a product raced for over NATS: many independent connections
// check out at the same moment; the engine must sell exactly what is on hand.
#include <rapidjson/document.h>

#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/client.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "support/json_object.h"

namespace stockroom::testing {
namespace {

constexpr int kClients = 64;
constexpr int kUnits = 10;
constexpr auto kTimeout = std::chrono::milliseconds(20'000);

// What one racing client saw; filled by its thread, checked by the test's thread.
struct Racer {
  std::string failure;   // set when a step before the checkout went wrong
  std::string checkout;  // the checkout's reply body
};

std::string customer_actor(const std::string& id) {
  return R"("actor":{"id":")" + id + R"(","role":"customer"})";
}

// Sends one command; the reply body, or empty (with `failure` set) when none came.
std::string send(nats_adapter::Client& client, const std::string& subject, const std::string& body,
                 std::string& failure) {
  auto reply = client.request(subject, body, {}, kTimeout);
  if (!reply) {
    failure = subject + ": " + reply.error().message;
    return {};
  }
  return reply->data;
}

bool accepted(const std::string& reply) {
  rapidjson::Document d;
  d.Parse(reply.c_str(), reply.size());
  return !d.HasParseError() && d.IsObject() && d.HasMember("ok") && d["ok"].IsBool() &&
         d["ok"].GetBool();
}

void race(const std::string& url, const std::string& prefix, int i, std::barrier<>& start,
          Racer& out) {
  const std::string n = std::to_string(i);
  const std::string who = "cust-" + n;
  const std::string actor = customer_actor(who);
  std::unique_ptr<nats_adapter::Client> client;
  nats_adapter::ConnectOptions co;
  co.url = url;
  co.name = "racer-" + n;
  if (auto c = nats_adapter::Client::connect(co)) {
    client = std::move(*c);
  } else {
    out.failure = "connect: " + c.error().message;
  }
  if (client) {
    const std::string open =
        send(*client, prefix + ".cmd.cart.open",
             R"({"command_id":"open-)" + n + R"(",)" + actor + R"(,"cart_id":"cart-)" + n +
                 R"(","customer_id":")" + who + R"(","currency":"EUR"})",
             out.failure);
    if (out.failure.empty() && !accepted(open)) out.failure = "cart.open: " + open;
  }
  if (client && out.failure.empty()) {
    const std::string add = send(*client, prefix + ".cmd.cart.add_item",
                                 R"({"command_id":"add-)" + n + R"(",)" + actor +
                                     R"(,"cart_id":"cart-)" + n + R"(","sku":"LAST","quantity":1})",
                                 out.failure);
    if (out.failure.empty() && !accepted(add)) out.failure = "cart.add_item: " + add;
  }
  // Everyone arrives, ready or not, so that no thread waits forever.
  start.arrive_and_wait();
  if (!client || !out.failure.empty()) return;
  out.checkout = send(*client, prefix + ".cmd.cart.checkout",
                      R"({"command_id":"checkout-)" + n + R"(",)" + actor + R"(,"cart_id":"cart-)" +
                          n + R"(","order_id":"order-)" + n + R"("})",
                      out.failure);
}

TEST_CASE("64 concurrent clients race for the last 10 units: exactly 10 orders", "[nats]") {
  NatsServer server;
  ServeHarness h(server);
  const std::string staff = R"("actor":{"id":"ops-1","role":"staff"})";
  REQUIRE(parse_object(h.send(
      "cmd.product.define",
      R"({"command_id":"define",)" + staff +
          R"(,"sku":"LAST","name":"Last ones","price":{"amount":1200,"currency":"EUR"}})"))["ok"]
              .GetBool());
  REQUIRE(parse_object(h.send("cmd.inventory.receive", R"({"command_id":"receive",)" + staff +
                                                           R"(,"sku":"LAST","quantity":10})"))["ok"]
              .GetBool());

  std::vector<Racer> racers(kClients);
  std::barrier<> start(kClients);
  {
    std::vector<std::jthread> threads;
    threads.reserve(kClients);
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back(race, server.url(), h.prefix(), i, std::ref(start), std::ref(racers[i]));
    }
  }

  int ok = 0;
  int out_of_stock = 0;
  std::set<std::string> orders;  // the order ids that were accepted
  for (int i = 0; i < kClients; ++i) {
    const Racer& r = racers[static_cast<size_t>(i)];
    INFO("racer " << i << ": " << r.failure);
    REQUIRE(r.failure.empty());
    const rapidjson::Document d = parse_object(r.checkout);
    INFO(r.checkout);
    REQUIRE(d["command_id"].GetString() == "checkout-" + std::to_string(i));
    if (d["ok"].GetBool()) {
      ++ok;
      orders.insert("order-" + std::to_string(i));
      CHECK_FALSE(d["duplicate"].GetBool());
      // CartCheckedOut, OrderPlaced, StockReserved: one atomic append.
      REQUIRE(d["events"].Size() == 3);
      CHECK(std::string(d["events"][2]["type"].GetString()) == "StockReserved");
    } else {
      REQUIRE(std::string(d["error"]["code"].GetString()) == "OUT_OF_STOCK");
      ++out_of_stock;
    }
  }
  CHECK(ok == kUnits);
  CHECK(out_of_stock == kClients - kUnits);

  const rapidjson::Document stock = parse_object(h.send("query.stock", R"({"sku":"LAST"})"));
  CHECK(stock["on_hand"].GetInt64() == kUnits);
  CHECK(stock["reserved"].GetInt64() == kUnits);
  CHECK(stock["available"].GetInt64() == 0);

  // The log: exactly one StockReserved per accepted order, one unit each.
  auto history = h.engine().history("product-LAST", StreamVersion{1}, 1000);
  REQUIRE(history.has_value());
  std::set<std::string> reserved_for;
  int reservations = 0;
  for (const engine::LoggedEvent& e : *history) {
    if (const auto* r = std::get_if<StockReserved>(&e.event.data)) {
      ++reservations;
      CHECK(r->quantity.value == 1);
      reserved_for.insert(r->order_id.str());
    }
  }
  CHECK(reservations == kUnits);
  CHECK(reserved_for == orders);

  // Every loser's cart is still open and no order was placed for it.
  for (int i = 0; i < kClients; ++i) {
    const std::string n = std::to_string(i);
    if (orders.contains("order-" + n)) continue;
    const rapidjson::Document cart =
        parse_object(h.send("query.cart", R"({"cart_id":"cart-)" + n + "\"}"));
    CHECK(std::string(cart["status"].GetString()) == "open");
    const rapidjson::Document order =
        parse_object(h.send("query.order", R"({"order_id":"order-)" + n + "\"}"));
    CHECK(std::string(order["error"]["code"].GetString()) == "NOT_FOUND");
  }
}

}  // namespace
}  // namespace stockroom::testing

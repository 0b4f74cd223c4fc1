// The order partition's settle outbox (adapters/nats/settle_outbox.h) over three real
// nats-servers with JetStream and two real `stockroom serve --cluster` processes, two
// partitions: orders live in partition 0, their stock is held (stock.hold,
// stock.confirm_hold) in partition 1, and their cancel, expiry, shipment and return —
// written in partition 0 with no stock events — must reach partition 1's stock exactly
// once, also when the owner of partition 0 dies before it could send.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/cluster/lease_table.h"
#include "adapters/cluster/outbox_cursors.h"
#include "adapters/nats/client.h"
#include "cluster/support/engine_process.h"
#include "cluster/support/links.h"
#include "cluster/support/nats_cluster.h"
#include "engine/model/routing.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace stockroom::testing::outbox_test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 2;
constexpr int kLeaseTtl = 8;
constexpr uint32_t kOrders = 0;    // where the orders live
constexpr uint32_t kProducts = 1;  // where their stock is held
const std::string kStaff = R"("actor":{"id":"ops-1","role":"staff"})";
const std::string kService = R"("actor":{"id":"checkout-svc","role":"service"})";
const std::string kFarExpiry = "2099-01-01T00:00:00.000000Z";

std::string mappings() {
  const std::string n = std::to_string(kPartitions);
  return R"("stockroom.cmd.*.*.*": "stockroom.p.{{partition()" + n +
         R"(,3)}}.cmd.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}")" + "\n" +
         R"("stockroom.query.*.*": "stockroom.p.{{partition()" + n +
         R"(,2)}}.query.{{wildcard(1)}}.{{wildcard(2)}}")";
}

// An id with `stem` that lives in `partition`.
std::string id_in(const std::string& stem, uint32_t partition) {
  for (int k = 0;; ++k) {
    std::string id = stem + "-" + std::to_string(k);
    if (partition_of(id, kPartitions) == partition) return id;
  }
}

// RFC 3339 UTC, `seconds` from now.
std::string time_in(std::chrono::seconds seconds) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + seconds);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000000Z", &utc);
  return text;
}

bool is_ok(const rapidjson::Document& d) {
  return d.IsObject() && d.HasMember("ok") && d["ok"].IsBool() && d["ok"].GetBool();
}

bool is_unavailable(const rapidjson::Document& d) {
  return d.IsObject() && d.HasMember("error") && d["error"].IsObject() &&
         d["error"]["code"] == "UNAVAILABLE";
}

// The line of `text` from `from` on holding `needle`; empty when none.
std::string line_with(const std::string& text, const std::string& needle, size_t from = 0) {
  const size_t at = text.find(needle, from);
  if (at == std::string::npos) return "";
  const size_t begin = text.rfind('\n', at);
  const size_t end = text.find('\n', at);
  return text.substr(begin == std::string::npos ? 0 : begin + 1, end - begin - 1);
}

// Two engines on three nats-servers, one partition each (orders' and products').
class OutboxCluster {
 public:
  OutboxCluster() : nats_(mappings()) {
    for (int e = 0; e < 2; ++e) {
      engines_.push_back(std::make_unique<EngineProcess>(
          dir_, "e" + std::to_string(e), nats_.urls(), kPartitions, kLeaseTtl, "127.0.0.1:0"));
    }
    nats_adapter::ConnectOptions o;
    o.url = nats_.urls();
    o.name = "outbox-test";
    o.reconnect_wait_ms = 100;
    auto c = nats_adapter::Client::connect(o);
    REQUIRE(c.has_value());
    client_ = std::move(*c);
    // A first engine may take both partitions and hand one back once the second joins.
    const auto until = Clock::now() + 60s;
    while ((!served() || owner_of(0) == owner_of(1)) && Clock::now() < until) {
      std::this_thread::sleep_for(200ms);
    }
    REQUIRE(owner_of(0) != owner_of(1));
    REQUIRE(served());
  }

  NatsCluster& nats() { return nats_; }

  EngineProcess& engine(const std::string& node) {
    for (auto& e : engines_) {
      if (e->node_id() == node) return *e;
    }
    FAIL("no engine " << node);
    return *engines_.front();
  }

  // The node holding partition p's lease; empty when nobody does.
  std::string owner_of(uint32_t p) {
    auto link = connect_link(nats_.urls());
    auto table = cluster::LeaseTable::open(*link, "stockroom", std::chrono::seconds(kLeaseTtl), 3,
                                           in_seconds(20));
    REQUIRE(table.has_value());
    auto held = (*table)->get("partition." + std::to_string(p), in_seconds(5));
    if (!held || !*held) return "";
    return (*held)->value.substr(0, (*held)->value.rfind('@'));
  }

  bool served() {
    for (uint32_t p = 0; p < kPartitions; ++p) {
      auto r =
          client_->request("stockroom.p." + std::to_string(p) + ".query.verify", "{}", {}, 1000ms);
      rapidjson::Document d;
      if (r) d.Parse(r->data.c_str());
      if (!r || !is_ok(d)) return false;
    }
    return true;
  }

  // A command on its keyed subject, resent with the same id while it is unanswered or
  // UNAVAILABLE.
  rapidjson::Document send(const std::string& name, const std::string& key,
                           const std::string& body) {
    rapidjson::Document d;
    const auto until = Clock::now() + 60s;
    while (Clock::now() < until) {
      auto r = client_->request("stockroom.cmd." + name + "." + key, body, {}, 2000ms);
      if (!r) {
        std::this_thread::sleep_for(100ms);  // "no responders" comes at once: no spinning
        continue;
      }
      d.Parse(r->data.c_str());
      if (d.HasParseError() || is_unavailable(d)) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      return d;
    }
    FAIL(name << " " << key << " was not answered in 60 s");
    return d;
  }

  void ok(const std::string& name, const std::string& key, const std::string& body) {
    auto d = send(name, key, body);
    INFO(name << " " << body);
    REQUIRE(is_ok(d));
  }

  // A query's reply (a view or a page), asked again while the partition is between
  // owners.
  rapidjson::Document query(const std::string& name, const std::string& key,
                            const std::string& body, const char* member) {
    rapidjson::Document d;
    const auto until = Clock::now() + 60s;
    while (Clock::now() < until) {
      auto r = client_->request("stockroom.query." + name + "." + key, body, {}, 2000ms);
      if (r) d.Parse(r->data.c_str());
      if (r && d.IsObject() && d.HasMember(member)) return d;
      std::this_thread::sleep_for(200ms);
    }
    FAIL("no " << name << " of " << key);
    return d;
  }

  rapidjson::Document stock(const std::string& sku) {
    return query("stock", sku, R"({"sku":")" + sku + R"("})", "on_hand");
  }

  // Waits until `sku`'s stock view shows `on_hand` and `reserved`; false after `timeout`.
  bool stock_becomes(const std::string& sku, int64_t on_hand, int64_t reserved,
                     std::chrono::seconds timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      auto v = stock(sku);
      if (v["on_hand"].GetInt64() == on_hand && v["reserved"].GetInt64() == reserved) return true;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  // The command ids of the `type` events of `order` on the product stream of `sku`.
  std::vector<std::string> stock_events(const std::string& sku, const std::string& type,
                                        const std::string& order) {
    auto page = query("history", sku, R"({"stream":"product-)" + sku + R"("})", "events");
    std::vector<std::string> ids;
    for (const auto& e : page["events"].GetArray()) {
      if (e["type"] == type.c_str() && e["data"]["order_id"] == order.c_str()) {
        ids.emplace_back(e["command_id"].GetString());
      }
    }
    return ids;
  }

  void define(const std::string& sku, int64_t units) {
    ok("product.define", sku,
       R"({"command_id":"def-)" + sku + R"(",)" + kStaff + R"(,"sku":")" + sku +
           R"(","name":"Mug","price":{"amount":100,"currency":"EUR"}})");
    ok("inventory.receive", sku,
       R"({"command_id":"rcv-)" + sku + R"(",)" + kStaff + R"(,"sku":")" + sku +
           R"(","quantity":)" + std::to_string(units) + "}");
  }

  // What a checkout across partitions does for `order`: holds `quantity` of `sku` where
  // the sku lives, places the order where the order lives, confirms the hold.
  void place_held(const std::string& order, const std::string& sku, int64_t quantity,
                  const std::string& expires_at) {
    const std::string q = std::to_string(quantity);
    ok("stock.hold", sku,
       R"({"command_id":"hold-)" + order + R"(",)" + kService + R"(,"order_id":")" + order +
           R"(","attempt":1,"currency":"EUR","lines":[{"sku":")" + sku + R"(","quantity":)" + q +
           R"(}],"expires_at":")" + expires_at + R"("})");
    ok("order.place", order,
       R"({"command_id":"place-)" + order + R"(",)" + kService + R"(,"order_id":")" + order +
           R"(","cart_id":"cart-)" + order + R"(","customer_id":"alice","lines":[{"sku":")" + sku +
           R"(","quantity":)" + q + R"(,"unit_price":{"amount":100,"currency":"EUR"}}],)" +
           R"("expires_at":")" + expires_at + R"("})");
    ok("stock.confirm_hold", sku,
       R"({"command_id":"confirm-)" + order + R"(",)" + kService + R"(,"order_id":")" + order +
           R"(","attempt":1,"skus":[")" + sku + R"("]})");
  }

  // The position of the `type` event in a command's reply.
  static uint64_t position_of(const rapidjson::Document& reply, const std::string& type) {
    for (const auto& e : reply["events"].GetArray()) {
      if (e["type"] == type.c_str()) return e["position"].GetUint64();
    }
    FAIL("no " << type << " in the reply");
    return 0;
  }

  // Partition p's outbox cursor as stored in the cluster.
  uint64_t cursor_of(uint32_t p) {
    auto link = connect_link(nats_.urls());
    auto cursors = cluster::OutboxCursors::open(*link, "stockroom", 3, in_seconds(20));
    REQUIRE(cursors.has_value());
    auto cursor = (*cursors)->load(p, in_seconds(10));
    REQUIRE(cursor.has_value());
    return cursor->value;
  }

  // `GET /metrics` of `node` (the port of its last http_listening line).
  std::string metrics(const std::string& node) {
    const std::string log = engine(node).log_text();
    const size_t at = log.rfind("\"event\":\"http_listening\"");
    REQUIRE(at != std::string::npos);
    rapidjson::Document d;
    const std::string line = line_with(log, "\"event\":\"http_listening\"", at);
    d.Parse(line.c_str());
    REQUIRE(d.IsObject());
    const Ran got =
        run_command("curl -sf http://127.0.0.1:" + std::to_string(d["port"].GetInt()) + "/metrics");
    REQUIRE(got.exit_code == 0);
    return got.out;
  }

 private:
  NatsCluster nats_;
  TempDir dir_;
  std::vector<std::unique_ptr<EngineProcess>> engines_;
  std::unique_ptr<nats_adapter::Client> client_;
};

// The value of a sample line "<name> <value>" in a metrics page; -1 when absent.
double sample(const std::string& page, const std::string& name) {
  const std::string line = line_with(page, name + " ");
  if (line.empty() || !line.starts_with(name + " ")) return -1;
  return std::stod(line.substr(name.size() + 1));
}

}  // namespace

TEST_CASE(
    "the outbox settles a cancel and an expiry and a shipment and a return in the "
    "product's partition exactly once",
    "[cluster][outbox]") {
  OutboxCluster cluster;
  const std::string sku = id_in("mug", kProducts);
  cluster.define(sku, 20);

  // A cancel releases the held stock.
  const std::string cancelled = id_in("o-cancel", kOrders);
  cluster.place_held(cancelled, sku, 2, kFarExpiry);
  auto v = cluster.stock(sku);
  CHECK(v["reserved"].GetInt64() == 2);
  CHECK(v["available"].GetInt64() == 18);
  auto cancel = cluster.send("order.cancel", cancelled,
                             R"({"command_id":"cancel-1",)" + kStaff + R"(,"order_id":")" +
                                 cancelled + R"(","reason":"changed mind"})");
  REQUIRE(is_ok(cancel));
  CHECK(cancel["partition"].GetUint() == kOrders);
  const uint64_t cancelled_at = OutboxCluster::position_of(cancel, "OrderCancelled");
  REQUIRE(cluster.stock_becomes(sku, 20, 0, 30s));
  CHECK(cluster.stock(sku)["available"].GetInt64() == 20);

  // A shipment ships it, a restocking return puts it back.
  const std::string shipped = id_in("o-ship", kOrders);
  cluster.place_held(shipped, sku, 3, kFarExpiry);
  cluster.ok("payment.authorize", shipped,
             R"({"command_id":"auth-1",)" + kService + R"(,"order_id":")" + shipped +
                 R"(","payment_id":"pay-1","amount":{"amount":300,"currency":"EUR"}})");
  cluster.ok("payment.capture", shipped,
             R"({"command_id":"cap-1",)" + kService + R"(,"order_id":")" + shipped +
                 R"(","payment_id":"pay-1"})");
  cluster.ok("order.ship", shipped,
             R"({"command_id":"ship-1",)" + kStaff + R"(,"order_id":")" + shipped + R"("})");
  REQUIRE(cluster.stock_becomes(sku, 17, 0, 30s));
  cluster.ok("order.deliver", shipped,
             R"({"command_id":"deliver-1",)" + kStaff + R"(,"order_id":")" + shipped + R"("})");
  auto returned =
      cluster.send("order.return", shipped,
                   R"({"command_id":"return-1",)" + kStaff + R"(,"order_id":")" + shipped +
                       R"(","lines":[{"sku":")" + sku + R"(","quantity":1}],"restock":true})");
  REQUIRE(is_ok(returned));
  const uint64_t returned_at = OutboxCluster::position_of(returned, "OrderItemsReturned");
  REQUIRE(cluster.stock_becomes(sku, 18, 0, 30s));

  // An order whose stock was never held: its shipment is refused where the product
  // lives (nothing reserved), logged as an error, and not sent again.
  const std::string unheld_sku = id_in("cup", kProducts);
  cluster.define(unheld_sku, 5);
  const std::string unheld = id_in("o-unheld", kOrders);
  cluster.ok("order.place", unheld,
             R"({"command_id":"place-unheld",)" + kService + R"(,"order_id":")" + unheld +
                 R"(","cart_id":"cart-u","customer_id":"alice","lines":[{"sku":")" + unheld_sku +
                 R"(","quantity":1,"unit_price":{"amount":100,"currency":"EUR"}}],)" +
                 R"("expires_at":")" + kFarExpiry + R"("})");
  cluster.ok("payment.authorize", unheld,
             R"({"command_id":"auth-2",)" + kService + R"(,"order_id":")" + unheld +
                 R"(","payment_id":"pay-2","amount":{"amount":100,"currency":"EUR"}})");
  cluster.ok("payment.capture", unheld,
             R"({"command_id":"cap-2",)" + kService + R"(,"order_id":")" + unheld +
                 R"(","payment_id":"pay-2"})");
  cluster.ok("order.ship", unheld,
             R"({"command_id":"ship-2",)" + kStaff + R"(,"order_id":")" + unheld + R"("})");
  EngineProcess& owner = cluster.engine(cluster.owner_of(kOrders));
  const auto refused_by = Clock::now() + 15s;
  while (line_with(owner.log_text(), "\"event\":\"outbox_settle_refused\"").empty() &&
         Clock::now() < refused_by) {
    std::this_thread::sleep_for(100ms);
  }
  const std::string refusal = line_with(owner.log_text(), "\"event\":\"outbox_settle_refused\"");
  INFO(refusal);
  CHECK(refusal.find(R"("level":"error")") != std::string::npos);
  CHECK(refusal.find(R"("code":"AMOUNT_EXCEEDED")") != std::string::npos);
  CHECK(refusal.find(R"("order_id":")" + unheld + "\"") != std::string::npos);
  CHECK(cluster.stock_events(unheld_sku, "StockShipped", unheld).empty());

  // An expiry (the engine's own command in the order's partition) releases it too; the
  // refusal above does not hold the partition's later effects up.
  const std::string expired = id_in("o-expire", kOrders);
  cluster.place_held(expired, sku, 4, time_in(8s));
  CHECK(cluster.stock(sku)["reserved"].GetInt64() == 4);
  REQUIRE(cluster.stock_becomes(sku, 18, 0, 40s));
  auto order = cluster.query("order", expired, R"({"order_id":")" + expired + R"("})", "status");
  CHECK(std::string(order["status"].GetString()) == "expired");

  // Exactly once: one stock event per effect, under the command id of its order event.
  std::this_thread::sleep_for(2s);
  CHECK(cluster.stock_events(sku, "StockReleased", cancelled) ==
        std::vector<std::string>{"settle-p0-" + std::to_string(cancelled_at) + "-1"});
  CHECK(cluster.stock_events(sku, "StockShipped", shipped).size() == 1);
  CHECK(cluster.stock_events(sku, "StockReturned", shipped) ==
        std::vector<std::string>{"settle-p0-" + std::to_string(returned_at) + "-1"});
  CHECK(cluster.stock_events(sku, "StockReleased", expired).size() == 1);
  CHECK(cluster.stock_events(sku, "StockReleased", shipped).empty());
  auto final_view = cluster.stock(sku);
  CHECK(final_view["on_hand"].GetInt64() == 18);
  CHECK(final_view["reserved"].GetInt64() == 0);
  CHECK(final_view["available"].GetInt64() == 18);

  // The cursor the next owner would start from is past every effect, and the owner's
  // /metrics shows nothing waiting.
  const auto until = Clock::now() + 10s;
  while (cluster.cursor_of(kOrders) < returned_at && Clock::now() < until) {
    std::this_thread::sleep_for(200ms);
  }
  CHECK(cluster.cursor_of(kOrders) >= returned_at);
  const std::string page = cluster.metrics(cluster.owner_of(kOrders));
  INFO(page);
  CHECK(sample(page, R"(stockroom_outbox_depth{partition="0"})") == 0);
  CHECK(sample(page, R"(stockroom_outbox_oldest_age_seconds{partition="0"})") == 0);
}

TEST_CASE(
    "an effect the killed owner of the order's partition could not send is sent by "
    "its next owner exactly once",
    "[cluster][outbox][failover]") {
  OutboxCluster cluster;
  const std::string sku = id_in("mug", kProducts);
  cluster.define(sku, 10);
  const std::string order = id_in("o-lost", kOrders);
  cluster.place_held(order, sku, 2, kFarExpiry);
  REQUIRE(cluster.stock(sku)["reserved"].GetInt64() == 2);

  const std::string order_owner = cluster.owner_of(kOrders);
  const std::string product_owner = cluster.owner_of(kProducts);
  REQUIRE(order_owner != product_owner);
  EngineProcess& a = cluster.engine(order_owner);
  EngineProcess& b = cluster.engine(product_owner);
  const size_t seen = a.log_text().size();

  // The products' partition goes silent; the cancel is written where the order lives.
  b.stop(SIGKILL);
  auto cancel = cluster.send("order.cancel", order,
                             R"({"command_id":"cancel-1",)" + kStaff + R"(,"order_id":")" + order +
                                 R"(","reason":"changed mind"})");
  REQUIRE(is_ok(cancel));
  const uint64_t cancelled_at = OutboxCluster::position_of(cancel, "OrderCancelled");
  // Its outbox tried, nobody answered, and /metrics says one effect waits.
  const auto until = Clock::now() + 10s;
  while (line_with(a.log_text(), "\"event\":\"outbox_retrying\"", seen).empty() &&
         Clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  const std::string page = cluster.metrics(order_owner);
  a.stop(SIGKILL);
  const std::string log = a.log_text();
  INFO(log.substr(seen));
  REQUIRE_FALSE(line_with(log, "\"event\":\"outbox_retrying\"", seen).empty());
  // It never served the products' partition, so nothing it sent was settled.
  CHECK(line_with(log, R"("event":"partition_owned","partition":1)", seen).empty());
  CHECK(sample(page, R"(stockroom_outbox_depth{partition="0"})") == 1);
  CHECK(sample(page, R"(stockroom_outbox_oldest_age_seconds{partition="0"})") > 0);
  CHECK(cluster.cursor_of(kOrders) < cancelled_at);

  // Both engines were killed. One comes back, takes both partitions, and its outbox
  // goes on from the stored cursor.
  const size_t b_seen = b.log_text().size();
  b.start();
  REQUIRE(cluster.stock_becomes(sku, 10, 0, 120s));
  CHECK(cluster.stock_events(sku, "StockReleased", order) ==
        std::vector<std::string>{"settle-p0-" + std::to_string(cancelled_at) + "-1"});
  const std::string b_log = b.log_text();
  CHECK_FALSE(line_with(b_log, R"("event":"outbox_started","partition":0)", b_seen).empty());
  std::this_thread::sleep_for(2s);
  CHECK(cluster.stock_events(sku, "StockReleased", order).size() == 1);
  CHECK(cluster.stock(sku)["available"].GetInt64() == 10);
  const auto saved = Clock::now() + 10s;
  while (cluster.cursor_of(kOrders) < cancelled_at && Clock::now() < saved) {
    std::this_thread::sleep_for(200ms);
  }
  CHECK(cluster.cursor_of(kOrders) >= cancelled_at);
}

}  // namespace stockroom::testing::outbox_test

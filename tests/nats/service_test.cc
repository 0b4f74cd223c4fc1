// The service over NATS in JSON: every command and query subject of the contract,
// every refusal code, the bad inputs of the contract (each changes nothing), and the
// pushes. A real nats-server, a real RocksDB directory.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>

#include "nats/support/json_actors.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "support/json_object.h"

namespace stockroom::testing {
namespace {

std::string actor_of(const std::string& who) {
  return R"("actor":{"id":")" + who + R"(","role":"customer"})";
}

class Store {
 public:
  explicit Store(ServeHarness& h) : h_(h) {}

  // A command; the parsed reply.
  rapidjson::Document cmd(const std::string& name, const std::string& fields,
                          const std::string& actor = kStaff) {
    const std::string body =
        R"({"command_id":"c-)" + std::to_string(++seq_) + R"(",)" + actor + "," + fields + "}";
    return parse_object(h_.send("cmd." + name, body));
  }
  void ok(const std::string& name, const std::string& fields, const std::string& actor = kStaff) {
    auto r = cmd(name, fields, actor);
    INFO(name << " " << fields);
    REQUIRE(r["ok"].GetBool());
  }
  std::string refused(const std::string& name, const std::string& fields,
                      const std::string& actor = kStaff) {
    auto r = cmd(name, fields, actor);
    INFO(name << " " << fields);
    REQUIRE_FALSE(r["ok"].GetBool());
    return r["error"]["code"].GetString();
  }
  rapidjson::Document query(const std::string& name, const std::string& body) {
    return parse_object(h_.send("query." + name, body));
  }

 private:
  ServeHarness& h_;
  int seq_ = 0;
};

TEST_CASE("every command subject works over NATS in JSON, with the views following",
          "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  Store s(h);
  s.ok("product.define", R"("sku":"MUG","name":"Mug","price":{"amount":1200,"currency":"EUR"})");
  s.ok("product.define", R"("sku":"OLD","name":"Old","price":{"amount":100,"currency":"EUR"})");
  s.ok("product.reprice", R"("sku":"MUG","price":{"amount":1000,"currency":"EUR"})");
  s.ok("product.retire", R"("sku":"OLD")");
  s.ok("inventory.receive", R"("sku":"MUG","quantity":10,"reference":"PO-1")");
  s.ok("inventory.adjust", R"("sku":"MUG","delta":-1,"reason":"broken")");
  const std::string ann = actor_of("ann");
  s.ok("cart.open", R"("cart_id":"k1","customer_id":"ann","currency":"EUR")", ann);
  s.ok("cart.add_item", R"("cart_id":"k1","sku":"MUG","quantity":3)", ann);
  s.ok("cart.remove_item", R"("cart_id":"k1","sku":"MUG","quantity":1)", ann);
  s.ok("cart.open", R"("cart_id":"k2","customer_id":"ann","currency":"EUR")", ann);
  s.ok("cart.abandon", R"("cart_id":"k2")", ann);
  s.ok("cart.checkout", R"("cart_id":"k1","order_id":"o1")", ann);
  s.ok("payment.authorize",
       R"("order_id":"o1","payment_id":"p1","amount":{"amount":2000,"currency":"EUR"})", kService);
  s.ok("payment.capture", R"("order_id":"o1","payment_id":"p1")", kService);
  s.ok("order.ship", R"("order_id":"o1","carrier":"DHL","tracking":"T1")");
  s.ok("order.deliver", R"("order_id":"o1")");
  s.ok("order.return", R"("order_id":"o1","lines":[{"sku":"MUG","quantity":1}],"restock":true)");
  s.ok(
      "payment.refund",
      R"("order_id":"o1","payment_id":"p1","amount":{"amount":1000,"currency":"EUR"},"reason":"returned")",
      kService);
  s.ok("rating.submit", R"("order_id":"o1","sku":"MUG","stars":4,"comment":"fine")", ann);
  s.ok("rating.reject", R"("sku":"MUG","customer_id":"ann","reason":"spam")");
  s.ok("cart.open", R"("cart_id":"k3","customer_id":"ann","currency":"EUR")", ann);
  s.ok("cart.add_item", R"("cart_id":"k3","sku":"MUG","quantity":1)", ann);
  s.ok("cart.checkout", R"("cart_id":"k3","order_id":"o2")", ann);
  s.ok("payment.authorize",
       R"("order_id":"o2","payment_id":"p2","amount":{"amount":500,"currency":"EUR"})", kService);
  s.ok("payment.void", R"("order_id":"o2","payment_id":"p2")", kService);
  s.ok("payment.fail", R"("order_id":"o2","payment_id":"p3","reason":"declined")", kService);
  s.ok("order.cancel", R"("order_id":"o2","reason":"changed mind")", ann);

  auto stock = s.query("stock", R"({"sku":"MUG"})");
  CHECK(stock["on_hand"].GetInt64() == 8);  // 10 - 1 broken - 2 shipped + 1 returned
  CHECK(stock["reserved"].GetInt64() == 0);
  CHECK(stock["price"]["amount"].GetInt64() == 1000);
  auto order = s.query("order", R"({"order_id":"o1"})");
  CHECK(std::string(order["status"].GetString()) == "delivered");
  CHECK(order["refunded"]["amount"].GetInt64() == 1000);
  CHECK(order["returned"].Size() == 1);
  CHECK(std::string(s.query("order", R"({"order_id":"o2"})")["status"].GetString()) == "cancelled");
  auto rating = s.query("rating", R"({"sku":"MUG"})");
  CHECK(rating["count"].GetInt64() == 0);  // rejected
  CHECK(std::string(s.query("cart", R"({"cart_id":"k2"})")["status"].GetString()) == "abandoned");
  CHECK(s.query("history", R"({"stream":"order-o1","limit":2})")["events"].Size() == 2);
  auto feed = s.query("events", R"({"from_position":1,"limit":5,"types":["StockReceived"]})");
  REQUIRE(feed["events"].Size() == 1);
  CHECK(std::string(feed["events"][0]["type"].GetString()) == "StockReceived");
  CHECK(
      s.query("as_of", R"({"stream":"product-MUG","position":3})")["price"]["amount"].GetInt64() ==
      1000);
  // Neither position nor time: the stream as it is now, the same as its view.
  auto now = s.query("as_of", R"({"stream":"product-MUG"})");
  CHECK(now["on_hand"].GetInt64() == 8);
  CHECK(now["version"].GetUint64() == stock["version"].GetUint64());
  auto verify = s.query("verify", "{}");
  CHECK(verify["ok"].GetBool());
  CHECK(verify["head_position"].GetUint64() == h.engine().head().position.value);
}

TEST_CASE("every refusal code of the contract comes back over NATS", "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  Store s(h);
  s.ok("product.define", R"("sku":"A","name":"A","price":{"amount":500,"currency":"EUR"})");
  s.ok("inventory.receive", R"("sku":"A","quantity":1)");
  const std::string bob = actor_of("bob");
  s.ok("cart.open", R"("cart_id":"k","customer_id":"bob","currency":"EUR")", bob);
  s.ok("cart.add_item", R"("cart_id":"k","sku":"A","quantity":1)", bob);
  s.ok("cart.checkout", R"("cart_id":"k","order_id":"o")", bob);

  CHECK(s.refused("inventory.receive", R"("sku":"A","quantity":"x")") == "MALFORMED");
  CHECK(s.refused("inventory.receive", R"("sku":"A","quantity":0)") == "INVALID_ARGUMENT");
  CHECK(s.refused("inventory.teleport", R"("sku":"A")") == "UNKNOWN_COMMAND");
  CHECK(s.refused("order.deliver", R"("order_id":"nope")") == "NOT_FOUND");
  CHECK(s.refused("product.define",
                  R"("sku":"A","name":"A","price":{"amount":1,"currency":"EUR"})") ==
        "ALREADY_EXISTS");
  CHECK(s.refused("order.ship", R"("order_id":"o")") == "INVALID_STATE");
  s.ok("cart.open", R"("cart_id":"k9","customer_id":"bob","currency":"EUR")", bob);
  s.ok("cart.add_item", R"("cart_id":"k9","sku":"A","quantity":1)", bob);
  CHECK(s.refused("cart.checkout", R"("cart_id":"k9","order_id":"o9")", bob) == "OUT_OF_STOCK");
  CHECK(s.refused("payment.authorize",
                  R"("order_id":"o","payment_id":"p","amount":{"amount":500,"currency":"USD"})",
                  kService) == "CURRENCY_MISMATCH");
  CHECK(s.refused("payment.authorize",
                  R"("order_id":"o","payment_id":"p","amount":{"amount":501,"currency":"EUR"})",
                  kService) == "AMOUNT_EXCEEDED");
  CHECK(s.refused("inventory.receive", R"("sku":"A","quantity":1,"expected_version":99)") ==
        "CONFLICT");
  CHECK(s.refused("inventory.receive", R"("sku":"A","quantity":1)", bob) == "FORBIDDEN");
  auto big = s.cmd("inventory.receive",
                   R"("sku":"A","quantity":1,"padding":")" + std::string(100 * 1024, 'x') + "\"");
  CHECK(std::string(big["error"]["code"].GetString()) == "PAYLOAD_TOO_LARGE");
  // Queries refuse with the same codes.
  auto missing = s.query("order", R"({"order_id":"none"})");
  CHECK(std::string(missing["error"]["code"].GetString()) == "NOT_FOUND");
  auto unknown = s.query("everything", "{}");
  CHECK(std::string(unknown["error"]["code"].GetString()) == "UNKNOWN_COMMAND");
}

TEST_CASE("bad input gets a clear refusal and changes nothing", "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  Store s(h);
  s.ok("product.define", R"("sku":"A","name":"A","price":{"amount":500,"currency":"EUR"})");
  const Position before = h.engine().head().position;
  const std::string receive = h.prefix() + ".cmd.inventory.receive";
  struct Case {
    std::string body;
    std::string code;
  };
  const std::string staff = kStaff;
  const std::vector<Case> cases = {
      {"{not json", "MALFORMED"},
      {"", "MALFORMED"},
      {"[1,2,3]", "MALFORMED"},
      {"\xff\xfe\x00garbage", "MALFORMED"},
      {R"({"command_id":"b1",)" + staff + R"(,"sku":"A","quantity":1.5})", "MALFORMED"},
      {R"({"command_id":"b2",)" + staff + R"(,"sku":"A","quantity":"5"})", "MALFORMED"},
      {R"({"command_id":"b3",)" + staff + R"(,"sku":"A","quantity":99999999999999999999})",
       "MALFORMED"},
      {R"({)" + staff + R"(,"sku":"A","quantity":1})", "MALFORMED"},   // no command_id
      {R"({"command_id":"b4","sku":"A","quantity":1})", "MALFORMED"},  // no actor
      {R"({"command_id":"b5",)" + staff + R"(,"sku":"A.B","quantity":1})", "INVALID_ARGUMENT"},
      {R"({"command_id":"b6",)" + staff + R"(,"sku":"A B","quantity":1})", "INVALID_ARGUMENT"},
      {R"({"command_id":"b.7",)" + staff + R"(,"sku":"A","quantity":1})", "INVALID_ARGUMENT"},
      {R"({"command_id":"b8",)" + staff + R"(,"sku":"A","quantity":-3})", "INVALID_ARGUMENT"},
      {std::string(20000, '['), "MALFORMED"},
  };
  for (const Case& c : cases) {
    INFO(c.body.substr(0, 80));
    auto r = h.client().request(receive, c.body);
    REQUIRE(r.has_value());
    auto d = parse_object(r->data);
    CHECK_FALSE(d["ok"].GetBool());
    CHECK(std::string(d["error"]["code"].GetString()) == c.code);
    CHECK(std::string(d["error"]["message"].GetString()).size() > 5);
  }
  // Unknown subjects under the prefix get a reply; FlatBuffers junk too.
  auto unknown = h.client().request(h.prefix() + ".cmd.nothing.here", "{}");
  REQUIRE(unknown.has_value());
  CHECK(parse_object(unknown->data)["error"]["code"] == "UNKNOWN_COMMAND");
  auto junk = h.client().request(receive, "\x01\x02\x03", "application/x-flatbuffers");
  REQUIRE(junk.has_value());
  CHECK(junk->headers["Content-Type"] == "application/x-flatbuffers");
  CHECK(h.engine().head().position == before);
  CHECK(h.engine().stats().commands_accepted == 1);
}

TEST_CASE("keyed subjects: accepted beside the plain ones, a key that differs is refused",
          "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  const std::string p = h.prefix();
  const std::string staff = kStaff;
  auto send = [&](const std::string& subject, const std::string& body) {
    auto r = h.client().request(p + "." + subject, body);
    REQUIRE(r.has_value());
    return parse_object(r->data);
  };
  auto define = send("cmd.product.define.A-1",
                     R"({"command_id":"k1",)" + staff +
                         R"(,"sku":"A-1","name":"A","price":{"amount":500,"currency":"EUR"}})");
  REQUIRE(define["ok"].GetBool());
  auto receive = send("cmd.inventory.receive.A-1",
                      R"({"command_id":"k2",)" + staff + R"(,"sku":"A-1","quantity":4})");
  REQUIRE(receive["ok"].GetBool());
  const Position before = h.engine().head().position;
  // Another key, a key with a dot, the sku where the cart is the key: each refused.
  for (const std::string& subject :
       {std::string("cmd.inventory.receive.B"), std::string("cmd.inventory.receive.A-1.x"),
        std::string("cmd.cart.open.A-1")}) {
    INFO(subject);
    auto r = send(subject, R"({"command_id":"k3",)" + staff +
                               R"(,"sku":"A-1","quantity":1,"cart_id":"c-1","customer_id":"u",)"
                               R"("currency":"EUR"})");
    CHECK_FALSE(r["ok"].GetBool());
    CHECK(std::string(r["error"]["code"].GetString()) == "INVALID_ARGUMENT");
    CHECK(std::string(r["error"]["message"].GetString()).find("subject's key") !=
          std::string::npos);
  }
  CHECK(h.engine().head().position == before);
  // A resend on the keyed subject of what was sent keyed is a duplicate.
  auto again = send("cmd.inventory.receive.A-1",
                    R"({"command_id":"k2",)" + staff + R"(,"sku":"A-1","quantity":4})");
  CHECK(again["duplicate"].GetBool());
  // Keyed queries.
  auto stock = send("query.stock.A-1", R"({"sku":"A-1"})");
  CHECK(stock["available"].GetInt64() == 4);
  auto wrong = send("query.stock.B", R"({"sku":"A-1"})");
  CHECK(std::string(wrong["error"]["code"].GetString()) == "INVALID_ARGUMENT");
  auto history = send("query.history.A-1", R"({"stream":"product-A-1"})");
  CHECK(history["events"].GetArray().Size() == 2);
  auto verify = send("query.verify.x", "{}");
  CHECK(std::string(verify["error"]["code"].GetString()) == "INVALID_ARGUMENT");
  // Metrics label commands by name, never by key (a key per label would grow without end).
  h.service().refresh_metrics();
  const std::string metrics = h.metrics().render();
  CHECK(metrics.find("inventory.receive.A-1") == std::string::npos);
  CHECK_THAT(
      metrics,
      Catch::Contains(R"(stockroom_commands_total{command="inventory.receive",outcome="ok"} 2)"));
  CHECK_THAT(metrics, Catch::Contains(R"(stockroom_commands_total{command="inventory.receive",)"
                                      R"(outcome="INVALID_ARGUMENT"} 2)"));
}

TEST_CASE("events and views are pushed after the command, in position order, with headers",
          "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  Store s(h);
  auto events = h.client().subscribe(h.prefix() + ".events.>");
  auto views = h.client().subscribe(h.prefix() + ".view.stock.B");
  REQUIRE(events.has_value());
  REQUIRE(views.has_value());
  REQUIRE(h.client().flush().has_value());
  s.ok("product.define", R"("sku":"B","name":"B","price":{"amount":5,"currency":"EUR"})");
  for (int i = 0; i < 20; ++i) s.ok("inventory.receive", R"("sku":"B","quantity":1)");
  uint64_t last = 0;
  for (int i = 0; i < 21; ++i) {
    auto m = (*events)->next(std::chrono::seconds(5));
    REQUIRE(m.has_value());
    CHECK(m->subject == h.prefix() + ".events.product.B");
    const uint64_t p = std::stoull(m->headers.at("Stockroom-Position"));
    CHECK(p == last + 1);
    last = p;
    CHECK(m->headers.at("Stockroom-Stream") == "product-B");
    auto body = parse_object(m->data);
    CHECK(body["position"].GetUint64() == p);
    CHECK(std::string(body["type"].GetString()) == m->headers.at("Stockroom-Type"));
    CHECK(std::string(body["hash"].GetString()).size() == 64);
  }
  uint64_t on_hand = 0;
  for (int i = 0; i < 21; ++i) {
    auto m = (*views)->next(std::chrono::seconds(5));
    REQUIRE(m.has_value());
    auto body = parse_object(m->data);
    CHECK(body["on_hand"].GetUint64() == on_hand);
    CHECK(std::to_string(body["position"].GetUint64()) == m->headers.at("Stockroom-Position"));
    ++on_hand;
  }
}

TEST_CASE("a command id is applied once, another body under it conflicts", "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  const std::string define = R"({"command_id":"same",)" + std::string(kStaff) +
                             R"(,"sku":"L","name":"Lamp","price":{"amount":990,"currency":"EUR"}})";
  auto first = parse_object(h.send("cmd.product.define", define));
  auto again = parse_object(h.send("cmd.product.define", define));
  CHECK(again["duplicate"].GetBool());
  CHECK(again["position"].GetUint64() == first["position"].GetUint64());
  std::string other = define;
  other.replace(other.find("Lamp"), 4, "Lump");
  CHECK(parse_object(h.send("cmd.product.define", other))["error"]["code"] == "CONFLICT");
  CHECK(h.engine().head().position.value == 1);
}

TEST_CASE("metrics count commands by subject and outcome", "[nats][service]") {
  NatsServer server;
  ServeHarness h(server);
  Store s(h);
  s.ok("product.define", R"("sku":"M","name":"M","price":{"amount":5,"currency":"EUR"})");
  CHECK(s.refused("product.retire", R"("sku":"X")") == "NOT_FOUND");
  h.service().refresh_metrics();
  const std::string text = h.metrics().render();
  CHECK_THAT(text, Catch::Contains(
                       R"(stockroom_commands_total{command="product.define",outcome="ok"} 1)"));
  CHECK_THAT(text,
             Catch::Contains(
                 R"(stockroom_commands_total{command="product.retire",outcome="NOT_FOUND"} 1)"));
  CHECK_THAT(text, Catch::Contains("stockroom_log_head_position 1"));
  CHECK_THAT(text, Catch::Contains("stockroom_command_seconds_count 2"));
  CHECK(h.service().ready());
}

}  // namespace
TEST_CASE(
    "holds and rating.record over NATS: a hold reserves, a resend is a duplicate, a release gives "
    "back",
    "[nats][service][hold]") {
  NatsServer server;
  ServeHarness h(server);
  const std::string p = h.prefix();
  const std::string staff = kStaff;
  auto send = [&](const std::string& subject, const std::string& body) {
    auto r = h.client().request(p + "." + subject, body);
    REQUIRE(r.has_value());
    return parse_object(r->data);
  };
  REQUIRE(send("cmd.product.define.H-1",
               R"({"command_id":"h1",)" + staff +
                   R"(,"sku":"H-1","name":"H","price":{"amount":700,"currency":"EUR"}})")["ok"]
              .GetBool());
  REQUIRE(send("cmd.inventory.receive.H-1",
               R"({"command_id":"h2",)" + staff + R"(,"sku":"H-1","quantity":5})")["ok"]
              .GetBool());
  const std::string expires = R"("expires_at":"2099-01-01T00:00:00.000000Z")";
  const std::string hold = R"({"command_id":"h3","actor":{"id":"saga","role":"service"},)"
                           R"("order_id":"o-9","attempt":1,"currency":"EUR",)"
                           R"("lines":[{"sku":"H-1","quantity":2}],)" +
                           expires + "}";
  auto held = send("cmd.stock.hold.H-1", hold);
  REQUIRE(held.HasMember("ok"));
  REQUIRE(held["ok"].GetBool());
  CHECK(send("query.stock.H-1", R"({"sku":"H-1"})")["reserved"].GetInt64() == 2);
  CHECK(send("cmd.stock.hold.H-1", hold)["duplicate"].GetBool());
  // Another command id for the same hold: ALREADY_EXISTS, nothing more reserved.
  std::string again = hold;
  again.replace(again.find("h3"), 2, "h4");
  auto refused = send("cmd.stock.hold.H-1", again);
  CHECK(std::string(refused["error"]["code"].GetString()) == "ALREADY_EXISTS");
  CHECK(send("query.stock.H-1", R"({"sku":"H-1"})")["reserved"].GetInt64() == 2);
  // The subject's key is the first line's sku.
  auto misrouted = send("cmd.stock.hold.OTHER", again);
  CHECK(std::string(misrouted["error"]["code"].GetString()) == "INVALID_ARGUMENT");
  auto released = send("cmd.stock.release_hold.H-1",
                       R"({"command_id":"h5","actor":{"id":"saga","role":"service"},)"
                       R"("order_id":"o-9","attempt":1,"skus":["H-1"],"reason":"order refused",)" +
                           expires + "}");
  REQUIRE(released["ok"].GetBool());
  auto stock = send("query.stock.H-1", R"({"sku":"H-1"})");
  CHECK(stock["reserved"].GetInt64() == 0);
  CHECK(stock["available"].GetInt64() == 5);
  // The late hold after the release: refused by the tombstone.
  std::string late = hold;
  late.replace(late.find("h3"), 2, "h6");
  CHECK(std::string(send("cmd.stock.hold.H-1", late)["error"]["code"].GetString()) ==
        "INVALID_STATE");
  // rating.record, the product's side of a rating checked where its order lives, is
  // keyed by sku and lands in the ratings view.
  const std::string record = R"({"command_id":"h7","actor":{"id":"saga","role":"service"},)"
                             R"("sku":"H-1","customer_id":"alice","order_id":"o-9","stars":4})";
  REQUIRE(send("cmd.rating.record.H-1", record)["ok"].GetBool());
  auto rating = send("query.rating.H-1", R"({"sku":"H-1"})");
  CHECK(rating["count"].GetInt64() == 1);
  CHECK(send("cmd.rating.record.H-1", record)["duplicate"].GetBool());
  // stock.settle: a confirmed hold's order shipped; its units leave the shelf once.
  const std::string hold2 = R"({"command_id":"h8","actor":{"id":"saga","role":"service"},)"
                            R"("order_id":"o-10","attempt":1,"currency":"EUR",)"
                            R"("lines":[{"sku":"H-1","quantity":3}],)" +
                            expires + "}";
  REQUIRE(send("cmd.stock.hold.H-1", hold2)["ok"].GetBool());
  REQUIRE(send("cmd.stock.confirm_hold.H-1",
               R"({"command_id":"h9","actor":{"id":"saga","role":"service"},)"
               R"("order_id":"o-10","attempt":1,"skus":["H-1"]})")["ok"]
              .GetBool());
  const std::string ship = R"({"command_id":"h10","actor":{"id":"saga","role":"service"},)"
                           R"("order_id":"o-10","effect":"ship",)"
                           R"("lines":[{"sku":"H-1","quantity":3}]})";
  auto shipped = send("cmd.stock.settle.H-1", ship);
  REQUIRE(shipped["ok"].GetBool());
  CHECK(std::string(shipped["events"][0]["type"].GetString()) == "StockShipped");
  CHECK(send("cmd.stock.settle.H-1", ship)["duplicate"].GetBool());
  stock = send("query.stock.H-1", R"({"sku":"H-1"})");
  CHECK(stock["on_hand"].GetInt64() == 2);
  CHECK(stock["reserved"].GetInt64() == 0);
  // Nothing reserved is left to ship: AMOUNT_EXCEEDED, nothing written.
  std::string more = ship;
  more.replace(more.find("h10"), 3, "h11");
  CHECK(std::string(send("cmd.stock.settle.H-1", more)["error"]["code"].GetString()) ==
        "AMOUNT_EXCEEDED");
}

}  // namespace stockroom::testing

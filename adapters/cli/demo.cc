// `stockroom demo`: a small store played against a running `stockroom serve` over
// NATS, printed so that a newcomer can follow what was sent, what the engine decided
// and what the read models show. Ids carry a run tag, so the demo can run again and
// again against the same store.
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/cli/subcommands.h"
#include "adapters/nats/client.h"
#include "adapters/wire/keyed_subject.h"
#include "engine/model/routing.h"

namespace stockroom::cli {
namespace {

using nats_adapter::Client;

struct DemoArgs {
  std::string nats = "nats://127.0.0.1:4222";
  std::string prefix = "stockroom";
  int load = 2000;  // commands in the closing quick load (0: none)
  // Against `serve --cluster` (docs/scale-out.md): every id of the store is chosen in
  // one partition but the carts', which live in the next one, so each checkout is a
  // saga across two partitions; verify asks each of the `partitions` partitions.
  bool cluster = false;
  uint32_t partitions = 4;
};

const char* kStaff = R"({"id":"ops-1","role":"staff"})";
const char* kPayments = R"({"id":"payment-svc","role":"service"})";
std::string customer(const std::string& who) {
  return R"({"id":")" + who + R"(","role":"customer"})";
}

class Demo {
 public:
  Demo(Client& client, DemoArgs args, std::string tag)
      : client_(client), args_(std::move(args)), tag_(std::move(tag)) {}

  // The store's id for `name`; in a cluster, one that lives in home(), the partition
  // of the LAMP product, except a cart's ("cart-..."), which lives in cart_home().
  [[nodiscard]] std::string id(std::string_view name) const {
    std::string base = fmt::format("{}-{}", name, tag_);
    if (!args_.cluster) return base;
    const uint32_t want = name.starts_with("cart-") ? cart_home() : home();
    for (int k = 0;; ++k) {
      std::string candidate = k == 0 ? base : fmt::format("{}-{}", base, k);
      if (partition_of(candidate, args_.partitions) == want) return candidate;
    }
  }
  [[nodiscard]] uint32_t cart_home() const { return (home() + 1) % args_.partitions; }
  [[nodiscard]] uint32_t home() const {
    return partition_of(fmt::format("LAMP-{}", tag_), args_.partitions);
  }

  // Sends a command; prints the outcome. Returns the parsed reply (null on no reply).
  rapidjson::Document cmd(std::string_view what, std::string_view name, const std::string& actor,
                          const std::string& fields, std::string command_id = {}) {
    if (command_id.empty()) command_id = fmt::format("demo-{}-{}", tag_, ++seq_);
    const std::string body =
        fmt::format(R"({{"command_id":"{}","actor":{},{}}})", command_id, actor, fields);
    return show(what, send(fmt::format("cmd.{}", name), body));
  }

  std::string query(std::string_view name, const std::string& body) {
    const std::string tail = wire::keyed_subject_tail(fmt::format("query.{}", name), body);
    auto r = client_.request(fmt::format("{}.{}", args_.prefix, tail), body);
    return r ? r->data : fmt::format("(no reply: {})", r.error().message);
  }

  Result<std::string> send(const std::string& tail, const std::string& body) {
    auto r = client_.request(
        fmt::format("{}.{}", args_.prefix, wire::keyed_subject_tail(tail, body)), body);
    if (!r) return std::unexpected(r.error());
    return r->data;
  }

  static rapidjson::Document show(std::string_view what, const Result<std::string>& reply) {
    rapidjson::Document d;
    if (!reply) {
      fmt::print("  {:<46} NO REPLY: {}\n", what, reply.error().message);
      return d;
    }
    d.Parse(reply->c_str(), reply->size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("ok")) {
      fmt::print("  {:<46} ? {}\n", what, *reply);
      return d;
    }
    if (!d["ok"].GetBool()) {
      fmt::print("  {:<46} REFUSED {}: {}\n", what, d["error"]["code"].GetString(),
                 d["error"]["message"].GetString());
      return d;
    }
    fmt::print("  {:<46} ok{}\n", what,
               d["duplicate"].GetBool() ? " (duplicate: nothing written)" : "");
    for (const auto& e : d["events"].GetArray()) {
      fmt::print("      #{:<5} {:<26} v{:<3} {}\n", e["position"].GetUint64(),
                 e["stream"].GetString(), e["version"].GetUint64(), e["type"].GetString());
    }
    return d;
  }

  Client& client_;
  DemoArgs args_;
  std::string tag_;
  int seq_ = 0;
  uint64_t lamps_arrived_at = 0;  // the position of the LAMP receipt
};

void stock_the_shelves(Demo& d) {
  fmt::print("\n1. Staff define two products and receive stock\n");
  d.cmd("define LAMP (EUR 49.00)", "product.define", kStaff,
        fmt::format(R"("sku":"{}","name":"Desk lamp","price":{{"amount":4900,"currency":"EUR"}})",
                    d.id("LAMP")));
  d.cmd("define MUG (EUR 12.00)", "product.define", kStaff,
        fmt::format(R"("sku":"{}","name":"Mug","price":{{"amount":1200,"currency":"EUR"}})",
                    d.id("MUG")));
  auto received = d.cmd("receive 3 LAMPs", "inventory.receive", kStaff,
                        fmt::format(R"("sku":"{}","quantity":3,"reference":"PO-1")", d.id("LAMP")));
  if (received.IsObject() && received.HasMember("position")) {
    d.lamps_arrived_at = received["position"].GetUint64();
  }
  d.cmd("receive 50 MUGs", "inventory.receive", kStaff,
        fmt::format(R"("sku":"{}","quantity":50)", d.id("MUG")));
  d.cmd("a customer tries to receive stock", "inventory.receive", customer("mallory"),
        fmt::format(R"("sku":"{}","quantity":99)", d.id("LAMP")));
}

std::vector<std::string> race_for_the_last_lamps(Demo& d) {
  fmt::print("\n2. Five customers race for the last 3 lamps (5 threads at once)\n");
  if (d.args_.cluster && d.args_.partitions > 1) {
    fmt::print(
        "   (carts in partition {}, lamps and orders in partition {}: each checkout is a saga\n"
        "    across partitions: hold, order.place, confirm, then the cart closed)\n",
        d.cart_home(), d.home());
  }
  const std::vector<std::string> names = {"ann", "bob", "cem", "dee", "eli"};
  for (const auto& n : names) {
    d.cmd(fmt::format("{} opens a cart", n), "cart.open", customer(d.id(n)),
          fmt::format(R"("cart_id":"{}","customer_id":"{}","currency":"EUR")", d.id("cart-" + n),
                      d.id(n)));
    d.cmd(
        fmt::format("{} adds 1 LAMP", n), "cart.add_item", customer(d.id(n)),
        fmt::format(R"("cart_id":"{}","sku":"{}","quantity":1)", d.id("cart-" + n), d.id("LAMP")));
  }
  std::vector<Result<std::string>> replies(names.size(), std::unexpected(Error{}));
  std::vector<std::thread> racers;
  for (size_t i = 0; i < names.size(); ++i) {
    racers.emplace_back([&, i] {
      const std::string& n = names[i];
      replies[i] = d.send(
          "cmd.cart.checkout",
          fmt::format(R"({{"command_id":"checkout-{}","actor":{},"cart_id":"{}","order_id":"{}"}})",
                      d.id(n), customer(d.id(n)), d.id("cart-" + n), d.id("order-" + n)));
    });
  }
  for (auto& t : racers) t.join();
  std::vector<std::string> winners;
  for (size_t i = 0; i < names.size(); ++i) {
    auto doc = Demo::show(fmt::format("{} checks out", names[i]), replies[i]);
    if (doc.IsObject() && doc.HasMember("ok") && doc["ok"].GetBool()) winners.push_back(names[i]);
  }
  fmt::print("  -> {} orders for 3 lamps: never oversold\n", winners.size());
  return winners;
}

void pay_ship_deliver_rate(Demo& d, const std::string& who) {
  fmt::print("\n3. {}'s order is paid, shipped, delivered and rated\n", who);
  const std::string order = d.id("order-" + who);
  const std::string pay = d.id("pay-" + who);
  d.cmd("authorize EUR 49.00", "payment.authorize", kPayments,
        fmt::format(
            R"("order_id":"{}","payment_id":"{}","amount":{{"amount":4900,"currency":"EUR"}})",
            order, pay));
  d.cmd("capture it", "payment.capture", kPayments,
        fmt::format(R"("order_id":"{}","payment_id":"{}")", order, pay));
  d.cmd("ship with DHL", "order.ship", kStaff,
        fmt::format(R"("order_id":"{}","carrier":"DHL","tracking":"JD0001")", order));
  d.cmd("deliver", "order.deliver", kStaff, fmt::format(R"("order_id":"{}")", order));
  const std::string rate =
      fmt::format(R"("order_id":"{}","sku":"{}","stars":4,"comment":"bright, a bit loud")", order,
                  d.id("LAMP"));
  d.cmd("rate the lamp 4 stars (command id rate-1)", "rating.submit", customer(d.id(who)), rate,
        d.id("rate-1"));
  d.cmd("the client resends rate-1 (a retry)", "rating.submit", customer(d.id(who)), rate,
        d.id("rate-1"));
}

void cancel_one(Demo& d, const std::string& who) {
  fmt::print("\n4. {} cancels; the lamp goes back on the shelf\n", who);
  d.cmd(fmt::format("{} cancels", who), "order.cancel", customer(d.id(who)),
        fmt::format(R"("order_id":"{}","reason":"changed mind")", d.id("order-" + who)));
  d.cmd("staff try to ship the cancelled order", "order.ship", kStaff,
        fmt::format(R"("order_id":"{}")", d.id("order-" + who)));
}

void show_views(Demo& d, const std::vector<std::string>& winners) {
  fmt::print("\n5. The read models (queries), updated in the same write as the events\n");
  fmt::print("  stock  {}\n", d.query("stock", fmt::format(R"({{"sku":"{}"}})", d.id("LAMP"))));
  fmt::print("  rating {}\n", d.query("rating", fmt::format(R"({{"sku":"{}"}})", d.id("LAMP"))));
  fmt::print("  order  {}\n",
             d.query("order", fmt::format(R"({{"order_id":"{}"}})", d.id("order-" + winners[0]))));
  fmt::print("  as of position {} (the lamps just arrived), product-{} was\n         {}\n",
             d.lamps_arrived_at, d.id("LAMP"),
             d.query("as_of", fmt::format(R"({{"stream":"product-{}","position":{}}})",
                                          d.id("LAMP"), d.lamps_arrived_at)));
  if (!d.args_.cluster) {
    fmt::print("  verify {}\n", d.query("verify", "{}"));
    return;
  }
  for (uint32_t p = 0; p < d.args_.partitions; ++p) {
    auto r = d.client_.request(fmt::format("{}.p.{}.query.verify", d.args_.prefix, p), "{}");
    fmt::print("  verify partition {}: {}\n", p,
               r ? r->data : fmt::format("(no reply: {})", r.error().message));
  }
}

// A closing quick load: `n` stock receipts from 16 clients at once; prints the rate
// and latency percentiles as a backend would see them.
void quick_load(Demo& d, const DemoArgs& args, int n) {
  if (n <= 0) return;
  constexpr int kClients = 16;
  fmt::print("\n6. A quick load: {} inventory.receive from {} clients at once\n", n, kClients);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    nats_adapter::ConnectOptions o;
    o.url = args.nats;
    auto c = Client::connect(o);
    if (!c) return;
    clients.push_back(std::move(*c));
  }
  std::vector<std::vector<double>> micros(kClients);
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      for (int i = next++; i < n; i = next++) {
        const std::string body =
            fmt::format(R"({{"command_id":"load-{}-{}","actor":{},"sku":"{}","quantity":1}})",
                        d.tag_, i, kStaff, d.id("MUG"));
        const auto t0 = std::chrono::steady_clock::now();
        auto r = clients[t]->request(args.prefix + ".cmd.inventory.receive." + d.id("MUG"), body);
        micros[t].push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
        if (!r || !r->data.starts_with("{\"ok\":true")) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& m : micros) all.insert(all.end(), m.begin(), m.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, size_t(p * all.size()))]; };
  fmt::print(
      "  {} commands in {:.2f} s = {:.0f} commands/s; latency p50 {:.0f} us, p99 {:.0f} us; "
      "{} not ok\n",
      all.size(), secs, all.size() / secs, pct(0.50), pct(0.99), failed.load());
}

int run_demo(const DemoArgs& args) {
  nats_adapter::ConnectOptions o;
  o.url = args.nats;
  o.name = "stockroom-demo";
  auto client = Client::connect(o);
  if (!client) {
    fmt::print(stderr, "stockroom demo: {}\n", client.error().message);
    return 1;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  Demo d(**client, args,
         fmt::format("{:x}", std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
  // Is serve there? A verify query answers fast on any store. A cluster's engines may
  // still be claiming their partitions: ask the store's partition for a while.
  const std::string probe_subject = args.cluster
                                        ? fmt::format("{}.p.{}.query.verify", args.prefix, d.home())
                                        : args.prefix + ".query.verify";
  auto probe = (*client)->request(probe_subject, "{}", {}, std::chrono::milliseconds(3000));
  for (int i = 0; args.cluster && !probe && i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    probe = (*client)->request(probe_subject, "{}", {}, std::chrono::milliseconds(1000));
  }
  if (!probe) {
    fmt::print(stderr,
               "stockroom demo: no stockroom serve answers on {} ({}); start one with scripts/run "
               "(or scripts/cluster, then demo --cluster)\n",
               args.nats, probe.error().message);
    return 1;
  }
  fmt::print("Stockroom demo against serve on {} (prefix {}), run tag {}\n", args.nats, args.prefix,
             d.tag_);
  if (args.cluster) {
    fmt::print(
        "Cluster of {} partitions: the products and orders of this store live in partition {},\n"
        "the carts in partition {}, so each checkout is a saga across the two\n"
        "(docs/scale-out.md, \"Checkouts across partitions\")\n",
        args.partitions, d.home(), d.cart_home());
  }
  stock_the_shelves(d);
  const auto winners = race_for_the_last_lamps(d);
  if (winners.size() != 3) {
    fmt::print(stderr, "stockroom demo: expected 3 winners, got {}\n", winners.size());
    return 1;
  }
  pay_ship_deliver_rate(d, winners[0]);
  cancel_one(d, winners[1]);
  fmt::print("  ({}'s order stays unpaid: the engine expires it after the reservation TTL)\n",
             winners[2]);
  if (args.cluster) {
    // The order partition's outbox carries the shipment and the cancel to the lamps'
    // stock (stock.settle), after the orders' replies: give it a moment (it polls every
    // 50 ms) so that the stock below shows them.
    fmt::print(
        "  (the order partition's outbox carries the shipment and the cancel to the "
        "lamps' stock)\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  show_views(d, winners);
  quick_load(d, args, args.load);
  return 0;
}

}  // namespace

Runner add_demo(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "demo", "play a small store against a running `stockroom serve` and print what happened");
  auto a = std::make_shared<DemoArgs>();
  sub->add_option("--nats", a->nats, "NATS server URL")
      ->envname("STOCKROOM_NATS")
      ->capture_default_str();
  sub->add_option("--prefix", a->prefix, "subject prefix")
      ->envname("STOCKROOM_PREFIX")
      ->capture_default_str();
  sub->add_option("--load", a->load, "commands in the closing quick load (0: none)")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  sub->add_flag("--cluster", a->cluster,
                "against serve --cluster: keyed subjects, the store's ids in one partition, "
                "verify per partition");
  sub->add_option("--partitions", a->partitions, "the cluster's partition count (--cluster)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  return [a] { return run_demo(*a); };
}

}  // namespace stockroom::cli

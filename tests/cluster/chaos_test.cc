// Chaos over a whole cluster (issue 13): three real nats-servers with JetStream, three
// real `stockroom serve --cluster` processes, four partitions, and 16 clients sending a
// random mix — checkouts whose cart, order and products each fall in any partition,
// cancels, payments and shipments, stock receipts — resending every command whose
// reply they did not get with the same command id. Meanwhile the owner of a random
// partition is killed (-9) at random moments and restarted on its directory, at least
// twenty times: it is, for the checkouts in flight, a saga's coordinator, a product
// partition holding their stock or the partition placing their order. Once a NATS node
// is killed too. Afterwards every partition's stream is read back from JetStream
// (`replay --cluster`) and the domain invariants are checked over the union of the
// logs, beside what the clients were told.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/cluster/lease_table.h"
#include "cluster/support/cluster_client.h"
#include "cluster/support/engine_process.h"
#include "cluster/support/links.h"
#include "cluster/support/nats_cluster.h"
#include "cluster/support/union_log.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kPartitions = 4;
constexpr int kEngines = 3;
constexpr int kLeaseTtl = 8;
constexpr int kClients = 16;
constexpr int kKills = 20;         // engine kills; the issue asks for at least twenty
constexpr int64_t kHot = 12;       // units of each partition's contended product
constexpr int64_t kBulk = 100000;  // units of each partition's plentiful product
constexpr int64_t kPrice = 100;    // every product's unit price, in cents
const std::string kStaff = R"("actor":{"id":"ops-1","role":"staff"})";
const std::string kPayments = R"("actor":{"id":"payment-svc","role":"service"})";

// What the clients were told, merged from every client thread.
struct Told {
  std::map<std::string, Lines> placed;         // order id -> lines, checkout ok
  std::map<std::string, std::string> refused;  // order id -> the checkout's error code
  std::set<std::string> cancelled;             // order.cancel ok
  std::set<std::string> shipped;               // order.ship ok
  std::set<std::string> received;              // inventory.receive ok: command ids
  uint64_t unanswered = 0;                     // no answer within two minutes
  std::vector<std::string> odd;                // answers no rule explains
  std::vector<std::string> refusals;           // checkouts refused but not OUT_OF_STOCK
};

std::string json_of(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return buffer.GetString();
}

class Chaos {
 public:
  Chaos() : nats_(key_mappings(kPartitions)) {
    for (int e = 0; e < kEngines; ++e) {
      engines_.push_back(std::make_unique<EngineProcess>(dir_, "e" + std::to_string(e),
                                                         nats_.urls(), kPartitions, kLeaseTtl));
    }
    admin_ = connect_client(nats_.urls(), "chaos-admin");
    REQUIRE(wait_served(90s));
    for (uint32_t p = 0; p < kPartitions; ++p) {
      const std::string hot = id_in_partition("hot-p" + std::to_string(p), p, kPartitions);
      const std::string bulk = id_in_partition("bulk-p" + std::to_string(p), p, kPartitions);
      define(hot, kHot);
      define(bulk, kBulk);
      skus_.push_back(hot);
      skus_.push_back(bulk);
      bulk_.push_back(bulk);
    }
  }

  NatsCluster& nats() { return nats_; }
  const std::vector<std::string>& skus() const { return skus_; }
  const std::vector<std::string>& bulk() const { return bulk_; }
  std::vector<std::unique_ptr<EngineProcess>>& engines() { return engines_; }

  // The node holding partition p's lease; empty while none does.
  std::string owner_of(uint32_t p) {
    auto link = connect_link(nats_.urls());
    auto table = cluster::LeaseTable::open(*link, "stockroom", std::chrono::seconds(kLeaseTtl), 3,
                                           in_seconds(20));
    if (!table) return "";
    auto held = (*table)->get("partition." + std::to_string(p), in_seconds(5));
    if (!held || !*held) return "";
    return (*held)->value.substr(0, (*held)->value.rfind('@'));
  }

  EngineProcess* engine(const std::string& node) {
    for (auto& e : engines_) {
      if (e->node_id() == node) return e.get();
    }
    return nullptr;
  }

  bool wait_served(std::chrono::seconds timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      bool all = true;
      for (uint32_t p = 0; p < kPartitions && all; ++p) {
        auto r =
            admin_->request("stockroom.p." + std::to_string(p) + ".query.head", "{}", {}, 1000ms);
        rapidjson::Document d;
        if (r) d.Parse(r->data.c_str());
        all = r && d.IsObject() && d.HasMember("position");  // a signed head
      }
      if (all) return true;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  // The stock view of `sku`: on_hand, reserved; asked again while between owners.
  std::pair<int64_t, int64_t> stock(const std::string& sku) {
    for (int attempt = 0; attempt < 60; ++attempt) {
      auto r = admin_->request("stockroom.query.stock." + sku, R"({"sku":")" + sku + R"("})", {},
                               1000ms);
      rapidjson::Document d;
      if (r) d.Parse(r->data.c_str());
      if (d.IsObject() && d.HasMember("on_hand")) {
        return {d["on_hand"].GetInt64(), d["reserved"].GetInt64()};
      }
      std::this_thread::sleep_for(200ms);
    }
    FAIL("no stock view of " << sku);
    return {};
  }

 private:
  void define(const std::string& sku, int64_t units) {
    const auto until = Clock::now() + 60s;
    auto d = send_until_answered(*admin_, "product.define", sku,
                                 R"({"command_id":"def-)" + sku + R"(",)" + kStaff + R"(,"sku":")" +
                                     sku + R"(","name":"P","price":{"amount":)" +
                                     std::to_string(kPrice) + R"(,"currency":"EUR"}})",
                                 until);
    REQUIRE(reply_ok(d));
    d = send_until_answered(*admin_, "inventory.receive", sku,
                            R"({"command_id":"rcv-)" + sku + R"(",)" + kStaff + R"(,"sku":")" +
                                sku + R"(","quantity":)" + std::to_string(units) + "}",
                            until);
    REQUIRE(reply_ok(d));
  }

  NatsCluster nats_;
  TempDir dir_;
  std::vector<std::unique_ptr<EngineProcess>> engines_;
  std::unique_ptr<nats_adapter::Client> admin_;
  std::vector<std::string> skus_;
  std::vector<std::string> bulk_;
};

// 16 clients, each a random walk (seeded, the seed in the test's output): 45% checkouts
// of 1–3 lines of any products (1–2 units each, cart and order ids falling in any
// partition), 15% cancels and 15% payment + shipment of an order it placed, the rest
// one-unit receipts of a plentiful product.
class Traffic {
 public:
  Traffic(Chaos& chaos, uint64_t seed) : chaos_(chaos) {
    for (int c = 0; c < kClients; ++c) {
      clients_.push_back(connect_client(chaos.nats().urls(), "chaos-" + std::to_string(c)));
    }
    for (int c = 0; c < kClients; ++c) threads_.emplace_back([this, c, seed] { run(c, seed); });
  }
  ~Traffic() { stop(); }

  void stop() {
    stopping_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  const Told& told() const { return told_; }
  uint64_t commands() const { return commands_.load(); }

 private:
  void run(int c, uint64_t seed) {
    nats_adapter::Client& client = *clients_[static_cast<size_t>(c)];
    std::mt19937_64 rng(seed + static_cast<uint64_t>(c));
    Told mine;
    std::vector<std::string> live;  // orders this client placed and has not ended
    std::map<std::string, int64_t> totals;
    const auto send = [&](const std::string& name, const std::string& key,
                          const std::string& body) {
      ++commands_;
      auto d = send_until_answered(client, name, key, body, Clock::now() + 120s);
      if (d.IsNull()) ++mine.unanswered;
      return d;
    };
    for (int n = 0; !stopping_.load(); ++n) {
      const std::string id = "c" + std::to_string(c) + "-" + std::to_string(n);
      const uint64_t dice = rng() % 100;
      if (dice < 45) {
        const std::string cart = "cart-" + id;
        const std::string order = "ord-" + id;
        Lines lines;
        const size_t count = 1 + rng() % 3;
        while (lines.size() < count) {
          lines[chaos_.skus()[rng() % chaos_.skus().size()]] = 1 + static_cast<int64_t>(rng() % 2);
        }
        auto d = send("cart.open", cart,
                      R"({"command_id":")" + id + R"(-o",)" + kStaff + R"(,"cart_id":")" + cart +
                          R"(","customer_id":"u)" + std::to_string(c) + R"(","currency":"EUR"})");
        if (!reply_ok(d)) {
          mine.odd.push_back("cart.open " + cart + ": " + reply_code(d));
          continue;
        }
        int64_t total = 0;
        bool added = true;
        int line = 0;
        for (const auto& [sku, quantity] : lines) {
          d = send("cart.add_item", cart,
                   R"({"command_id":")" + id + "-a" + std::to_string(line++) + R"(",)" + kStaff +
                       R"(,"cart_id":")" + cart + R"(","sku":")" + sku + R"(","quantity":)" +
                       std::to_string(quantity) + "}");
          if (!reply_ok(d)) {
            mine.odd.push_back("cart.add_item " + cart + " " + sku + ": " + reply_code(d));
            added = false;
          }
          total += quantity * kPrice;
        }
        if (!added) continue;
        d = send("cart.checkout", cart,
                 R"({"command_id":")" + id + R"(-c",)" + kStaff + R"(,"cart_id":")" + cart +
                     R"(","order_id":")" + order + R"("})");
        if (reply_ok(d)) {
          mine.placed[order] = lines;
          live.push_back(order);
          totals[order] = total;
        } else if (!d.IsNull()) {
          mine.refused[order] = reply_code(d);
          if (reply_code(d) != "OUT_OF_STOCK") {
            mine.refusals.push_back(order + ": " + json_of(d));
          }
        }
        continue;
      }
      if (dice < 75 && !live.empty()) {
        const size_t pick = rng() % live.size();
        const std::string order = live[pick];
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
        if (dice < 60) {
          auto d = send("order.cancel", order,
                        R"({"command_id":")" + id + R"(-x",)" + kStaff + R"(,"order_id":")" +
                            order + R"(","reason":"chaos"})");
          if (reply_ok(d)) mine.cancelled.insert(order);
          continue;
        }
        const std::string payment = "pay-" + id;
        const std::string amount =
            R"("amount":{"amount":)" + std::to_string(totals[order]) + R"(,"currency":"EUR"})";
        auto d = send("payment.authorize", order,
                      R"({"command_id":")" + id + R"(-pa",)" + kPayments + R"(,"order_id":")" +
                          order + R"(","payment_id":")" + payment + R"(",)" + amount + "}");
        if (reply_ok(d)) {
          d = send("payment.capture", order,
                   R"({"command_id":")" + id + R"(-pc",)" + kPayments + R"(,"order_id":")" + order +
                       R"(","payment_id":")" + payment + R"("})");
        }
        if (reply_ok(d)) {
          d = send("order.ship", order,
                   R"({"command_id":")" + id + R"(-s",)" + kStaff + R"(,"order_id":")" + order +
                       R"(","carrier":"DHL","tracking":"T)" + id + R"("})");
        }
        if (reply_ok(d)) {
          mine.shipped.insert(order);
        } else {
          mine.odd.push_back("pay and ship " + order + ": " + reply_code(d));
        }
        continue;
      }
      const std::string& sku = chaos_.bulk()[rng() % chaos_.bulk().size()];
      auto d = send("inventory.receive", sku,
                    R"({"command_id":")" + id + R"(-r",)" + kStaff + R"(,"sku":")" + sku +
                        R"(","quantity":1})");
      if (reply_ok(d)) {
        mine.received.insert(id + "-r");
      } else if (!d.IsNull()) {
        mine.odd.push_back("inventory.receive " + sku + ": " + reply_code(d));
      }
    }
    std::lock_guard lock(mu_);
    told_.placed.merge(mine.placed);
    told_.refused.merge(mine.refused);
    told_.cancelled.merge(mine.cancelled);
    told_.shipped.merge(mine.shipped);
    told_.received.merge(mine.received);
    told_.unanswered += mine.unanswered;
    told_.odd.insert(told_.odd.end(), mine.odd.begin(), mine.odd.end());
    told_.refusals.insert(told_.refusals.end(), mine.refusals.begin(), mine.refusals.end());
  }

  Chaos& chaos_;
  std::vector<std::unique_ptr<nats_adapter::Client>> clients_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> commands_{0};
  std::mutex mu_;
  Told told_;
};

}  // namespace

TEST_CASE(
    "chaos: random traffic over 4 partitions with 20 owner kills and a NATS node killed keeps "
    "every invariant over the union of the logs",
    "[cluster][chaos][saga]") {
  Chaos chaos;
  // STOCKROOM_CHAOS_SEED replays a seed from a failed run's output (the kill moments
  // and the threads' interleaving still differ from run to run).
  const char* forced = std::getenv("STOCKROOM_CHAOS_SEED");
  const uint64_t seed =
      forced != nullptr && *forced != '\0' ? std::stoull(forced) : std::random_device{}();
  WARN("seed " << seed);
  std::mt19937_64 rng(seed);
  Traffic traffic(chaos, seed);
  std::this_thread::sleep_for(3s);
  std::vector<std::string> kills;
  for (int k = 0; k < kKills; ++k) {
    if (k == kKills / 2) {
      // One NATS node killed, the one leading a random partition's stream, and brought
      // back after the election, while the clients keep sending.
      const uint32_t p = static_cast<uint32_t>(rng() % kPartitions);
      const int node = chaos.nats().stream_leader("STOCKROOM_P" + std::to_string(p));
      REQUIRE(node >= 0);
      chaos.nats().kill(node);
      kills.push_back("nats n" + std::to_string(node) + " (leading P" + std::to_string(p) + ")");
      std::this_thread::sleep_for(10s);
      chaos.nats().restart(node);
      std::this_thread::sleep_for(3s);
    }
    // The owner of a random partition: a coordinator, a product partition and an order
    // partition of the checkouts in flight.
    const uint32_t p = static_cast<uint32_t>(rng() % kPartitions);
    // Right after a kill the partition may have no owner for a lease TTL (8 s) and a
    // takeover; 30 s leaves room for a loaded machine (a run with four chaos tests on
    // two cores waited more than 10 s once).
    std::string owner;
    const auto until = Clock::now() + 30s;
    while (owner.empty() && Clock::now() < until) {
      owner = chaos.owner_of(p);
      if (owner.empty()) std::this_thread::sleep_for(200ms);
    }
    EngineProcess* victim = chaos.engine(owner);
    REQUIRE(victim != nullptr);
    victim->stop(SIGKILL);
    kills.push_back(owner + " (owner of P" + std::to_string(p) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 1500));
    victim->start();  // back on its directory: a standby that catches up
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 2000));
  }
  std::this_thread::sleep_for(3s);
  traffic.stop();
  WARN("killed: " << joined(kills, 100));
  const Told& told = traffic.told();
  WARN(traffic.commands() << " commands sent: " << told.placed.size() << " checkouts ok, "
                          << told.refused.size() << " refused, " << told.cancelled.size()
                          << " cancels, " << told.shipped.size() << " shipments, "
                          << told.received.size() << " receipts");
  CHECK(told.unanswered == 0);
  INFO(joined(told.odd));
  CHECK(told.odd.empty());
  REQUIRE(chaos.wait_served(60s));

  // Quiet: every saga has ended and every outbox drained once the union says so; the
  // outboxes retry on their own, so this is polled.
  Union u;
  std::vector<std::string> quiet;
  const auto until = Clock::now() + 60s;
  do {
    u = fold_union(chaos.nats().urls());
    quiet = quiet_breaks(u);
    if (quiet.empty() || !u.broken.empty()) break;
    std::this_thread::sleep_for(2s);
  } while (Clock::now() < until);
  WARN(u.events << " events in the union of the logs");
  INFO(joined(u.broken));
  CHECK(u.broken.empty());
  INFO(joined(quiet));
  CHECK(quiet.empty());

  // Beside what the clients were told: every ok is in the log exactly once, and a
  // refused checkout placed no order.
  std::vector<std::string> told_breaks;
  for (const auto& [order, lines] : told.placed) {
    const auto at = u.placed.find(order);
    if (at == u.placed.end()) {
      told_breaks.push_back("checkout of " + order + " answered ok, no OrderPlaced");
    } else if (at->second != lines || u.placed_count.at(order) != 1) {
      told_breaks.push_back("order " + order + " placed other lines or twice");
    }
  }
  for (const auto& [order, code] : told.refused) {
    if (u.placed.count(order)) {
      told_breaks.push_back("checkout of " + order + " refused (" + code + ") but placed");
    }
  }
  for (const std::string& order : told.cancelled) {
    if (!u.ended.count(order)) told_breaks.push_back(order + ": cancel ok, not in the log");
  }
  for (const std::string& order : told.shipped) {
    if (!u.order_shipped.count(order)) told_breaks.push_back(order + ": ship ok, not in the log");
  }
  for (const std::string& id : told.received) {
    const auto at = u.received.find(id);
    if (at == u.received.end() || at->second != 1) {
      told_breaks.push_back("receipt " + id + " is in the log " +
                            std::to_string(at == u.received.end() ? 0 : at->second) + " times");
    }
  }
  INFO(joined(told_breaks));
  CHECK(told_breaks.empty());
  // The checkouts met contention (the contended products ran out) and succeeded too.
  CHECK(told.placed.size() > 20);
  std::map<std::string, int> codes;
  for (const auto& [order, code] : told.refused) ++codes[code];
  std::string code_counts;
  for (const auto& [code, n] : codes) code_counts += code + " " + std::to_string(n) + " ";
  WARN("refusals: " << code_counts << "\n" << joined(told.refusals, 10));
  CHECK(codes["OUT_OF_STOCK"] > 0);
  // The single node's answer to these checkouts (open carts, unused order ids, products
  // never retired) is ok or OUT_OF_STOCK: so is the cluster's, through every failover
  // (a resumed saga answers the refusal its first driver logged, not its own tombstone).
  CHECK(told.refusals.empty());

  // Each product's view is the fold of its events, and never oversold.
  for (const std::string& sku : chaos.skus()) {
    const auto [on_hand, reserved] = chaos.stock(sku);
    INFO(sku);
    CHECK(on_hand == u.stock[sku].first);
    CHECK(reserved == u.stock[sku].second);
    CHECK(reserved <= on_hand);
  }
  // Every partition's chain, read from JetStream.
  const Ran verified = run_command(std::string(STOCKROOM_BIN) + " verify --cluster --nats " +
                                   chaos.nats().urls() + " 2>&1");
  INFO(verified.out);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find("ok: all 4 partitions") != std::string::npos);
  CHECK(kills.size() == kKills + 1);
}

}  // namespace stockroom::testing

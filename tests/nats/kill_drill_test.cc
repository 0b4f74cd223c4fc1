// Fault drills over NATS against the real `stockroom serve` process on one data
// directory, with 32 clients (each its own connection) sending a realistic mix: stock
// receipts, carts opened, filled and checked out (contended products run out), payments
// authorized and captured, orders shipped and cancelled. Every command whose reply a
// client did not get (a timeout, no responders, UNAVAILABLE) is resent with the same
// command id until it is answered.
//
// - kill drill: serve killed with SIGKILL 24 times, at a random moment 0.4–1.2 s after
//   the clients' commands are acknowledged again, or (every fourth) 0–250 ms after it was
//   started, mostly while it opens its directory; and started again on its directory;
// - NATS drill: nats-server killed and restarted on its port 5 times, serve stays up.
//
// Afterwards: every acknowledged command is in the log exactly once, at the positions
// its reply gave; no refused command is in it; along the log 0 <= reserved <= on_hand
// after every event and no order ships twice; each order holds, ships or released what
// it placed; each stock view (query.stock) is the fold of its product's events; and
// `stockroom verify` exits 0. The figures go to the test's output (WARN).
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/client.h"
#include "cluster/support/union_log.h"
#include "nats/support/json_actors.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_process.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace stockroom::testing::kill_drill_test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kClients = 32;
constexpr int kServeKills = 24;  // the issue asks for at least 20
constexpr int kNatsRestarts = 5;
constexpr uint64_t kAcksBetweenRestarts = 300;
constexpr int64_t kHot = 10;        // units of each contended product
constexpr int64_t kBulk = 1000000;  // units of each plentiful product
constexpr int64_t kPrice = 100;     // every product's unit price, in cents
constexpr auto kRequestTimeout = 500ms;
constexpr auto kGiveUp = 60s;  // a command unanswered this long is a failure
const std::string kPayments = R"("actor":{"id":"payment-svc","role":"service"})";
const std::vector<std::string> kHotSkus = {"HOT-0", "HOT-1", "HOT-2", "HOT-3"};
const std::vector<std::string> kBulkSkus = {"BULK-0", "BULK-1", "BULK-2", "BULK-3"};

std::vector<std::string> all_skus() {
  std::vector<std::string> out = kHotSkus;
  out.insert(out.end(), kBulkSkus.begin(), kBulkSkus.end());
  return out;
}

bool is_ok(const rapidjson::Document& d) {
  return d.IsObject() && d.HasMember("ok") && d["ok"].IsBool() && d["ok"].GetBool();
}
std::string code_of(const rapidjson::Document& d) {
  if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject() ||
      !d["error"].HasMember("code") || !d["error"]["code"].IsString()) {
    return "";
  }
  return d["error"]["code"].GetString();
}

std::unique_ptr<nats_adapter::Client> connect_until(const std::string& url,
                                                    Clock::time_point until) {
  nats_adapter::ConnectOptions co;
  co.url = url;
  co.name = "kill-drill";
  co.reconnect_wait_ms = 50;
  while (Clock::now() < until) {
    if (auto c = nats_adapter::Client::connect(co)) return std::move(*c);
    std::this_thread::sleep_for(20ms);
  }
  return nullptr;
}

// What the clients were told, merged from every client thread after they stopped.
struct Told {
  uint64_t commands = 0;    // distinct command ids sent
  uint64_t attempts = 0;    // requests, resends included
  uint64_t resent = 0;      // commands sent more than once
  uint64_t duplicates = 0;  // answered ok with "duplicate": true (each a resend)
  uint64_t timeouts = 0;    // no reply within kRequestTimeout
  uint64_t no_responders = 0;
  uint64_t unavailable = 0;                            // answered UNAVAILABLE
  uint64_t reconnects = 0;                             // fresh connections after one closed
  uint64_t unanswered = 0;                             // given up after kGiveUp: none expected
  std::map<std::string, std::vector<uint64_t>> acked;  // command id -> its events' positions
  std::map<std::string, std::string> refused;          // command id -> code
  std::set<std::string> placed, cancelled, shipped;    // order ids, by what was answered ok
  std::vector<std::string> odd;                        // answers no rule explains
};

// One client: its own connection, a seeded random walk (40% checkouts of 1–3 lines of
// 1–2 units, the contended products among them; 15% cancels and 15% payment, capture and
// shipment of an order it placed; the rest one-unit receipts of any product), and what
// it was told. Used by one thread.
class Walker {
 public:
  Walker(std::string url, int index, uint64_t seed, std::atomic<uint64_t>& acks)
      : url_(std::move(url)),
        index_(index),
        rng_(seed + static_cast<uint64_t>(index)),
        acks_(acks) {}

  // The n-th step of the walk: one action of one to five commands.
  void step(int n) {
    const std::string id = "k" + std::to_string(index_) + "-" + std::to_string(n);
    const uint64_t dice = rng_() % 100;
    if (dice < 40) {
      checkout(id);
    } else if (dice < 70 && !live_.empty()) {
      end_order(id, dice < 55);
    } else {
      const std::vector<std::string> skus = all_skus();
      expect_ok(send("inventory.receive", id + "-r",
                     kStaff + R"(,"sku":")" + skus[rng_() % skus.size()] + R"(","quantity":1)"),
                "inventory.receive");
    }
  }
  [[nodiscard]] Told& told() { return told_; }

 private:
  void checkout(const std::string& id) {
    const std::string cart = "cart-" + id;
    const std::string order = "ord-" + id;
    std::map<std::string, int64_t> lines;
    const size_t count = 1 + rng_() % 3;
    while (lines.size() < count) {
      const auto& skus = rng_() % 2 == 0 ? kHotSkus : kBulkSkus;
      lines[skus[rng_() % skus.size()]] = 1 + static_cast<int64_t>(rng_() % 2);
    }
    if (!expect_ok(send("cart.open", id + "-o",
                        kStaff + R"(,"cart_id":")" + cart + R"(","customer_id":"u)" +
                            std::to_string(index_) + R"(","currency":"EUR")"),
                   "cart.open " + cart)) {
      return;
    }
    int64_t total = 0;
    int line = 0;
    for (const auto& [sku, quantity] : lines) {
      if (!expect_ok(send("cart.add_item", id + "-a" + std::to_string(line++),
                          kStaff + R"(,"cart_id":")" + cart + R"(","sku":")" + sku +
                              R"(","quantity":)" + std::to_string(quantity)),
                     "cart.add_item " + cart)) {
        return;
      }
      total += quantity * kPrice;
    }
    const auto d = send("cart.checkout", id + "-c",
                        kStaff + R"(,"cart_id":")" + cart + R"(","order_id":")" + order + R"(")");
    if (is_ok(d)) {
      told_.placed.insert(order);
      live_.emplace_back(order, total);
    } else if (!d.IsNull() && code_of(d) != "OUT_OF_STOCK") {
      told_.odd.push_back("cart.checkout " + cart + ": " + code_of(d));
    }
  }

  // Cancels, or pays for and ships, a random order this client placed.
  void end_order(const std::string& id, bool cancel) {
    const size_t pick = rng_() % live_.size();
    const auto [order, total] = live_[pick];
    live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(pick));
    if (cancel) {
      if (expect_ok(send("order.cancel", id + "-x",
                         kStaff + R"(,"order_id":")" + order + R"(","reason":"drill")"),
                    "order.cancel " + order)) {
        told_.cancelled.insert(order);
      }
      return;
    }
    const std::string payment = R"(","payment_id":"pay-)" + id + R"(")";
    const std::string amount =
        R"(,"amount":{"amount":)" + std::to_string(total) + R"(,"currency":"EUR"})";
    if (expect_ok(send("payment.authorize", id + "-pa",
                       kPayments + R"(,"order_id":")" + order + payment + amount),
                  "payment.authorize " + order) &&
        expect_ok(
            send("payment.capture", id + "-pc", kPayments + R"(,"order_id":")" + order + payment),
            "payment.capture " + order) &&
        expect_ok(send("order.ship", id + "-s",
                       kStaff + R"(,"order_id":")" + order + R"(","carrier":"DHL","tracking":"T)" +
                           id + R"(")"),
                  "order.ship " + order)) {
      told_.shipped.insert(order);
    }
  }

  bool expect_ok(const rapidjson::Document& d, const std::string& what) {
    if (is_ok(d)) return true;
    if (!d.IsNull()) told_.odd.push_back(what + ": " + code_of(d));
    return false;
  }

  // `name` (e.g. "cart.add_item") sent, and resent with the same body, until answered
  // with anything but UNAVAILABLE; a null document after kGiveUp or when not JSON.
  rapidjson::Document send(const std::string& name, const std::string& id,
                           const std::string& fields) {
    const std::string body = R"({"command_id":")" + id + R"(",)" + fields + "}";
    ++told_.commands;
    const auto until = Clock::now() + kGiveUp;
    for (int attempt = 0; Clock::now() < until; ++attempt) {
      if (attempt == 1) ++told_.resent;
      std::optional<std::string> reply = request(name, body, until);
      if (!reply) continue;
      rapidjson::Document d;
      d.Parse(reply->c_str(), reply->size());
      if (d.HasParseError() || !d.IsObject()) {
        told_.odd.push_back(name + " " + id + ": not JSON: " + reply->substr(0, 200));
        d.SetNull();
        return d;
      }
      if (code_of(d) == "UNAVAILABLE") {
        ++told_.unavailable;
        std::this_thread::sleep_for(20ms);
        continue;
      }
      record(id, d, attempt);
      return d;
    }
    ++told_.unanswered;
    return rapidjson::Document();
  }

  // One request; nullopt when no reply came (counted by why).
  std::optional<std::string> request(const std::string& name, const std::string& body,
                                     Clock::time_point until) {
    if (!client_) {
      if (connected_) ++told_.reconnects;
      client_ = connect_until(url_, until);
      if (!client_) return std::nullopt;
      connected_ = true;
    }
    ++told_.attempts;
    auto r = client_->request("stockroom.cmd." + name, body, {}, kRequestTimeout);
    if (r) return std::move(r->data);
    const std::string& why = r.error().message;
    if (why.starts_with("no reply within")) {
      ++told_.timeouts;
    } else if (why.starts_with("no service listens")) {
      ++told_.no_responders;
      std::this_thread::sleep_for(20ms);
    } else {
      client_.reset();  // the connection gave up reconnecting: a fresh one
    }
    return std::nullopt;
  }

  void record(const std::string& id, const rapidjson::Document& d, int attempt) {
    if (!is_ok(d)) {
      told_.refused[id] = code_of(d);
      return;
    }
    const bool duplicate = d.HasMember("duplicate") && d["duplicate"].GetBool();
    if (duplicate) ++told_.duplicates;
    if (duplicate && attempt == 0) told_.odd.push_back(id + ": a first send was a duplicate");
    std::vector<uint64_t> positions;
    for (const auto& e : d["events"].GetArray()) positions.push_back(e["position"].GetUint64());
    told_.acked[id] = std::move(positions);
    acks_.fetch_add(1);
  }

  std::string url_;
  int index_;
  std::mt19937_64 rng_;
  std::atomic<uint64_t>& acks_;
  std::unique_ptr<nats_adapter::Client> client_;
  bool connected_ = false;  // client_ was made once: a new one is a reconnect
  std::vector<std::pair<std::string, int64_t>> live_;  // orders placed, not ended; totals
  Told told_;
};

// 32 Walkers on their threads until stop(); what they were told merged after.
class Traffic {
 public:
  Traffic(std::string url, uint64_t seed) {
    for (int c = 0; c < kClients; ++c) {
      walkers_.push_back(std::make_unique<Walker>(url, c, seed, acks_));
    }
    for (auto& w : walkers_) {
      threads_.emplace_back([this, walker = w.get()] {
        for (int n = 0; !stopping_.load(); ++n) walker->step(n);
      });
    }
  }
  ~Traffic() { stop(); }
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

  void stop() {
    stopping_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    if (merged_) return;
    merged_ = true;
    for (auto& w : walkers_) merge(w->told());
  }
  [[nodiscard]] uint64_t acks() const { return acks_.load(); }
  // After stop().
  [[nodiscard]] const Told& told() const { return told_; }

 private:
  void merge(Told& mine) {
    told_.commands += mine.commands;
    told_.attempts += mine.attempts;
    told_.resent += mine.resent;
    told_.duplicates += mine.duplicates;
    told_.timeouts += mine.timeouts;
    told_.no_responders += mine.no_responders;
    told_.unavailable += mine.unavailable;
    told_.reconnects += mine.reconnects;
    told_.unanswered += mine.unanswered;
    told_.acked.merge(mine.acked);
    told_.refused.merge(mine.refused);
    told_.placed.merge(mine.placed);
    told_.cancelled.merge(mine.cancelled);
    told_.shipped.merge(mine.shipped);
    told_.odd.insert(told_.odd.end(), mine.odd.begin(), mine.odd.end());
  }

  std::atomic<uint64_t> acks_{0};
  std::vector<std::unique_ptr<Walker>> walkers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  bool merged_ = false;
  Told told_;
};

// A real nats-server and serve on one data directory; the products defined and stocked.
class Drill {
 public:
  explicit Drill(const std::string& durability = "sync")
      : serve_(dir_.sub("data"), nats_.url(), dir_.sub("serve.log"), durability) {
    serve_.start();
    admin_ = connect_until(nats_.url(), Clock::now() + 10s);
    REQUIRE(admin_ != nullptr);
    require_serving();
    for (const std::string& sku : all_skus()) {
      const int64_t units = sku.starts_with("HOT") ? kHot : kBulk;
      admin_ok("product.define", "def-" + sku,
               kStaff + R"(,"sku":")" + sku + R"(","name":"P","price":{"amount":)" +
                   std::to_string(kPrice) + R"(,"currency":"EUR"})");
      admin_ok("inventory.receive", "rcv-" + sku,
               kStaff + R"(,"sku":")" + sku + R"(","quantity":)" + std::to_string(units));
    }
  }

  NatsServer& nats() { return nats_; }
  ServeProcess& serve() { return serve_; }
  nats_adapter::Client& admin() { return *admin_; }
  [[nodiscard]] std::string data() const { return dir_.sub("data"); }

  void require_serving() {
    INFO(serve_.log_text());
    REQUIRE(serve_.wait_serving(*admin_, 60s));
  }

  // The checks at the top of the file, with serve up and the clients stopped; serve is
  // stopped (SIGTERM) on the way.
  void check_after(const Traffic& traffic) {
    const Told& told = traffic.told();
    CHECK(told.unanswered == 0);
    INFO(joined(told.odd));
    CHECK(told.odd.empty());
    CHECK(told.placed.size() > 20);
    std::map<std::string, int> codes;
    for (const auto& [id, code] : told.refused) ++codes[code];
    CHECK(codes["OUT_OF_STOCK"] > 0);  // the contended products ran out
    CHECK(codes.size() == 1);          // and nothing else was refused

    // The stock views, from the serve that wrote the log.
    require_serving();
    std::map<std::string, std::pair<int64_t, int64_t>> views;
    for (const std::string& sku : all_skus()) {
      auto r = admin_->request("stockroom.query.stock", R"({"sku":")" + sku + R"("})", {}, 10s);
      REQUIRE(r.has_value());
      rapidjson::Document d;
      d.Parse(r->data.c_str(), r->data.size());
      INFO(r->data);
      REQUIRE((d.IsObject() && d.HasMember("on_hand") && d.HasMember("reserved")));
      views[sku] = {d["on_hand"].GetInt64(), d["reserved"].GetInt64()};
    }
    const int status = serve_.stop(SIGTERM);
    {
      INFO(serve_.log_text());
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }

    const Union u = fold_replay(std::string(STOCKROOM_BIN) + " replay --data " + data());
    WARN(u.events << " events in the log");
    INFO(joined(u.broken));
    CHECK(u.broken.empty());  // 0 <= reserved <= on_hand after every event, no order shipped twice
    const std::vector<std::string> quiet = quiet_breaks(u);
    INFO(joined(quiet));
    CHECK(quiet.empty());

    std::vector<std::string> breaks;
    for (const auto& [id, positions] : told.acked) {
      const auto at = u.positions.find(id);
      if (at == u.positions.end()) {
        breaks.push_back(id + ": answered ok, not in the log");
      } else if (at->second != positions) {
        breaks.push_back(id + ": answered ok with " + std::to_string(positions.size()) +
                         " events, in the log with " + std::to_string(at->second.size()) +
                         " events or elsewhere");
      }
    }
    for (const auto& [id, code] : told.refused) {
      if (u.positions.contains(id)) breaks.push_back(id + ": refused " + code + ", in the log");
    }
    for (const std::string& order : told.placed) {
      if (!u.placed.contains(order)) breaks.push_back(order + ": checkout ok, no OrderPlaced");
    }
    for (const std::string& order : told.cancelled) {
      if (!u.ended.contains(order)) breaks.push_back(order + ": cancel ok, not cancelled");
    }
    for (const std::string& order : told.shipped) {
      if (!u.order_shipped.contains(order)) breaks.push_back(order + ": ship ok, not shipped");
    }
    // Every command in the log was sent by someone: the drill's and the setup's.
    for (const auto& [id, positions] : u.positions) {
      if (!told.acked.contains(id) && !id.starts_with("def-") && !id.starts_with("rcv-")) {
        breaks.push_back(id + ": in the log, never answered ok");
      }
    }
    INFO(joined(breaks));
    CHECK(breaks.empty());

    for (const std::string& sku : all_skus()) {
      INFO(sku);
      CHECK(views[sku] == u.stock.at(sku));
    }

    const Ran verified =
        run_command(std::string(STOCKROOM_BIN) + " verify --data " + data() + " 2>&1");
    INFO(verified.out);
    CHECK(verified.exit_code == 0);
  }

 private:
  void admin_ok(const std::string& name, const std::string& id, const std::string& fields) {
    auto r = admin_->request("stockroom.cmd." + name,
                             R"({"command_id":")" + id + R"(",)" + fields + "}", {}, 10s);
    REQUIRE(r.has_value());
    INFO(r->data);
    REQUIRE(r->data.find(R"("ok":true)") != std::string::npos);
  }

  NatsServer nats_;
  TempDir dir_;
  ServeProcess serve_;
  std::unique_ptr<nats_adapter::Client> admin_;
};

std::string figures(const Told& told) {
  return std::to_string(told.commands) + " commands (" + std::to_string(told.acked.size()) +
         " acknowledged, " + std::to_string(told.refused.size()) + " refused), " +
         std::to_string(told.attempts) + " requests, " + std::to_string(told.resent) +
         " commands resent, " + std::to_string(told.duplicates) + " answered as duplicates, " +
         std::to_string(told.timeouts) + " timeouts, " + std::to_string(told.no_responders) +
         " no responders, " + std::to_string(told.unavailable) + " UNAVAILABLE, " +
         std::to_string(told.reconnects) + " client reconnects; " +
         std::to_string(told.placed.size()) + " orders placed, " +
         std::to_string(told.cancelled.size()) + " cancelled, " +
         std::to_string(told.shipped.size()) + " shipped";
}

// How many times `needle` occurs in `text` (events in serve's log).
int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct StopOnExit {  // stops the clients also when a REQUIRE fails mid-drill
  Traffic& traffic;
  ~StopOnExit() { traffic.stop(); }
};

// What the kills of one drill did.
struct Kills {
  int in_startup = 0;                  // kills 0–250 ms after a start
  double slowest_start = 0;            // seconds from a restart to serving
  std::vector<uint64_t> acks_between;  // acknowledgements between two kills
};

// kServeKills SIGKILLs of serve under `traffic`, each followed by a start on the same
// directory; returns once serve serves again after the last.
Kills kill_repeatedly(Drill& drill, const Traffic& traffic, std::mt19937_64& rng) {
  Kills kills;
  const auto load = Clock::now();
  while (traffic.acks() < 200) {
    REQUIRE(Clock::now() - load < 30s);
    std::this_thread::sleep_for(10ms);
  }
  for (int k = 0; k < kServeKills; ++k) {
    // Every fourth kill falls 0–250 ms after a start, mostly while serve opens its
    // directory (RocksDB's recovery, the views) and subscribes; the first of them 0–20 ms
    // after, so that one surely falls before serve serves, also where it starts fast (4 to
    // 6 of the 6 did here in every run). The others fall at a random moment of 0.4–1.2 s
    // of serving under load.
    const bool startup = k % 4 == 3;
    const uint64_t acks_before = traffic.acks();
    if (startup) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % (k == 3 ? 20 : 250)));
      ++kills.in_startup;
    } else {
      // Under load again first: the clients' resends acknowledged.
      const auto wait_from = Clock::now();
      while (traffic.acks() == acks_before) {
        REQUIRE(Clock::now() - wait_from < 30s);
        std::this_thread::sleep_for(5ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(400 + rng() % 800));
    }
    {
      const auto status = drill.serve().exited();
      INFO(drill.serve().log_text());
      REQUIRE_FALSE(status.has_value());  // serve must not have died on its own
    }
    const int status = drill.serve().stop(SIGKILL);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    kills.acks_between.push_back(traffic.acks() - acks_before);
    const auto restart = Clock::now();
    drill.serve().start();
    if ((k + 1) % 4 != 3) {  // the next kill is not one of those while starting
      drill.require_serving();
      kills.slowest_start = std::max(kills.slowest_start, seconds_since(restart));
    }
  }
  drill.require_serving();
  return kills;
}

// The kill drill (top of the file) on serve with `durability`.
void kill_drill(const std::string& durability) {
  const auto began = Clock::now();
  Drill drill(durability);
  const uint64_t seed = std::random_device{}();
  WARN("serve --durability " << durability << ", seed " << seed);
  std::mt19937_64 rng(seed);
  Traffic traffic(drill.nats().url(), seed);
  Kills kills;
  {
    const StopOnExit stopper{traffic};
    kills = kill_repeatedly(drill, traffic, rng);
    // Serving again after the last kill: the clients' resends are acknowledged. Within
    // 10 s: a client may still be waiting out a request sent to the killed process (CI
    // once saw none in the first second under ASan, a build running beside it).
    const uint64_t acks_before = traffic.acks();
    const auto wait_from = Clock::now();
    while (traffic.acks() == acks_before && Clock::now() - wait_from < 10s) {
      std::this_thread::sleep_for(10ms);
    }
    CHECK(traffic.acks() > acks_before);
    traffic.stop();
  }
  const double drill_seconds = seconds_since(began);
  // Which kills fell before serve subscribed: each start that got that far logs "serving".
  const int serving = count_of(drill.serve().log_text(), R"("event":"serving")");
  const int before_serving = kServeKills + 1 - serving;
  CHECK(before_serving >= 1);
  CHECK(before_serving <= kills.in_startup);
  std::string between;
  for (const uint64_t n : kills.acks_between) between += std::to_string(n) + " ";
  WARN(kServeKills << " SIGKILLs of serve (" << kills.in_startup << " 0–250 ms after a start, "
                   << before_serving << " of them before it was serving); slowest "
                   << "restart to serving " << kills.slowest_start
                   << " s; acknowledgements between kills: " << between);
  const Told& told = traffic.told();
  WARN(figures(told));
  // The kills fell under load: acknowledgements came between them (but before those
  // that fell while serve started up).
  CHECK(std::count_if(kills.acks_between.begin(), kills.acks_between.end(),
                      [](uint64_t n) { return n > 0; }) >= kServeKills - kills.in_startup);
  CHECK(told.resent > 0);
  CHECK(told.duplicates > 0);  // some replies were lost after their command was written
  drill.check_after(traffic);
  WARN("drill " << drill_seconds << " s, with the checks " << seconds_since(began) << " s");
}

}  // namespace

TEST_CASE(
    "kill drill: serve killed -9 at random moments 24 times under 32 clients loses no "
    "acknowledged command and keeps every invariant",
    "[nats][drill][kill]") {
  kill_drill("sync");
}

// Not run by ctest (hidden): `build/tests/test_nats "[drill_batch]"`.
TEST_CASE("kill drill with serve in batch durability", "[.][drill_batch]") { kill_drill("batch"); }

TEST_CASE(
    "NATS drill: nats-server killed and restarted 5 times under 32 clients loses no "
    "acknowledged command and keeps every invariant",
    "[nats][drill][nats_restart]") {
  const auto began = Clock::now();
  Drill drill;
  const uint64_t seed = std::random_device{}();
  WARN("seed " << seed);
  std::mt19937_64 rng(seed);
  Traffic traffic(drill.nats().url(), seed);
  std::vector<uint64_t> acks_between;
  {
    const StopOnExit stopper{traffic};
    for (int k = 0; k < kNatsRestarts; ++k) {
      // Under load again: 300 acknowledgements since the last restart (enough, over the
      // drill, for the contended products to run out also under ASan).
      const uint64_t acks_before = traffic.acks();
      const auto wait_from = Clock::now();
      std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 1000));
      while (traffic.acks() < acks_before + kAcksBetweenRestarts) {
        REQUIRE(Clock::now() - wait_from < 60s);
        std::this_thread::sleep_for(10ms);
      }
      acks_between.push_back(traffic.acks() - acks_before);
      drill.nats().restart();  // SIGKILL, then the same port again
      REQUIRE_FALSE(drill.serve().exited().has_value());
    }
    const uint64_t acks_before = traffic.acks();
    const auto wait_from = Clock::now();
    while (traffic.acks() < acks_before + kClients) {
      REQUIRE(Clock::now() - wait_from < 30s);
      std::this_thread::sleep_for(10ms);
    }
    traffic.stop();
  }
  const double drill_seconds = seconds_since(began);
  const Told& told = traffic.told();
  std::string between;
  for (const uint64_t n : acks_between) between += std::to_string(n) + " ";
  // serve kept its process and reconnected after each restart.
  const std::string log = drill.serve().log_text();
  const int reconnected = count_of(log, R"("event":"nats_reconnected")");
  CHECK(reconnected >= kNatsRestarts);
  WARN(kNatsRestarts << " nats-server kills and restarts, serve reconnected " << reconnected
                     << " times; acknowledgements before each: " << between);
  WARN(figures(told));
  CHECK(told.resent > 0);
  drill.check_after(traffic);
  WARN("drill " << drill_seconds << " s, with the checks " << seconds_since(began) << " s");
}

}  // namespace stockroom::testing::kill_drill_test

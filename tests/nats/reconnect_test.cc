// nats-server killed (SIGKILL) and restarted on the same port while clients keep
// sending commands: the service must reconnect and answer again, every command it
// acknowledged must be in the log exactly once, and a resend of an acknowledged
// command must come back as a duplicate of the original result.
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/client.h"
#include "nats/support/log_positions.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "support/json_object.h"

namespace stockroom::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kSenders = 6;
constexpr auto kRequestTimeout = 2000ms;

struct Acked {
  std::string id;
  std::string body;
  uint64_t position = 0;
  bool sent_after_restart = false;
};

// What one sender saw; written by its thread, read by the test's thread after join.
struct Sender {
  std::vector<Acked> acked;
  std::vector<std::string> unknown;  // no answer (timeout, no responders, closed)
  std::vector<std::string> refused;  // answered, but not ok: unexpected here
  int reconnects = 0;                // fresh clients made after the old one closed
};

// A connected client, retrying until `stop` (the server may be down right now).
std::unique_ptr<nats_adapter::Client> connect_until(const std::string& url,
                                                    const std::atomic<bool>& stop) {
  nats_adapter::ConnectOptions co;
  co.url = url;
  co.name = "reconnect-test";
  while (!stop.load()) {
    if (auto c = nats_adapter::Client::connect(co)) return std::move(*c);
    std::this_thread::sleep_for(20ms);
  }
  return nullptr;
}

void send_loop(const std::string& url, const std::string& prefix, int index,
               const std::atomic<bool>& stop, const std::atomic<bool>& restarted,
               std::atomic<int>& acks_after_restart, Sender& out) {
  const std::string subject = prefix + ".cmd.inventory.receive";
  std::unique_ptr<nats_adapter::Client> client = connect_until(url, stop);
  for (int n = 0; client && !stop.load(); ++n) {
    const std::string id = "rc-" + std::to_string(index) + "-" + std::to_string(n);
    const std::string body =
        R"({"command_id":")" + id +
        R"(","actor":{"id":"svc-1","role":"service"},"sku":"RC","quantity":1})";
    const bool after = restarted.load();
    auto reply = client->request(subject, body, {}, kRequestTimeout);
    if (reply) {
      rapidjson::Document d;
      d.Parse(reply->data.c_str(), reply->data.size());
      if (!d.HasParseError() && d.IsObject() && d.HasMember("ok") && d["ok"].IsBool() &&
          d["ok"].GetBool() && d.HasMember("position") && d["position"].IsUint64()) {
        out.acked.push_back({id, body, d["position"].GetUint64(), after});
        if (after) acks_after_restart.fetch_add(1);
      } else {
        out.refused.push_back(id + ": " + reply->data);
      }
      continue;
    }
    out.unknown.push_back(id);
    const std::string& why = reply.error().message;
    if (why.starts_with("no reply within")) continue;  // already waited
    if (why.starts_with("no service listens")) {
      // Reconnected before the service resubscribed: not long to wait.
      std::this_thread::sleep_for(10ms);
      continue;
    }
    // The connection gave up reconnecting (Client allows 5 tries): a fresh one.
    client.reset();
    client = connect_until(url, stop);
    ++out.reconnects;
  }
}

// The number on the sample line of an unlabelled metric in Prometheus text.
double metric_value(const std::string& text, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const auto at = text.find(key);
  INFO(text);
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + key.size()));
}

TEST_CASE(
    "kill and restart nats-server during a load: the service reconnects, every acknowledged "
    "command is in the log, resends are duplicates",
    "[nats]") {
  NatsServer server;
  ServeHarness h(server);
  REQUIRE(parse_object(h.send(
      "cmd.product.define",
      R"({"command_id":"define","actor":{"id":"ops-1","role":"staff"},"sku":"RC","name":"Reconnect","price":{"amount":100,"currency":"EUR"}})"))
              ["ok"]
                  .GetBool());

  std::atomic<bool> stop{false};
  std::atomic<bool> restarted{false};
  std::atomic<int> acks_after_restart{0};
  std::vector<Sender> senders(kSenders);
  std::vector<std::jthread> threads;
  // Stops the senders also when a REQUIRE below fails (joined by ~jthread after).
  struct StopOnExit {
    std::atomic<bool>& stop;
    ~StopOnExit() { stop.store(true); }
  };
  {
    const StopOnExit stopper{stop};
    for (int i = 0; i < kSenders; ++i) {
      threads.emplace_back(send_loop, server.url(), h.prefix(), i, std::cref(stop),
                           std::cref(restarted), std::ref(acks_after_restart),
                           std::ref(senders[static_cast<size_t>(i)]));
    }
    // Under load first: about half a second, and until the service acknowledged some.
    const auto load_start = Clock::now();
    std::this_thread::sleep_for(500ms);
    while (h.engine().head().position.value < 20) {
      REQUIRE(Clock::now() - load_start < 15s);
      std::this_thread::sleep_for(10ms);
    }
    server.restart();  // SIGKILL, then the same port again
    restarted.store(true);
    // Keep sending about 2 s more, and until a command sent after the restart was
    // acknowledged (the service reconnected and resubscribed).
    const auto back = Clock::now();
    std::this_thread::sleep_for(2s);
    while (acks_after_restart.load() == 0) {
      REQUIRE(Clock::now() - back < 15s);
      std::this_thread::sleep_for(10ms);
    }
  }
  threads.clear();  // joins

  // The service is back: ready (bounded wait; it may have flapped while loaded).
  const auto ready_deadline = Clock::now() + 15s;
  while (!h.service().ready()) {
    REQUIRE(Clock::now() < ready_deadline);
    std::this_thread::sleep_for(10ms);
  }

  size_t acked = 0;
  size_t acked_after = 0;
  size_t unknown = 0;
  for (const Sender& s : senders) {
    INFO("refused: " << (s.refused.empty() ? std::string() : s.refused.front()));
    CHECK(s.refused.empty());
    acked += s.acked.size();
    unknown += s.unknown.size();
    acked_after += static_cast<size_t>(std::count_if(
        s.acked.begin(), s.acked.end(), [](const Acked& a) { return a.sent_after_restart; }));
  }
  INFO("acked " << acked << ", after the restart " << acked_after << ", unknown " << unknown);
  REQUIRE(acked > 0);
  CHECK(acked_after > 0);  // the service really came back

  // Every event of the log, by command id.
  std::map<std::string, std::vector<uint64_t>> positions =
      positions_by_command(h.engine()).by_command;
  for (const Sender& s : senders) {
    for (const Acked& a : s.acked) {
      INFO(a.id);
      REQUIRE(positions.contains(a.id));
      CHECK(positions[a.id] == std::vector<uint64_t>{a.position});
    }
  }
  // No command applied twice, acknowledged or not.
  int64_t received = 0;
  for (const auto& [id, at] : positions) {
    if (!id.starts_with("rc-")) continue;
    INFO(id);
    CHECK(at.size() == 1);
    ++received;
  }
  auto stock = h.engine().view("stock", "RC");
  REQUIRE(stock.has_value());
  REQUIRE(stock->has_value());
  CHECK(parse_object(**stock)["on_hand"].GetInt64() == received);

  // Resends of every acknowledged command: the original result, as a duplicate.
  std::vector<std::vector<std::string>> wrong(kSenders);
  {
    std::vector<std::jthread> resenders;
    for (int i = 0; i < kSenders; ++i) {
      resenders.emplace_back([&, i] {
        const auto k = static_cast<size_t>(i);
        nats_adapter::ConnectOptions co;
        co.url = server.url();
        auto client = nats_adapter::Client::connect(co);
        if (!client) {
          wrong[k].push_back("connect: " + client.error().message);
          return;
        }
        for (const Acked& a : senders[k].acked) {
          auto reply =
              (*client)->request(h.prefix() + ".cmd.inventory.receive", a.body, {}, 10'000ms);
          if (!reply) {
            wrong[k].push_back(a.id + ": " + reply.error().message);
            continue;
          }
          rapidjson::Document d;
          d.Parse(reply->data.c_str(), reply->data.size());
          const bool duplicate = !d.HasParseError() && d.IsObject() && d.HasMember("ok") &&
                                 d["ok"].GetBool() && d["duplicate"].GetBool() &&
                                 d["position"].GetUint64() == a.position &&
                                 d["command_id"].GetString() == a.id;
          if (!duplicate) wrong[k].push_back(a.id + ": " + reply->data);
        }
      });
    }
  }
  for (const auto& w : wrong) {
    INFO((w.empty() ? std::string() : w.front()));
    CHECK(w.empty());
  }

  h.service().refresh_metrics();
  const std::string metrics = h.metrics().render();
  CHECK(metric_value(metrics, "stockroom_nats_reconnects_total") >= 1);
  CHECK(metric_value(metrics, "stockroom_nats_disconnects_total") >= 1);
  CHECK(metric_value(metrics, "stockroom_ready") == 1);
}

}  // namespace
}  // namespace stockroom::testing

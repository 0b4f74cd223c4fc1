// `<p>.admin.checkpoint` (docs/api.md, "Admin subjects"): the serve that holds the
// named data directory writes a checkpoint of it while commands keep coming; the copy
// verifies, its views are at its head, and serve runs on it. Other serves on the prefix
// stay silent; bad requests and bad targets are refused.
#include <rapidjson/document.h>
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/client.h"
#include "engine/support/checkpoint_check.h"
#include "engine/support/commands.h"
#include "engine/support/view_dump.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "support/json_object.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string real(const std::string& path) { return fs::canonical(path).string(); }

std::string checkpoint_body(const std::string& data, const std::string& dir) {
  return R"({"data":")" + data + R"(","dir":")" + dir + R"("})";
}

std::string staff_command(const std::string& id, const std::string& fields) {
  return R"({"command_id":")" + id + R"(","actor":{"id":"ops","role":"staff"},)" + fields + "}";
}

void define_product(ServeHarness& h, const std::string& sku) {
  auto r = parse_object(h.send(
      "cmd.product.define",
      staff_command(
          "def-" + sku,
          R"("sku":")" + sku + R"(","name":"Lamp","price":{"amount":100,"currency":"EUR"})")));
  REQUIRE(r["ok"].GetBool());
}

// Clients sending commands on their own connections until stopped.
class Load {
 public:
  Load(const NatsServer& server, const std::string& prefix, int clients) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, &server, prefix, c] {
        nats_adapter::ConnectOptions o;
        o.url = server.url();
        auto client = nats_adapter::Client::connect(o);
        if (!client) return;
        for (int n = 0; !stop_.load(); ++n) {
          const std::string id = "load-" + std::to_string(c) + "-" + std::to_string(n);
          auto r = (*client)->request(
              prefix + ".cmd.inventory.receive",
              staff_command(id, R"("sku":"LAMP-)" + std::to_string(c) + R"(","quantity":1)"), {},
              10s);
          if (r && r->data.starts_with(R"({"ok":true)")) ok_.fetch_add(1);
        }
      });
    }
  }
  ~Load() { stop(); }
  void stop() {
    stop_.store(true);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  [[nodiscard]] int ok() const { return ok_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0};
  std::vector<std::thread> threads_;
};

TEST_CASE(
    "a checkpoint asked over NATS under load verifies, its views are at its head and equal a "
    "rebuild, and serve runs on it",
    "[nats][checkpoint]") {
  NatsServer server;
  TempDir dir;
  std::unique_ptr<ServeHarness> h = std::make_unique<ServeHarness>(server, "shop", dir.sub("data"));
  for (int c = 0; c < 4; ++c) define_product(*h, "LAMP-" + std::to_string(c));
  Load load(server, "shop", 4);
  while (load.ok() < 200) std::this_thread::sleep_for(5ms);

  const int before = load.ok();
  auto reply = h->client().request(
      "shop.admin.checkpoint", checkpoint_body(real(dir.sub("data")), dir.sub("copy")), {}, 60s);
  REQUIRE(reply.has_value());
  std::this_thread::sleep_for(50ms);
  const int after = load.ok();
  load.stop();
  auto d = parse_object(reply->data);
  REQUIRE(d["ok"].GetBool());
  CHECK(std::string(d["dir"].GetString()) == dir.sub("copy"));
  const Position position{d["position"].GetUint64()};
  CHECK(position.value >= static_cast<uint64_t>(before));
  CHECK(after > before);

  // The head the copy holds is the source log's at that position.
  auto at = h->engine().events_from(position, 1);
  REQUIRE(at.has_value());
  REQUIRE(at->size() == 1);
  events::Head head{position, at->front().hash};
  CHECK(events::to_hex(head.hash) == d["hash"].GetString());
  h.reset();
  check_copy_as_written(dir.sub("copy"), head);
  {
    engine::EngineOptions o;
    o.data_dir = dir.sub("copy");
    auto copy = engine::Engine::open(o);
    REQUIRE(copy.has_value());
    const ViewDump as_copied = dump(**copy);
    REQUIRE((*copy)->rebuild("").has_value());
    CHECK(dump(**copy) == as_copied);
  }

  ServeHarness on_copy(server, "copy", dir.sub("copy"));
  auto stock = parse_object(on_copy.send("query.stock", R"({"sku":"LAMP-0"})"));
  CHECK(stock["position"].GetUint64() <= position.value);
  auto accepted = parse_object(on_copy.send(
      "cmd.inventory.receive", staff_command("after-copy", R"("sku":"LAMP-0","quantity":1)")));
  REQUIRE(accepted["ok"].GetBool());
  CHECK(accepted["position"].GetUint64() == position.value + 1);
  auto verified = parse_object(on_copy.send("query.verify", "{}"));
  CHECK(verified["ok"].GetBool());
}

TEST_CASE("only the serve holding the named data directory answers, and bad requests are refused",
          "[nats][checkpoint]") {
  NatsServer server;
  TempDir dir;
  ServeHarness a(server, "shop", dir.sub("a"));
  ServeHarness b(server, "shop", dir.sub("b"));
  // Straight to each engine: over NATS, one queue group would pick either serve.
  auto define = [](engine::Engine& e, const std::string& sku) {
    REQUIRE(e.execute(envelope("def-" + sku, staff(), DefineProduct{Sku(sku), "Lamp", eur(100)})));
  };
  define(a.engine(), "A");
  define(b.engine(), "B");
  define(b.engine(), "C");
  const uint64_t head_b = b.engine().head().position.value;
  REQUIRE(head_b == 2);

  // Named through a symbolic link: the serve compares real paths.
  fs::create_directory_symlink(dir.sub("b"), dir.sub("link-to-b"));
  auto reply = a.client().request(
      "shop.admin.checkpoint", checkpoint_body(dir.sub("link-to-b"), dir.sub("copy-b")), {}, 30s);
  REQUIRE(reply.has_value());
  auto d = parse_object(reply->data);
  REQUIRE(d["ok"].GetBool());
  CHECK(d["position"].GetUint64() == head_b);
  CHECK(a.logs().find("\"checkpoint") == std::string::npos);
  CHECK(b.logs().find("\"event\":\"checkpoint\"") != std::string::npos);

  fs::create_directory(dir.sub("nobody"));
  auto silent = a.client().request(
      "shop.admin.checkpoint", checkpoint_body(dir.sub("nobody"), dir.sub("copy-n")), {}, 500ms);
  CHECK_FALSE(silent.has_value());
  CHECK_FALSE(fs::exists(dir.sub("copy-n")));

  auto malformed = parse_object(a.send("admin.checkpoint", R"({"data":1})"));
  CHECK_FALSE(malformed["ok"].GetBool());
  CHECK(std::string(malformed["error"]["code"].GetString()) == "MALFORMED");
  auto relative = parse_object(a.send("admin.checkpoint", checkpoint_body(dir.sub("a"), "copy")));
  CHECK(std::string(relative["error"]["code"].GetString()) == "INVALID_ARGUMENT");

  fs::create_directory(dir.sub("full"));
  std::ofstream(dir.sub("full") + "/keep") << "mine";
  auto full =
      parse_object(a.send("admin.checkpoint", checkpoint_body(dir.sub("a"), dir.sub("full"))));
  CHECK_FALSE(full["ok"].GetBool());
  CHECK(std::string(full["error"]["code"].GetString()) == "ALREADY_EXISTS");
  CHECK(fs::directory_entry(dir.sub("full") + "/keep").file_size() == 4);
  CHECK(std::distance(fs::directory_iterator(dir.sub("full")), fs::directory_iterator()) == 1);
}

}  // namespace
}  // namespace stockroom::testing

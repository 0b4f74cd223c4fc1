// A full disk under the real `stockroom serve` over NATS (tests/engine/disk_full_test.cc
// fills one in process, tests/nats/unavailable_test.cc injects one write error): serve's
// data directory on a 12 MiB tmpfs (root, as in CI), or, where this process may not
// mount, serve under RLIMIT_FSIZE with SIGXFSZ ignored (a write past it fails as on a
// full disk). 8 clients send stock receipts with long references until the disk fills:
// the group in flight is answered UNAVAILABLE and so is every later command, serve stays
// up and queries keep answering from what is durable, every command answered ok is in
// the log and none refused; serve stops on SIGTERM without aborting. Once there is room
// again (the tmpfs remounted bigger, or no limit) serve starts on the same directory,
// a refused command sent again is new (not a duplicate), new commands are ok, and
// `stockroom verify` passes.
#include <rapidjson/document.h>
#include <sys/mount.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
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

namespace stockroom::testing::disk_full_drill_test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kClients = 8;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kDiskBytes = 12 * kMiB;
constexpr uint64_t kRoomAgain = 256 * kMiB;
constexpr uint64_t kFileLimit = 4 * kMiB;  // RLIMIT_FSIZE when no tmpfs can be mounted

std::string sku_of(int client) { return "FULL-" + std::to_string(client); }

// 200 four-byte characters: the longest reference a command may carry, so that the disk
// fills after a few thousand commands.
std::string long_reference() {
  std::string out;
  for (int i = 0; i < 200; ++i) out += "\xF0\x9F\x98\x80";
  return out;
}

std::string receipt(const std::string& id, const std::string& sku) {
  return R"({"command_id":")" + id + R"(",)" + kStaff + R"(,"sku":")" + sku +
         R"(","quantity":1,"reference":")" + long_reference() + R"("})";
}

std::string code_of(const rapidjson::Document& d) {
  if (!d.IsObject() || !d.HasMember("error")) return d.IsObject() ? "ok" : "not JSON";
  return d["error"]["code"].GetString();
}

// A tmpfs mounted over a directory, unmounted (lazily) at the end.
class Tmpfs {
 public:
  // nullptr when this process may not mount (not root, or no tmpfs here).
  static std::unique_ptr<Tmpfs> mount(const std::string& dir, uint64_t bytes) {
    std::filesystem::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, size_option(bytes).c_str()) != 0) return nullptr;
    return std::unique_ptr<Tmpfs>(new Tmpfs(dir));
  }
  ~Tmpfs() { static_cast<void>(::umount2(dir_.c_str(), MNT_DETACH)); }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  void grow(uint64_t bytes) {
    INFO(std::strerror(errno));
    REQUIRE(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, size_option(bytes).c_str()) == 0);
  }

 private:
  explicit Tmpfs(std::string dir) : dir_(std::move(dir)) {}
  static std::string size_option(uint64_t bytes) { return "size=" + std::to_string(bytes); }
  std::string dir_;
};

// What one client saw; written by its thread, read after the join.
struct Seen {
  std::map<std::string, uint64_t> acked;  // command id -> position
  std::vector<std::string> unavailable;   // command ids refused UNAVAILABLE
  std::vector<std::string> other;         // anything else: none expected
};

// Receipts one after the other until the first UNAVAILABLE (or `until`).
void fill(const std::string& url, int client, Clock::time_point until, Seen& out) {
  nats_adapter::ConnectOptions co;
  co.url = url;
  auto c = nats_adapter::Client::connect(co);
  if (!c) {
    out.other.push_back("connect: " + c.error().message);
    return;
  }
  for (int n = 0; Clock::now() < until; ++n) {
    const std::string id = "f" + std::to_string(client) + "-" + std::to_string(n);
    auto r = (*c)->request("stockroom.cmd.inventory.receive", receipt(id, sku_of(client)), {}, 10s);
    if (!r) {
      out.other.push_back(id + ": " + r.error().message);
      return;
    }
    rapidjson::Document d;
    d.Parse(r->data.c_str(), r->data.size());
    const std::string code = code_of(d);
    if (code == "ok") {
      out.acked[id] = d["position"].GetUint64();
    } else if (code == "UNAVAILABLE") {
      out.unavailable.push_back(id);
      return;
    } else {
      out.other.push_back(id + ": " + r->data.substr(0, 300));
      return;
    }
  }
}

rapidjson::Document ask(nats_adapter::Client& c, const std::string& subject,
                        const std::string& body) {
  auto r = c.request(subject, body, {}, 10s);
  INFO(subject << " " << body.substr(0, 100));
  REQUIRE(r.has_value());
  rapidjson::Document d;
  d.Parse(r->data.c_str(), r->data.size());
  INFO(r->data);
  REQUIRE(d.IsObject());
  return d;
}

}  // namespace

TEST_CASE(
    "disk full drill: serve over NATS on a full disk answers UNAVAILABLE and queries and "
    "carries on once there is room",
    "[nats][drill][disk_full]") {
  const auto began = Clock::now();
  NatsServer nats;
  TempDir root;
  const std::string disk = root.sub("disk");
  // STOCKROOM_DRILL_NO_MOUNT=1 tries the fallback where a mount would work.
  std::unique_ptr<Tmpfs> tmpfs =
      std::getenv("STOCKROOM_DRILL_NO_MOUNT") ? nullptr : Tmpfs::mount(disk, kDiskBytes);
  std::filesystem::create_directories(disk);
  const uint64_t limit = tmpfs ? 0 : kFileLimit;
  if (!tmpfs) {
    WARN("no tmpfs mounted (not root, or STOCKROOM_DRILL_NO_MOUNT): serve runs under "
         << "RLIMIT_FSIZE " << kFileLimit << " instead");
  }
  const std::string data = disk + "/data";
  ServeProcess serve(data, nats.url(), root.sub("serve.log"));
  serve.start(limit);
  nats_adapter::ConnectOptions co;
  co.url = nats.url();
  auto connected = nats_adapter::Client::connect(co);
  REQUIRE(connected.has_value());
  nats_adapter::Client& admin = **connected;
  {
    INFO(serve.log_text());
    REQUIRE(serve.wait_serving(admin, 60s));
  }
  for (int c = 0; c < kClients; ++c) {
    const std::string define = R"({"command_id":"def-)" + sku_of(c) + R"(",)" + kStaff +
                               R"(,"sku":")" + sku_of(c) +
                               R"(","name":"P","price":{"amount":100,"currency":"EUR"}})";
    REQUIRE(code_of(ask(admin, "stockroom.cmd.product.define", define)) == "ok");
  }

  // Fill the disk.
  std::vector<Seen> seen(kClients);
  {
    const auto until = Clock::now() + 90s;
    std::vector<std::jthread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back(fill, nats.url(), c, until, std::ref(seen[static_cast<size_t>(c)]));
    }
  }
  const double fill_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  size_t acked = 0;
  size_t unavailable = 0;
  std::vector<std::string> refused;
  for (const Seen& s : seen) {
    INFO((s.other.empty() ? std::string() : s.other.front()));
    CHECK(s.other.empty());
    acked += s.acked.size();
    unavailable += s.unavailable.size();
    refused.insert(refused.end(), s.unavailable.begin(), s.unavailable.end());
  }
  WARN((tmpfs ? "12 MiB tmpfs" : "RLIMIT_FSIZE")
       << " full after " << acked << " receipts answered ok, " << unavailable
       << " answered UNAVAILABLE, in " << fill_seconds << " s");
  REQUIRE(unavailable >= 1);  // the disk filled before the deadline
  REQUIRE(acked > 0);

  // Full: serve is up, refuses every command, answers queries from what is durable.
  {
    INFO(serve.log_text());
    REQUIRE_FALSE(serve.exited().has_value());
  }
  CHECK(code_of(ask(admin, "stockroom.cmd.inventory.receive", receipt("after-full", sku_of(0)))) ==
        "UNAVAILABLE");
  for (int c = 0; c < kClients; ++c) {
    const auto d = ask(admin, "stockroom.query.stock", R"({"sku":")" + sku_of(c) + R"("})");
    INFO(sku_of(c));
    REQUIRE(d.HasMember("on_hand"));
    CHECK(d["on_hand"].GetInt64() ==
          static_cast<int64_t>(seen[static_cast<size_t>(c)].acked.size()));
    CHECK(d["reserved"].GetInt64() == 0);
  }
  {
    // Said once, with why.
    const std::string log = serve.log_text();
    INFO(log);
    const auto at = log.find(R"("event":"engine_read_only")");
    CHECK(at != std::string::npos);
    CHECK(log.find(R"("event":"engine_read_only")", at + 1) == std::string::npos);
  }
  const int stopped = serve.stop(SIGTERM);  // closes RocksDB on the full disk
  {
    INFO(serve.log_text());
    CHECK(WIFEXITED(stopped));  // not an abort
  }
  WARN("serve on the full disk stopped on SIGTERM with "
       << (WIFEXITED(stopped) ? "exit code " + std::to_string(WEXITSTATUS(stopped))
                              : "signal " + std::to_string(WTERMSIG(stopped))));

  // Room again: serve carries on on the same directory.
  if (tmpfs) tmpfs->grow(kRoomAgain);
  const auto restarted = Clock::now();
  serve.start();
  {
    INFO(serve.log_text());
    REQUIRE(serve.wait_serving(admin, 60s));
  }
  const std::string retried = refused.front();
  const int retried_client = std::stoi(retried.substr(1, retried.find('-') - 1));
  {
    const auto d =
        ask(admin, "stockroom.cmd.inventory.receive", receipt(retried, sku_of(retried_client)));
    CHECK(code_of(d) == "ok");
    CHECK_FALSE(d["duplicate"].GetBool());  // refused UNAVAILABLE: it was not written
  }
  for (int c = 0; c < kClients; ++c) {
    const auto d = ask(admin, "stockroom.cmd.inventory.receive",
                       receipt("again-" + std::to_string(c), sku_of(c)));
    CHECK(code_of(d) == "ok");
  }
  for (int c = 0; c < kClients; ++c) {
    const auto d = ask(admin, "stockroom.query.stock", R"({"sku":")" + sku_of(c) + R"("})");
    const int64_t expected = static_cast<int64_t>(seen[static_cast<size_t>(c)].acked.size()) + 1 +
                             (c == retried_client ? 1 : 0);
    INFO(sku_of(c));
    CHECK(d["on_hand"].GetInt64() == expected);
  }
  {
    const int status = serve.stop(SIGTERM);
    INFO(serve.log_text());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  // Nothing half-written: every ok at its position, nothing refused but the one resent.
  const auto checks = Clock::now();
  const double restart_seconds = std::chrono::duration<double>(checks - restarted).count();
  const Union u = fold_replay(std::string(STOCKROOM_BIN) + " replay --data " + data);
  INFO(joined(u.broken));
  CHECK(u.broken.empty());
  std::vector<std::string> breaks;
  for (const Seen& s : seen) {
    for (const auto& [id, position] : s.acked) {
      const auto at = u.positions.find(id);
      if (at == u.positions.end() || at->second != std::vector<uint64_t>{position}) {
        breaks.push_back(id + ": answered ok at " + std::to_string(position) +
                         ", not there in the log");
      }
    }
  }
  for (const std::string& id : refused) {
    const size_t times = u.positions.contains(id) ? u.positions.at(id).size() : 0;
    if (times != (id == retried ? 1U : 0U)) {
      breaks.push_back(id + ": refused UNAVAILABLE, " + std::to_string(times) +
                       " events in the log");
    }
  }
  if (u.positions.contains("after-full")) breaks.push_back("after-full: refused, in the log");
  INFO(joined(breaks));
  CHECK(breaks.empty());
  CHECK(u.events == kClients + acked + 1 + kClients);

  const Ran verified = run_command(std::string(STOCKROOM_BIN) + " verify --data " + data + " 2>&1");
  INFO(verified.out);
  CHECK(verified.exit_code == 0);
  const auto seconds = [](Clock::time_point from) {
    return std::chrono::duration<double>(Clock::now() - from).count();
  };
  WARN("disk full drill " << seconds(began) << " s: from the restart on the bigger disk to "
                          << "the last stop " << restart_seconds << " s, replay and verify "
                          << seconds(checks) << " s");
}

}  // namespace stockroom::testing::disk_full_drill_test

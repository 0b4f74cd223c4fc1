// Replay (adapters/tools/replay.h) over real RocksDB logs the engine wrote: the event
// shape, every filter, CSV quoting, the raw records (checked with plain OpenSSL
// SHA-256, not the log's code), and following a writer that keeps appending.
#include "adapters/tools/replay.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "adapters/wire/wire.h"
#include "engine/engine.h"
#include "engine/offline.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing::replay_test {
namespace {

using tools::ReplayFormat;
using tools::ReplayOptions;

constexpr int64_t kStart = 1'764'583'200'000'000;  // 2025-12-01T10:00:00Z
constexpr int64_t kMinute = 60'000'000;
// A name that needs every kind of CSV and JSON care.
const std::string kOddName = "Tasse, \"gro\xc3\x9f\"\nzweite Zeile \xe2\x98\x95";

// An engine whose clock the test moves: each command a minute after the last.
struct Store {
  TempDir dir;
  std::atomic<int64_t> now{kStart};
  std::unique_ptr<engine::Engine> engine;

  Store() {
    engine::EngineOptions o;
    o.data_dir = dir.str();
    o.durability = events::Durability::kNone;
    o.expiry_interval = Duration{3600LL * 1'000'000};
    o.clock = [this] { return Timestamp{now.load()}; };
    auto e = engine::Engine::open(o);
    REQUIRE(e.has_value());
    engine = std::move(*e);
  }

  void run(const std::string& id, Actor actor, Command command) {
    REQUIRE(engine->execute(envelope(id, std::move(actor), std::move(command))).has_value());
    now += kMinute;
  }

  // 2 products, a cart checked out into an order: 8 events over 6 minutes.
  void shop() {
    run("c1", staff(), DefineProduct{Sku("MUG"), kOddName, eur(1200)});
    run("c2", staff(), ReceiveStock{Sku("MUG"), Quantity{5}, ""});
    run("c3", staff(), DefineProduct{Sku("PEN"), "Pen", eur(300)});
    run("c4", customer("u1"), OpenCart{CartId("k1"), CustomerId("u1"), Currency("EUR")});
    run("c5", customer("u1"), AddCartItem{CartId("k1"), Sku("MUG"), Quantity{2}});
    run("c6", customer("u1"), CheckOutCart{CartId("k1"), OrderId("o1")});
  }
};

std::unique_ptr<events::EventLog> reader(
    const Store& s, engine::OfflineMode mode = engine::OfflineMode::kSnapshot) {
  auto log = engine::open_offline(s.dir.str(), mode);
  REQUIRE(log.has_value());
  return std::move(*log);
}

std::string run_replay(events::EventLog& log, const ReplayOptions& options) {
  std::string out;
  auto stats = tools::replay(log, options, [&](std::string_view block) -> Status {
    out += block;
    return {};
  });
  REQUIRE(stats.has_value());
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<uint64_t> positions(const std::string& json_lines) {
  std::vector<uint64_t> out;
  for (const std::string& line : lines(json_lines)) {
    REQUIRE(line.starts_with("{\"position\":"));
    out.push_back(std::stoull(line.substr(12)));
  }
  return out;
}

std::string field(const std::string& json, const std::string& name) {
  const auto at = json.find("\"" + name + "\":\"");
  REQUIRE(at != std::string::npos);
  const auto start = at + name.size() + 4;
  return json.substr(start, json.find('"', start) - start);
}

std::string from_base64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  size_t size = static_cast<size_t>(n);
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with("="))
    size -= 1;
  out.resize(size);
  return out;
}

std::string hex_of(const unsigned char* bytes, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

// A minimal RFC 4180 reader for the test: rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      rows.back().push_back(std::move(cell));
      cell.clear();
      rows.emplace_back();
    } else {
      cell.push_back(c);
    }
  }
  rows.pop_back();  // after the last newline
  return rows;
}

}  // namespace

TEST_CASE("replay writes every event, in position order, as the NATS API shows it",
          "[tools][replay]") {
  Store s;
  s.shop();
  auto log = reader(s);
  const std::string out = run_replay(*log, {});
  auto expected = s.engine->events_from(Position{1}, 100);
  REQUIRE(expected.has_value());
  REQUIRE(expected->size() == 8);
  const auto got = lines(out);
  REQUIRE(got.size() == expected->size());
  for (size_t i = 0; i < got.size(); ++i) {
    std::string json;
    wire::event_json((*expected)[i], json);
    CHECK(got[i] == json);
  }
}

TEST_CASE("replay filters by position, time, type, stream and kind, and their combination",
          "[tools][replay]") {
  Store s;
  s.shop();
  auto log = reader(s);
  auto replayed = [&](auto set) {
    ReplayOptions o;
    set(o.filter);
    return positions(run_replay(*log, o));
  };
  using F = tools::ReplayFilter;
  using V = std::vector<uint64_t>;
  CHECK(replayed([](F& f) { f.from = Position{3}, f.to = Position{5}; }) == V{3, 4, 5});
  // Events 1..6 are a minute apart; checkout's 3 events (6, 7, 8) share minute 5.
  CHECK(replayed([](F& f) { f.since = Timestamp{kStart + 2 * kMinute}; }) == V{3, 4, 5, 6, 7, 8});
  CHECK(replayed([](F& f) { f.until = Timestamp{kStart + 2 * kMinute}; }) == V{1, 2});
  CHECK(replayed([](F& f) {
          f.since = Timestamp{kStart + kMinute};
          f.until = Timestamp{kStart + 3 * kMinute + 1};
        }) == V{2, 3, 4});
  CHECK(replayed([](F& f) { f.since = Timestamp{kStart + 100 * kMinute}; }).empty());
  CHECK(replayed([](F& f) { f.types = {"ProductDefined", "StockReserved"}; }) == V{1, 3, 8});
  CHECK(replayed([](F& f) { f.streams = {"product-PEN", "cart-k1"}; }) == V{3, 4, 5, 6});
  CHECK(replayed([](F& f) { f.streams = {"product-MUG"}; }) == V{1, 2, 8});
  CHECK(replayed([](F& f) { f.streams = {"order-nobody"}; }).empty());
  CHECK(replayed([](F& f) { f.kinds = {"order"}; }) == V{7});
  CHECK(replayed([](F& f) { f.kinds = {"cart", "order"}; }) == V{4, 5, 6, 7});
  CHECK(replayed([](F& f) {
          f.kinds = {"product"};
          f.types = {"StockReceived", "StockReserved"};
          f.from = Position{3};
        }) == V{8});
  CHECK(replayed([](F& f) {
          f.streams = {"product-MUG", "cart-k1"};
          f.since = Timestamp{kStart + 4 * kMinute};
        }) == V{5, 6, 8});
}

TEST_CASE("a filter that cannot match is refused before anything is read", "[tools][replay]") {
  using F = tools::ReplayFilter;
  for (auto set : std::vector<std::function<void(F&)>>{
           [](F& f) { f.types = {"StockStolen"}; },
           [](F& f) { f.kinds = {"warehouse"}; },
           [](F& f) { f.from = Position{5}, f.to = Position{4}; },
           [](F& f) { f.since = Timestamp{2}, f.until = Timestamp{2}; },
       }) {
    F f;
    set(f);
    auto checked = tools::check_filter(f);
    REQUIRE_FALSE(checked.has_value());
    CHECK(checked.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("CSV has a fixed header, one row per event, and quotes what needs it",
          "[tools][replay]") {
  Store s;
  s.shop();
  auto log = reader(s);
  ReplayOptions o;
  o.format = ReplayFormat::kCsv;
  const std::string out = run_replay(*log, o);
  const auto rows = parse_csv(out);
  REQUIRE(rows.size() == 9);
  CHECK(rows[0] == std::vector<std::string>{"position", "time", "stream", "version", "type",
                                            "command_id", "actor_id", "actor_role", "hash",
                                            "data"});
  auto events = s.engine->events_from(Position{1}, 100).value();
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const engine::LoggedEvent& e = events[i - 1];
    REQUIRE(row.size() == 10);
    CHECK(row[0] == std::to_string(e.event.position.value));
    CHECK(row[1] == wire::time_text(e.event.time));
    CHECK(row[2] == e.event.stream);
    CHECK(row[4] == event_type_name(e.event.data));
    CHECK(row[6] == e.event.actor.id.str());
    CHECK(row[8] == events::to_hex(e.hash));
    std::string data;
    wire::event_data_json(e, data);
    CHECK(row[9] == data);
  }
  // The odd name survives: JSON escapes its quote and newline, UTF-8 stays as is.
  CHECK_THAT(rows[1][9], Catch::Contains("Tasse, \\\"gro\xc3\x9f\\\"\\nzweite Zeile \xe2\x98\x95"));
}

TEST_CASE(
    "with raw records, replay gives the stored record and the hash before it, and SHA-256 links "
    "them",
    "[tools][replay]") {
  Store s;
  s.shop();
  auto log = reader(s);
  for (const auto& filter : {tools::ReplayFilter{}, tools::ReplayFilter{.streams = {"cart-k1"}}}) {
    ReplayOptions o;
    o.with_raw = true;
    o.filter = filter;
    const auto got = lines(run_replay(*log, o));
    REQUIRE_FALSE(got.empty());
    std::string expected_prev =
        filter.streams.empty() ? std::string(64, '0') : std::string();  // checked below
    for (const std::string& line : got) {
      const uint64_t p = std::stoull(line.substr(12));
      const std::string record = from_base64(field(line, "record"));
      CHECK(record == log->read(Position{p}).value()->record);
      const std::string prev = field(line, "prev_hash");
      const std::string stored_prev =
          p == 1 ? std::string(64, '0') : events::to_hex(log->read(Position{p - 1}).value()->hash);
      CHECK(prev == stored_prev);
      if (!expected_prev.empty()) CHECK(prev == expected_prev);
      // The auditor's recomputation: SHA-256 over the raw previous hash then the record.
      std::string input;
      for (size_t i = 0; i < 64; i += 2) {
        input.push_back(static_cast<char>(std::stoi(prev.substr(i, 2), nullptr, 16)));
      }
      input += record;
      unsigned char digest[SHA256_DIGEST_LENGTH];
      SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
      CHECK(hex_of(digest, sizeof digest) == field(line, "hash"));
      if (filter.streams.empty()) expected_prev = field(line, "hash");
    }
  }
}

TEST_CASE("a following replay picks up what the writer appends after it started, until stopped",
          "[tools][replay]") {
  Store s;
  s.shop();
  auto log = reader(s, engine::OfflineMode::kFollow);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::string out;
  ReplayOptions o;
  o.follow = true;
  o.stop = &stop;
  o.poll = std::chrono::milliseconds(20);
  o.filter.types = {"StockReceived"};
  std::thread follower([&] {
    auto stats = tools::replay(*log, o, [&](std::string_view block) -> Status {
      std::lock_guard lock(mu);
      out += block;
      return {};
    });
    CHECK(stats.has_value());
  });
  auto seen = [&] {
    std::lock_guard lock(mu);
    return positions(out);
  };
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 500 && seen().size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return seen();
  };
  CHECK(wait_for(1) == std::vector<uint64_t>{2});
  for (int i = 0; i < 3; ++i)
    s.run("more-" + std::to_string(i), staff(), ReceiveStock{Sku("PEN"), Quantity{1}, ""});
  CHECK(wait_for(4) == std::vector<uint64_t>{2, 9, 10, 11});
  stop = true;
  follower.join();
}

TEST_CASE("a following replay ends by itself once it has passed --to-position", "[tools][replay]") {
  Store s;
  s.shop();
  auto log = reader(s, engine::OfflineMode::kFollow);
  ReplayOptions o;
  o.follow = true;
  o.poll = std::chrono::milliseconds(10);
  o.filter.to = Position{11};
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int i = 0; i < 3; ++i)
      s.run("late-" + std::to_string(i), staff(), ReceiveStock{Sku("PEN"), Quantity{1}, ""});
  });
  const std::string out = run_replay(*log, o);
  writer.join();
  CHECK(positions(out) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
}

}  // namespace stockroom::testing::replay_test

namespace stockroom::testing::replay_test {

TEST_CASE("a follower opens the log alone unless asked for its indexes, and says so",
          "[tools][replay]") {
  Store s;
  s.shop();
  auto bare = reader(s, engine::OfflineMode::kFollow);
  auto refused = bare->read_stream("cart-k1", StreamVersion{1}, 10);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  CHECK(bare->read(Position{8}).value().has_value());  // the log itself reads

  // With its indexes a follower follows named streams.
  auto log = reader(s, engine::OfflineMode::kFollowWithIndexes);
  ReplayOptions o;
  o.follow = true;
  o.poll = std::chrono::milliseconds(10);
  o.filter.streams = {"product-PEN"};
  o.filter.to = Position{10};
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s.run("pen-1", staff(), ReceiveStock{Sku("MUG"), Quantity{1}, ""});  // 9: not PEN
    s.run("pen-2", staff(), ReceiveStock{Sku("PEN"), Quantity{1}, ""});  // 10
  });
  const std::string out = run_replay(*log, o);
  writer.join();
  CHECK(positions(out) == std::vector<uint64_t>{3, 10});
}

}  // namespace stockroom::testing::replay_test

// What an order event of a partition owes the partitions holding its stock
// (adapters/nats/settlement.h): which settlements, their command ids, their requests as
// the product partition's codec reads them, and what each reply means. No I/O.
#include "adapters/nats/settlement.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <limits>
#include <string>
#include <vector>

#include "adapters/wire/wire.h"
#include "engine/model/routing.h"

namespace stockroom::testing {
namespace {

using nats_adapter::judge_settle_reply;
using nats_adapter::Settlement;
using nats_adapter::settlements_of;
using nats_adapter::SettleOutcome;

constexpr uint32_t kPartitions = 4;
constexpr uint32_t kOrigin = 2;

// A sku with `stem` that lives in `partition` of kPartitions.
Sku sku_in(const std::string& stem, uint32_t partition) {
  for (int k = 0;; ++k) {
    std::string sku = stem + "-" + std::to_string(k);
    if (partition_of(sku, kPartitions) == partition) return Sku(sku);
  }
}

const Sku kMug = sku_in("mug", 3);
const Sku kCup = sku_in("cup", 1);
const Sku kPot = sku_in("pot", 3);
const OrderId kOrder("o-1");

std::vector<OrderLine> order_lines() {
  const Money price{100, Currency("EUR")};
  return {{kMug, Quantity{2}, price}, {kCup, Quantity{1}, price}, {kPot, Quantity{5}, price}};
}

RecordedEvent recorded(EventData data, uint64_t position = 42) {
  RecordedEvent e;
  e.position = Position{position};
  e.stream = order_stream(kOrder);
  e.data = std::move(data);
  return e;
}

const SettleStock& settle_of(const Settlement& s) {
  return std::get<SettleStock>(s.envelope.command);
}

std::vector<ReturnLine> lines(std::initializer_list<std::pair<Sku, int64_t>> list) {
  std::vector<ReturnLine> out;
  for (const auto& [sku, quantity] : list) out.push_back({sku, Quantity{quantity}});
  return out;
}

}  // namespace

TEST_CASE("a cancel releases every line with one settle per product partition",
          "[nats][settlement]") {
  const auto owed = settlements_of(recorded(OrderCancelled{kOrder, "changed mind", {}}),
                                   order_lines(), kOrigin, kPartitions);
  REQUIRE(owed.size() == 2);
  // Ascending partitions; each one's lines in the order's order.
  CHECK(owed[0].partition == 1);
  CHECK(settle_of(owed[0]) == SettleStock{kOrder, StockEffect::kRelease, lines({{kCup, 1}})});
  CHECK(owed[1].partition == 3);
  CHECK(settle_of(owed[1]) ==
        SettleStock{kOrder, StockEffect::kRelease, lines({{kMug, 2}, {kPot, 5}})});
  CHECK(owed[0].envelope.command_id == CommandId("settle-p2-42-1"));
  CHECK(owed[1].envelope.command_id == CommandId("settle-p2-42-3"));
  for (const Settlement& s : owed) {
    CHECK(s.envelope.actor == Actor{ActorId("stockroom-p2"), Role::kService});
    CHECK_FALSE(s.envelope.expected_version.has_value());
  }
}

TEST_CASE("an expiry releases and a shipment ships every line", "[nats][settlement]") {
  const auto expired =
      settlements_of(recorded(OrderExpired{kOrder, {}}, 7), order_lines(), kOrigin, kPartitions);
  REQUIRE(expired.size() == 2);
  CHECK(settle_of(expired[1]).effect == StockEffect::kRelease);
  CHECK(settle_of(expired[1]).lines == lines({{kMug, 2}, {kPot, 5}}));
  CHECK(expired[1].envelope.command_id == CommandId("settle-p2-7-3"));
  const auto shipped = settlements_of(recorded(OrderShipped{kOrder, "dhl", "t-1"}, 9),
                                      order_lines(), kOrigin, kPartitions);
  REQUIRE(shipped.size() == 2);
  CHECK(settle_of(shipped[0]) == SettleStock{kOrder, StockEffect::kShip, lines({{kCup, 1}})});
  CHECK(settle_of(shipped[1]) ==
        SettleStock{kOrder, StockEffect::kShip, lines({{kMug, 2}, {kPot, 5}})});
}

TEST_CASE("a return settles the returned lines only and only when it restocks",
          "[nats][settlement]") {
  const auto restocked =
      settlements_of(recorded(OrderItemsReturned{kOrder, lines({{kPot, 3}}), true}), order_lines(),
                     kOrigin, kPartitions);
  REQUIRE(restocked.size() == 1);
  CHECK(restocked[0].partition == 3);
  CHECK(settle_of(restocked[0]) == SettleStock{kOrder, StockEffect::kReturn, lines({{kPot, 3}})});
  const auto kept = settlements_of(recorded(OrderItemsReturned{kOrder, lines({{kPot, 3}}), false}),
                                   order_lines(), kOrigin, kPartitions);
  CHECK(kept.empty());
}

TEST_CASE("events that move no stock owe nothing", "[nats][settlement]") {
  for (const EventData& data : std::vector<EventData>{
           OrderPaid{kOrder}, OrderDelivered{kOrder}, StockReleased{kMug, kOrder, Quantity{1}},
           OrderPlaced{kOrder, CartId("c"), CustomerId("u"), order_lines(), {}, {}, true}}) {
    CHECK(settlements_of(recorded(data), order_lines(), kOrigin, kPartitions).empty());
    CHECK_FALSE(nats_adapter::settled_order(data).has_value());
  }
  // An order without lines (none known) owes nothing either.
  CHECK(
      settlements_of(recorded(OrderCancelled{kOrder, "r", {}}), {}, kOrigin, kPartitions).empty());
}

TEST_CASE("a sku named twice settles as one line of their sum", "[nats][settlement]") {
  const Money price{100, Currency("EUR")};
  const std::vector<OrderLine> twice{{kMug, Quantity{2}, price}, {kMug, Quantity{3}, price}};
  const auto owed =
      settlements_of(recorded(OrderShipped{kOrder, "", ""}), twice, kOrigin, kPartitions);
  REQUIRE(owed.size() == 1);
  CHECK(settle_of(owed[0]).lines == lines({{kMug, 5}}));
}

TEST_CASE("every settle command id is a valid id even at the largest positions",
          "[nats][settlement]") {
  const CommandId id = nats_adapter::settle_command_id(
      std::numeric_limits<uint32_t>::max(), Position{std::numeric_limits<uint64_t>::max()},
      std::numeric_limits<uint32_t>::max());
  CHECK(is_valid_id(id.str()));
  CHECK(id.str().size() <= 50);
  CHECK(nats_adapter::settle_command_id(0, Position{1}, 0) == CommandId("settle-p0-1-0"));
}

TEST_CASE("a settle request decodes to its settlement on the keyed subject of its first sku",
          "[nats][settlement]") {
  const auto owed = settlements_of(recorded(OrderCancelled{kOrder, "r", {}}), order_lines(),
                                   kOrigin, kPartitions);
  REQUIRE(owed.size() == 2);
  const Settlement& s = owed[1];
  CHECK(nats_adapter::settle_subject("acme", s) == "acme.cmd.stock.settle." + kMug.str());
  // The subject's key routes to the settlement's partition.
  CHECK(partition_of(kMug.str(), kPartitions) == s.partition);
  const std::string request = nats_adapter::settle_request(s);
  rapidjson::Document d;
  d.Parse(request.c_str());
  INFO(request);
  REQUIRE(d.IsObject());
  CHECK(std::string(d["effect"].GetString()) == "release");
  CHECK(std::string(d["actor"]["role"].GetString()) == "service");
  // What the product partition's codec makes of it is the settlement itself.
  auto decoded = wire::json_codec().decode_command("stock.settle", request);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == s.envelope);
}

TEST_CASE("replies: ok and duplicate acknowledge and UNAVAILABLE or no reply retries",
          "[nats][settlement]") {
  const wire::Codec& codec = wire::json_codec();
  std::string reply;
  engine::CommandResult result{CommandId("settle-p2-42-3"), false, Position{9}, {}};
  codec.command_reply("settle-p2-42-3", result, reply);
  CHECK(judge_settle_reply(reply).outcome == SettleOutcome::kAcknowledged);
  CHECK_FALSE(judge_settle_reply(reply).duplicate);
  result.duplicate = true;
  codec.command_reply("settle-p2-42-3", result, reply);
  CHECK(judge_settle_reply(reply).outcome == SettleOutcome::kAcknowledged);
  CHECK(judge_settle_reply(reply).duplicate);
  codec.command_reply("settle-p2-42-3",
                      std::unexpected(Error{ErrorCode::kUnavailable, "busy: queue full", {}, {}}),
                      reply);
  CHECK(judge_settle_reply(reply).outcome == SettleOutcome::kRetry);
  CHECK(judge_settle_reply(reply).message == "busy: queue full");
  for (const char* junk : {"", "not json", "[]", R"({"ok":"yes"})", R"({"ok":false})"}) {
    INFO(junk);
    CHECK(judge_settle_reply(junk).outcome == SettleOutcome::kRetry);
  }
}

TEST_CASE("replies: a refusal other than UNAVAILABLE is definite", "[nats][settlement]") {
  std::string reply;
  for (const ErrorCode code : {ErrorCode::kAmountExceeded, ErrorCode::kNotFound,
                               ErrorCode::kConflict, ErrorCode::kInvalidArgument}) {
    wire::json_codec().command_reply(
        "settle-p2-42-3", std::unexpected(Error{code, "no such reservation", {}, {}}), reply);
    const auto judged = judge_settle_reply(reply);
    INFO(reply);
    CHECK(judged.outcome == SettleOutcome::kRefused);
    CHECK(judged.code == error_code_name(code));
    CHECK(judged.message == "no such reservation");
  }
  // A code this build does not know is a refusal too, not a reason to resend forever.
  CHECK(judge_settle_reply(R"({"ok":false,"error":{"code":"NEW_CODE","message":"m"}})").outcome ==
        SettleOutcome::kRefused);
}

}  // namespace stockroom::testing

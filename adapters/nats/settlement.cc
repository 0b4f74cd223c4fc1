#include "adapters/nats/settlement.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <variant>

#include "engine/model/routing.h"

namespace stockroom::nats_adapter {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// What an event asks of the stock held elsewhere: an effect and its lines.
struct Owed {
  StockEffect effect = StockEffect::kRelease;
  std::vector<ReturnLine> lines;
};

Owed all_lines(StockEffect effect, std::span<const OrderLine> order_lines) {
  Owed owed{effect, {}};
  for (const OrderLine& line : order_lines) owed.lines.push_back({line.sku, line.quantity});
  return owed;
}

std::optional<Owed> owed_by(const EventData& event, std::span<const OrderLine> order_lines) {
  if (std::holds_alternative<OrderCancelled>(event) ||
      std::holds_alternative<OrderExpired>(event)) {
    return all_lines(StockEffect::kRelease, order_lines);
  }
  if (std::holds_alternative<OrderShipped>(event)) {
    return all_lines(StockEffect::kShip, order_lines);
  }
  if (const auto* returned = std::get_if<OrderItemsReturned>(&event);
      returned && returned->restock) {
    return Owed{StockEffect::kReturn, returned->lines};
  }
  return std::nullopt;
}

// Adds `line` to `lines`, summing a sku already there (stock.settle names each once).
void add_line(std::vector<ReturnLine>& lines, const ReturnLine& line) {
  auto same = std::find_if(lines.begin(), lines.end(),
                           [&](const ReturnLine& l) { return l.sku == line.sku; });
  if (same == lines.end()) {
    lines.push_back(line);
  } else {
    same->quantity.value += line.quantity.value;
  }
}

void put(JsonWriter& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

constexpr std::string_view kUnavailable = "UNAVAILABLE";

SettleReply retry(std::string message) {
  return {SettleOutcome::kRetry, false, std::string(kUnavailable), std::move(message)};
}

}  // namespace

const std::vector<std::string>& settle_event_types() {
  static const std::vector<std::string> types{"OrderCancelled", "OrderExpired", "OrderShipped",
                                              "OrderItemsReturned"};
  return types;
}

std::optional<OrderId> settled_order(const EventData& event) {
  if (const auto* e = std::get_if<OrderCancelled>(&event)) return e->order_id;
  if (const auto* e = std::get_if<OrderExpired>(&event)) return e->order_id;
  if (const auto* e = std::get_if<OrderShipped>(&event)) return e->order_id;
  if (const auto* e = std::get_if<OrderItemsReturned>(&event)) return e->order_id;
  return std::nullopt;
}

CommandId settle_command_id(uint32_t origin, Position position, uint32_t partition) {
  return CommandId(fmt::format("settle-p{}-{}-{}", origin, position.value, partition));
}

std::vector<Settlement> settlements_of(const RecordedEvent& event,
                                       std::span<const OrderLine> order_lines, uint32_t origin,
                                       uint32_t partitions) {
  const std::optional<OrderId> order = settled_order(event.data);
  std::optional<Owed> owed = owed_by(event.data, order_lines);
  if (!order || !owed) return {};
  std::map<uint32_t, std::vector<ReturnLine>> by_partition;
  for (const ReturnLine& line : owed->lines) {
    add_line(by_partition[partition_of(line.sku.str(), partitions)], line);
  }
  const Actor actor{ActorId(fmt::format("stockroom-p{}", origin)), Role::kService};
  std::vector<Settlement> out;
  for (auto& [partition, lines] : by_partition) {
    out.push_back(Settlement{
        partition,
        CommandEnvelope{settle_command_id(origin, event.position, partition), actor, std::nullopt,
                        SettleStock{*order, owed->effect, std::move(lines)}}});
  }
  return out;
}

std::string settle_subject(std::string_view prefix, const Settlement& settlement) {
  const auto& settle = std::get<SettleStock>(settlement.envelope.command);
  return fmt::format("{}.cmd.stock.settle.{}", prefix, settle.lines.front().sku.str());
}

std::string settle_request(const Settlement& settlement) {
  const CommandEnvelope& envelope = settlement.envelope;
  const auto& settle = std::get<SettleStock>(envelope.command);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put(w, "command_id", envelope.command_id.str());
  w.Key("actor");
  w.StartObject();
  put(w, "id", envelope.actor.id.str());
  put(w, "role", role_name(envelope.actor.role));
  w.EndObject();
  put(w, "order_id", settle.order_id.str());
  put(w, "effect", stock_effect_name(settle.effect));
  w.Key("lines");
  w.StartArray();
  for (const ReturnLine& line : settle.lines) {
    w.StartObject();
    put(w, "sku", line.sku.str());
    w.Key("quantity");
    w.Int64(line.quantity.value);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

SettleReply judge_settle_reply(std::string_view reply) {
  rapidjson::Document d;
  d.Parse(reply.data(), reply.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("ok") || !d["ok"].IsBool()) {
    return retry(fmt::format("not a command reply: {:.200}", reply));
  }
  if (d["ok"].GetBool()) {
    const bool duplicate =
        d.HasMember("duplicate") && d["duplicate"].IsBool() && d["duplicate"].GetBool();
    return {SettleOutcome::kAcknowledged, duplicate, {}, {}};
  }
  const auto error = d.FindMember("error");
  if (error == d.MemberEnd() || !error->value.IsObject() || !error->value.HasMember("code") ||
      !error->value["code"].IsString()) {
    return retry(fmt::format("a refusal without an error code: {:.200}", reply));
  }
  std::string code = error->value["code"].GetString();
  std::string message = error->value.HasMember("message") && error->value["message"].IsString()
                            ? error->value["message"].GetString()
                            : std::string();
  if (code == kUnavailable) return retry(std::move(message));
  return {SettleOutcome::kRefused, false, std::move(code), std::move(message)};
}

}  // namespace stockroom::nats_adapter

// The union of every partition's log of a test cluster, read back from JetStream with
// `stockroom replay --cluster` (STOCKROOM_BIN) and folded, and the invariants of
// domain.md and of the checkout saga (docs/scale-out.md) checked on it: what the
// cluster tests check after a race, a chaos run or a failover. Test support only.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/run_command.h"

namespace stockroom::testing {

// A checkout's or an order's lines: sku -> quantity.
using Lines = std::map<std::string, int64_t>;

// The union of every partition's log, folded: what domain.md's invariants and the
// saga's promises are checked on.
struct Union {
  uint64_t events = 0;
  std::vector<std::string> broken;  // every invariant that failed, with its subject
  std::map<std::string, std::pair<int64_t, int64_t>> stock;  // sku -> on_hand, reserved
  // (sku, order) -> units reserved and not yet released or shipped; shipped units.
  std::map<std::pair<std::string, std::string>, int64_t> held;
  std::map<std::pair<std::string, std::string>, int64_t> shipped;
  std::map<std::string, Lines> placed;  // OrderPlaced, by order id
  std::map<std::string, int> placed_count;
  std::set<std::string> ended;  // OrderCancelled / OrderExpired
  std::set<std::string> order_shipped;
  std::map<std::string, int> started;   // cart -> CheckoutStarted
  std::map<std::string, int> closed;    // cart -> CartCheckedOut + CheckoutFailed
  std::map<std::string, int> received;  // command id -> StockReceived events
  // command id -> the positions of its events (per partition: a single node's are unique)
  std::map<std::string, std::vector<uint64_t>> positions;
};

inline int64_t quantity_of(const rapidjson::Value& data) { return data["quantity"].GetInt64(); }

// Folds what `replay_command` (a `stockroom replay` command line) prints. Each
// product's events are in one partition, in position order: reserved and available are
// checked after every event, not only at the end. A single node's log is partition 0.
inline Union fold_replay(const std::string& replay_command) {
  Union u;
  const Ran replayed = run_command(replay_command + " 2>&1");
  if (replayed.exit_code != 0) {
    u.broken.push_back("replay failed: " + replayed.out.substr(0, 2000));
    return u;
  }
  std::map<uint32_t, uint64_t> last;  // partition -> its last position
  for (size_t at = 0; at < replayed.out.size();) {
    size_t end = replayed.out.find('\n', at);
    if (end == std::string::npos) end = replayed.out.size();
    rapidjson::Document e;
    e.Parse(replayed.out.data() + at, end - at);
    at = end + 1;
    if (!e.IsObject() || !e.HasMember("type")) {
      u.broken.push_back("a line of replay is no event");
      continue;
    }
    ++u.events;
    const uint32_t p = e.HasMember("partition") ? e["partition"].GetUint() : 0;
    const uint64_t position = e["position"].GetUint64();
    if (position != last[p] + 1) {
      u.broken.push_back("partition " + std::to_string(p) + " has a gap before position " +
                         std::to_string(position));
    }
    last[p] = position;
    u.positions[e["command_id"].GetString()].push_back(position);
    const std::string type = e["type"].GetString();
    const rapidjson::Value& data = e["data"];
    const auto sku_order = [&] {
      return std::make_pair(std::string(data["sku"].GetString()),
                            std::string(data["order_id"].GetString()));
    };
    const auto check_stock = [&](const std::string& sku) {
      const auto& [on_hand, reserved] = u.stock[sku];
      if (reserved < 0 || reserved > on_hand) {
        u.broken.push_back(sku + " at position " + std::to_string(position) + " of partition " +
                           std::to_string(p) + ": on_hand " + std::to_string(on_hand) +
                           ", reserved " + std::to_string(reserved));
      }
    };
    if (type == "StockReceived") {
      u.stock[data["sku"].GetString()].first += quantity_of(data);
      ++u.received[e["command_id"].GetString()];
    } else if (type == "StockReserved" || type == "StockReleased" || type == "StockShipped") {
      const auto key = sku_order();
      const int64_t q = quantity_of(data);
      auto& [on_hand, reserved] = u.stock[key.first];
      if (type == "StockReserved") {
        reserved += q;
        u.held[key] += q;
      } else {
        reserved -= q;
        u.held[key] -= q;
        if (type == "StockShipped") {
          on_hand -= q;
          u.shipped[key] += q;
        }
      }
      if (u.held[key] < 0) {
        u.broken.push_back("order " + key.second + " released more " + key.first +
                           " than it reserved");
      }
      check_stock(key.first);
    } else if (type == "StockReturned") {
      u.stock[data["sku"].GetString()].first += quantity_of(data);
    } else if (type == "OrderPlaced") {
      const std::string order = data["order_id"].GetString();
      Lines lines;
      for (const auto& l : data["lines"].GetArray()) {
        lines[l["sku"].GetString()] += l["quantity"].GetInt64();
      }
      u.placed[order] = lines;
      ++u.placed_count[order];
    } else if (type == "OrderCancelled" || type == "OrderExpired") {
      u.ended.insert(data["order_id"].GetString());
    } else if (type == "OrderShipped") {
      const std::string order = data["order_id"].GetString();
      if (!u.order_shipped.insert(order).second) {
        u.broken.push_back("order " + order + " shipped twice, again at position " +
                           std::to_string(position));
      }
    } else if (type == "CheckoutStarted") {
      ++u.started[data["cart_id"].GetString()];
    } else if (type == "CartCheckedOut" || type == "CheckoutFailed") {
      ++u.closed[data["cart_id"].GetString()];
    }
  }
  return u;
}

// Reads every partition's stream from JetStream (replay --cluster) and folds it.
inline Union fold_union(const std::string& urls) {
  return fold_replay(std::string(STOCKROOM_BIN) + " replay --cluster --nats " + urls);
}

// What must hold once the system is quiet (every saga ended, every outbox drained).
inline std::vector<std::string> quiet_breaks(const Union& u) {
  std::vector<std::string> broken;
  for (const auto& [key, units] : u.held) {
    const auto& [sku, order] = key;
    const auto placed = u.placed.find(order);
    if (units != 0 && placed == u.placed.end()) {
      broken.push_back(std::to_string(units) + " of " + sku + " reserved for order " + order +
                       ", which does not exist");
    } else if (units != 0 && (u.ended.count(order) || u.order_shipped.count(order))) {
      broken.push_back(std::to_string(units) + " of " + sku + " still reserved for order " + order +
                       ", which has ended or shipped");
    }
  }
  for (const auto& [order, lines] : u.placed) {
    const bool live = !u.ended.count(order) && !u.order_shipped.count(order);
    for (const auto& [sku, quantity] : lines) {
      const auto at = u.held.find({sku, order});
      const int64_t held = at == u.held.end() ? 0 : at->second;
      if (live && held != quantity) {
        broken.push_back("order " + order + " holds " + std::to_string(held) + " of " + sku +
                         " for a line of " + std::to_string(quantity));
      }
      const auto s = u.shipped.find({sku, order});
      const int64_t shipped = s == u.shipped.end() ? 0 : s->second;
      if (u.order_shipped.count(order) && shipped != quantity) {
        broken.push_back("order " + order + " shipped " + std::to_string(shipped) + " of " + sku +
                         " for a line of " + std::to_string(quantity));
      }
    }
  }
  for (const auto& [cart, started] : u.started) {
    const auto at = u.closed.find(cart);
    const int closed = at == u.closed.end() ? 0 : at->second;
    if (closed != started) {
      broken.push_back("cart " + cart + ": " + std::to_string(started) + " checkouts started, " +
                       std::to_string(closed) + " ended");
    }
  }
  return broken;
}

inline std::string joined(const std::vector<std::string>& lines, size_t most = 20) {
  std::ostringstream out;
  for (size_t i = 0; i < lines.size() && i < most; ++i) out << lines[i] << "\n";
  if (lines.size() > most) out << "… and " << lines.size() - most << " more\n";
  return out.str();
}

}  // namespace stockroom::testing

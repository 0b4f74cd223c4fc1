#include "engine/model/command.h"

#include <array>
#include <utility>

namespace stockroom {
namespace {

// Names in the order of the Command variant's alternatives.
constexpr std::array<std::string_view, std::variant_size_v<Command>> kCommandNames = {
    "product.define",    "product.reprice",    "product.retire",
    "inventory.receive", "inventory.adjust",   "cart.open",
    "cart.add_item",     "cart.remove_item",   "cart.abandon",
    "cart.checkout",     "order.cancel",       "order.ship",
    "order.deliver",     "order.return",       "payment.authorize",
    "payment.capture",   "payment.void",       "payment.fail",
    "payment.refund",    "rating.submit",      "rating.reject",
    "stock.hold",        "stock.release_hold", "stock.confirm_hold",
    "rating.record",     "order.place",        "stock.settle",
    "stock.expire_hold", "order.expire",       "cart.finish_checkout",
};
// The engine's own commands are the last ones: they have no public name.
constexpr size_t kEngineCommands = 3;

template <size_t... I>
std::optional<Command> make_alternative(size_t index, std::index_sequence<I...>) {
  std::optional<Command> out;
  ((index == I ? (out.emplace(std::in_place_index<I>), true) : false) || ...);
  return out;
}

}  // namespace

std::string_view stock_effect_name(StockEffect effect) noexcept {
  switch (effect) {
    case StockEffect::kRelease:
      return "release";
    case StockEffect::kShip:
      return "ship";
    case StockEffect::kReturn:
      return "return";
  }
  return "release";
}

std::string_view command_name(const Command& command) noexcept {
  return kCommandNames[command.index()];
}

CommandId expiry_command_id(const OrderId& order) { return CommandId("expire:" + order.str()); }

bool is_engine_command(const Command& command) noexcept {
  return std::holds_alternative<ExpireOrder>(command) ||
         std::holds_alternative<ExpireHold>(command) ||
         std::holds_alternative<FinishCheckout>(command);
}

CommandId engine_command_id(const Command& command) {
  if (const auto* hold = std::get_if<ExpireHold>(&command)) {
    return CommandId("expire-hold:" + hold->sku.str() + "~" + hold->order_id.str());
  }
  if (const auto* end = std::get_if<FinishCheckout>(&command)) {
    return CommandId((end->refusing ? "checkout-refused:" : "checkout-end:") + end->cart_id.str() +
                     "~" + std::to_string(end->attempt));
  }
  return expiry_command_id(std::get<ExpireOrder>(command).order_id);
}

std::optional<Command> command_for_name(std::string_view name) {
  for (size_t i = 0; i + kEngineCommands < kCommandNames.size(); ++i) {
    if (kCommandNames[i] == name) {
      return make_alternative(i, std::make_index_sequence<std::variant_size_v<Command>>{});
    }
  }
  return std::nullopt;
}

}  // namespace stockroom

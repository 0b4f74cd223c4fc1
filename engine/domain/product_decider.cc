#include "engine/domain/product_decider.h"

#include <string>

#include "engine/model/checked_math.h"

namespace stockroom {

Status check_defined(const Sku& sku, const ProductState& product) {
  if (product.defined) return {};
  return refuse_not_found("product", "sku", sku.str());
}

Status check_active(const Sku& sku, const ProductState& product) {
  if (auto s = check_defined(sku, product); !s) return s;
  if (!product.retired) return {};
  return refuse_state("product " + sku.str() + " is retired", {{"sku", sku.str()}});
}

Decision decide(const DefineProduct& command, const ProductState& product) {
  if (product.version.value > 0) {
    return fail(ErrorCode::kAlreadyExists, "product " + command.sku.str() + " is already defined",
                {{"sku", command.sku.str()}});
  }
  return accept(ProductDefined{command.sku, command.name, command.price});
}

Decision decide(const RepriceProduct& command, const ProductState& product) {
  if (auto s = check_active(command.sku, product); !s) return std::unexpected(s.error());
  if (command.price.currency != product.price.currency) {
    return refuse_currency("product", product.price.currency, command.price.currency);
  }
  return accept(ProductRepriced{command.sku, command.price});
}

Decision decide(const RetireProduct& command, const ProductState& product) {
  if (auto s = check_active(command.sku, product); !s) return std::unexpected(s.error());
  return accept(ProductRetired{command.sku});
}

Decision decide(const ReceiveStock& command, const ProductState& product) {
  if (auto s = check_defined(command.sku, product); !s) return std::unexpected(s.error());
  if (!checked_add(product.on_hand, command.quantity.value)) {
    return refuse_overflow("on_hand of " + command.sku.str());
  }
  return accept(StockReceived{command.sku, command.quantity, command.reference});
}

Decision decide(const AdjustStock& command, const ProductState& product) {
  if (auto s = check_defined(command.sku, product); !s) return std::unexpected(s.error());
  std::optional<int64_t> on_hand = checked_add(product.on_hand, command.delta.value);
  if (!on_hand) return refuse_overflow("on_hand of " + command.sku.str());
  if (*on_hand < product.reserved) {
    const std::string& sku = command.sku.str();
    int64_t requested = -command.delta.value;
    int64_t available = product.available();
    Refusal refusal = fail(ErrorCode::kOutOfStock,
                           sku + ": adjusting by " + std::to_string(command.delta.value) +
                               " leaves on_hand below the " + std::to_string(product.reserved) +
                               " reserved; available " + std::to_string(available),
                           {{"sku", sku}, {"requested", requested}, {"available", available}});
    refusal.error().shortages.push_back(Shortage{sku, requested, available});
    return refusal;
  }
  return accept(StockAdjusted{command.sku, command.delta, command.reason});
}

}  // namespace stockroom

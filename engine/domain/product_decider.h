// The product decider: catalogue entry and stock of one sku (stream product-<sku>).
//
// Each function decides one command against the product's state; the command has
// passed validate() and the role policy. Pure. Refusals: NOT_FOUND (never defined),
// ALREADY_EXISTS, INVALID_STATE (retired), CURRENCY_MISMATCH, OUT_OF_STOCK (an
// adjustment below what is reserved), AMOUNT_EXCEEDED (overflow).
#pragma once

#include "engine/domain/decision.h"
#include "engine/domain/state.h"
#include "engine/model/command.h"

namespace stockroom {

// sku new -> ProductDefined.
[[nodiscard]] Decision decide(const DefineProduct& command, const ProductState& product);

// defined, not retired, same currency -> ProductRepriced.
[[nodiscard]] Decision decide(const RepriceProduct& command, const ProductState& product);

// defined, not retired -> ProductRetired.
[[nodiscard]] Decision decide(const RetireProduct& command, const ProductState& product);

// defined (a retired product may still receive stock) -> StockReceived.
[[nodiscard]] Decision decide(const ReceiveStock& command, const ProductState& product);

// defined; on_hand + delta >= reserved -> StockAdjusted.
[[nodiscard]] Decision decide(const AdjustStock& command, const ProductState& product);

// NOT_FOUND unless the product is defined.
[[nodiscard]] Status check_defined(const Sku& sku, const ProductState& product);

// check_defined, then INVALID_STATE when retired.
[[nodiscard]] Status check_active(const Sku& sku, const ProductState& product);

}  // namespace stockroom

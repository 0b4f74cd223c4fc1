// The stock view (domain.md, "Read models"): one product's catalogue entry and stock,
// keyed by sku, kept from the product-<sku> stream. Pure: no I/O.
//
// JSON (field order fixed; the stored bytes are what query.stock returns):
//   {"sku":"SKU-1","name":"Mug","price":{"amount":1200,"currency":"EUR"},
//    "retired":false,"on_hand":10,"reserved":3,"available":7,"version":4,"position":17}
#pragma once

#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "engine/model/event.h"
#include "engine/model/types.h"

namespace stockroom::projections {

struct StockView {
  Sku sku;
  std::string name;
  Money price;
  bool retired = false;
  int64_t on_hand = 0;
  int64_t reserved = 0;
  StreamVersion version;  // the product stream's version
  Position position;      // the last event applied
  [[nodiscard]] int64_t available() const noexcept { return on_hand - reserved; }
  bool operator==(const StockView&) const = default;
};

// Folds one event into the view like evolve() folds ProductState. Events of other
// streams, or of another sku than a non-empty view.sku, leave the view unchanged.
void apply(StockView& view, const RecordedEvent& event);

[[nodiscard]] std::string to_json(const StockView& view);

// The inverse of to_json; kMalformed for anything that is not a stock view's JSON
// (including an `available` that is not on_hand - reserved).
[[nodiscard]] Result<StockView> stock_view_from_json(std::string_view json);

}  // namespace stockroom::projections

#include "projections/stock_view.h"

#include <variant>

#include "engine/model/checked_math.h"
#include "projections/internal/event_keys.h"
#include "projections/internal/json.h"
#include "projections/internal/saturating.h"

namespace stockroom::projections {
namespace {

using internal::FieldReader;
using internal::put;
constexpr auto add = internal::saturating_add;
constexpr auto sub = internal::saturating_sub;

// Mirrors evolve()'s ProductFold. The deciders keep every count within int64 (they
// refuse an overflow with AMOUNT_EXCEEDED), so the saturating sums are exact here.
struct StockFold {
  StockView& v;

  void operator()(const ProductDefined& e) const {
    v.name = e.name;
    v.price = e.price;
  }
  void operator()(const ProductRepriced& e) const { v.price = e.price; }
  void operator()(const ProductRetired&) const { v.retired = true; }
  void operator()(const StockReceived& e) const { v.on_hand = add(v.on_hand, e.quantity.value); }
  void operator()(const StockAdjusted& e) const { v.on_hand = add(v.on_hand, e.delta.value); }
  void operator()(const StockReserved& e) const { v.reserved = add(v.reserved, e.quantity.value); }
  void operator()(const StockReleased& e) const { v.reserved = sub(v.reserved, e.quantity.value); }
  void operator()(const StockShipped& e) const {
    v.on_hand = sub(v.on_hand, e.quantity.value);
    v.reserved = sub(v.reserved, e.quantity.value);
  }
  void operator()(const StockReturned& e) const { v.on_hand = add(v.on_hand, e.quantity.value); }
  void operator()(const auto&) const {}
};

}  // namespace

void apply(StockView& view, const RecordedEvent& event) {
  const std::optional<Sku> sku = internal::product_of(event.data);
  if (!sku || (!view.sku.empty() && *sku != view.sku)) return;
  view.sku = *sku;
  std::visit(StockFold{view}, event.data);
  view.version = event.version;
  view.position = event.position;
}

std::string to_json(const StockView& view) {
  internal::JsonBuffer buffer;
  internal::JsonWriter w(buffer);
  w.StartObject();
  put(w, "sku", view.sku.str());
  put(w, "name", view.name);
  put(w, "price", view.price);
  internal::put_bool(w, "retired", view.retired);
  put(w, "on_hand", view.on_hand);
  put(w, "reserved", view.reserved);
  put(w, "available", view.available());
  put(w, "version", view.version.value);
  put(w, "position", view.position.value);
  w.EndObject();
  return internal::json_text(buffer);
}

Result<StockView> stock_view_from_json(std::string_view json) {
  constexpr std::string_view kWhat = "stock view";
  auto document = internal::parse_json(json, kWhat);
  if (!document) return std::unexpected(std::move(document.error()));
  FieldReader r(*document);
  StockView view;
  view.sku = r.id<Sku>("sku");
  view.name = r.string("name");
  view.price = r.money("price");
  view.retired = r.boolean("retired");
  view.on_hand = r.int64("on_hand");
  view.reserved = r.int64("reserved");
  const int64_t available = r.int64("available");
  view.version = StreamVersion{r.uint64("version")};
  view.position = Position{r.uint64("position")};
  if (!r.ok() || checked_sub(view.on_hand, view.reserved) != available) {
    return std::unexpected(internal::malformed(kWhat));
  }
  return view;
}

}  // namespace stockroom::projections

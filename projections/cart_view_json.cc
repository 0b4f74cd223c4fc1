// JSON of the cart view (see cart_view.h for the layout).
#include "projections/cart_view.h"
#include "projections/internal/json.h"

namespace stockroom::projections {
namespace {

using internal::FieldReader;
using internal::JsonWriter;
using internal::put;
using internal::put_bool;
using internal::put_lines;

constexpr std::string_view kWhat = "cart view";

CartViewLine read_line(FieldReader& r) {
  return CartViewLine{r.id<Sku>("sku"), Quantity{r.int64("quantity")}, r.money("unit_price")};
}

CartViewStatus read_status(FieldReader& r) {
  const std::optional<CartViewStatus> status = cart_status_for_name(r.string("status"));
  if (!status) r.fail();
  return status.value_or(CartViewStatus::kOpen);
}

Currency read_currency(FieldReader& r) {
  const std::optional<Currency> currency = internal::view_currency(r.string("currency"));
  if (!currency) r.fail();
  return currency.value_or(Currency());
}

}  // namespace

std::string to_json(const CartView& view) {
  internal::JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put(w, "cart_id", view.cart_id.str());
  put(w, "customer_id", view.customer_id.str());
  put(w, "status", cart_status_name(view.status));
  put(w, "currency", view.currency.str());
  put_lines(w, view.lines);
  put(w, "total", view.total);
  if (view.total_overflow) put_bool(w, "total_overflow", true);
  put(w, "version", view.version.value);
  put(w, "position", view.position.value);
  w.EndObject();
  return internal::json_text(buffer);
}

Result<CartView> cart_view_from_json(std::string_view json) {
  auto document = internal::parse_json(json, kWhat);
  if (!document) return std::unexpected(std::move(document.error()));
  FieldReader r(*document);
  CartView view;
  view.cart_id = r.id<CartId>("cart_id");
  view.customer_id = r.id<CustomerId>("customer_id");
  view.status = read_status(r);
  view.currency = read_currency(r);
  view.lines = internal::read_lines<CartViewLine>(r, "lines", read_line);
  view.total = r.money("total");
  view.total_overflow = r.flag("total_overflow");
  view.version = StreamVersion{r.uint64("version")};
  view.position = Position{r.uint64("position")};
  if (!r.ok()) return std::unexpected(internal::malformed(kWhat));
  return view;
}

}  // namespace stockroom::projections

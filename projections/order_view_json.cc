// JSON of the order view (see order_view.h for the layout).
#include "projections/internal/json.h"
#include "projections/order_view.h"

namespace stockroom::projections {
namespace {

using internal::FieldReader;
using internal::JsonWriter;
using internal::put;
using internal::put_lines;

constexpr std::string_view kWhat = "order view";

void put_returned(JsonWriter& w, const std::vector<ReturnLine>& lines) {
  internal::put_key(w, "returned");
  w.StartArray();
  for (const ReturnLine& line : lines) {
    w.StartObject();
    put(w, "sku", line.sku.str());
    put(w, "quantity", line.quantity.value);
    w.EndObject();
  }
  w.EndArray();
}

OrderLine read_order_line(FieldReader& r) {
  return OrderLine{r.id<Sku>("sku"), Quantity{r.int64("quantity")}, r.money("unit_price")};
}

ReturnLine read_return_line(FieldReader& r) {
  return ReturnLine{r.id<Sku>("sku"), Quantity{r.int64("quantity")}};
}

OrderViewStatus read_status(FieldReader& r) {
  const std::optional<OrderViewStatus> status = order_status_for_name(r.string("status"));
  if (!status) r.fail();
  return status.value_or(OrderViewStatus::kAwaitingPayment);
}

}  // namespace

std::string to_json(const OrderView& view) {
  internal::JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put(w, "order_id", view.order_id.str());
  put(w, "customer_id", view.customer_id.str());
  put(w, "status", order_status_name(view.status));
  put_lines(w, view.lines);
  put(w, "total", view.total);
  put(w, "authorized", view.authorized);
  put(w, "captured", view.captured);
  put(w, "refunded", view.refunded);
  put(w, "refund_due", view.refund_due);
  put_returned(w, view.returned);
  put(w, "placed_at", view.placed_at);
  put(w, "updated_at", view.updated_at);
  put(w, "version", view.version.value);
  put(w, "position", view.position.value);
  w.EndObject();
  return internal::json_text(buffer);
}

Result<OrderView> order_view_from_json(std::string_view json) {
  auto document = internal::parse_json(json, kWhat);
  if (!document) return std::unexpected(std::move(document.error()));
  FieldReader r(*document);
  OrderView view;
  view.order_id = r.id<OrderId>("order_id");
  view.customer_id = r.id<CustomerId>("customer_id");
  view.status = read_status(r);
  view.lines = internal::read_lines<OrderLine>(r, "lines", read_order_line);
  view.total = r.money("total");
  view.authorized = r.money("authorized");
  view.captured = r.money("captured");
  view.refunded = r.money("refunded");
  view.refund_due = r.money("refund_due");
  view.returned = internal::read_lines<ReturnLine>(r, "returned", read_return_line);
  view.placed_at = r.time("placed_at");
  view.updated_at = r.time("updated_at");
  view.version = StreamVersion{r.uint64("version")};
  view.position = Position{r.uint64("position")};
  if (!r.ok()) return std::unexpected(internal::malformed(kWhat));
  return view;
}

}  // namespace stockroom::projections

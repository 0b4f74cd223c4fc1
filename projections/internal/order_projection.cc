#include "projections/internal/event_keys.h"
#include "projections/internal/stored_view.h"
#include "projections/internal/view_projections.h"
#include "projections/order_view.h"

namespace stockroom::projections::internal {
namespace {

class OrderProjection final : public Projection {
 public:
  [[nodiscard]] std::string_view name() const override { return "order"; }

  [[nodiscard]] Status apply(const RecordedEvent& event, ViewStore& store) const override {
    const std::optional<OrderId> order_id = order_of(event.data);
    if (!order_id) return {};
    return update_view<OrderView>(store, order_id->str(), order_view_from_json,
                                  projections::to_json, [&](OrderView& view) -> Status {
                                    projections::apply(view, event);
                                    return {};
                                  });
  }
};

}  // namespace

std::shared_ptr<const Projection> make_order_projection() {
  return std::make_shared<const OrderProjection>();
}

}  // namespace stockroom::projections::internal

#include "projections/internal/event_keys.h"
#include "projections/internal/stored_view.h"
#include "projections/internal/view_projections.h"
#include "projections/stock_view.h"

namespace stockroom::projections::internal {
namespace {

class StockProjection final : public Projection {
 public:
  [[nodiscard]] std::string_view name() const override { return "stock"; }

  [[nodiscard]] Status apply(const RecordedEvent& event, ViewStore& store) const override {
    const std::optional<Sku> sku = product_of(event.data);
    if (!sku) return {};
    return update_view<StockView>(store, sku->str(), stock_view_from_json, projections::to_json,
                                  [&](StockView& view) -> Status {
                                    projections::apply(view, event);
                                    return {};
                                  });
  }
};

}  // namespace

std::shared_ptr<const Projection> make_stock_projection() {
  return std::make_shared<const StockProjection>();
}

}  // namespace stockroom::projections::internal

#include "projections/internal/view_projections.h"
#include "projections/projection.h"

namespace stockroom::projections {

std::vector<std::shared_ptr<const Projection>> standard_projections() {
  return {internal::make_order_projection(), internal::make_stock_projection(),
          internal::make_rating_projection(), internal::make_cart_projection()};
}

}  // namespace stockroom::projections

#include "engine/domain/review_decider.h"

#include <algorithm>
#include <string>

#include "engine/domain/order_decider.h"
#include "engine/domain/policy.h"
#include "engine/domain/product_decider.h"

namespace stockroom {
namespace {

Status check_rateable(const SubmitRating& command, const Actor& actor, const OrderState& order) {
  if (auto s = check_placed(command.order_id, order); !s) return s;
  if (auto s = check_order_customer(actor, order); !s) return s;
  if (order.status != OrderStatus::kDelivered) {
    return refuse_order_status(command.order_id, order, "only a delivered order can be rated");
  }
  bool ordered = std::any_of(order.lines.begin(), order.lines.end(),
                             [&](const OrderLine& l) { return l.sku == command.sku; });
  if (ordered) return {};
  return fail(ErrorCode::kNotFound,
              "order " + command.order_id.str() + " has no line for sku " + command.sku.str(),
              {{"order_id", command.order_id.str()}, {"sku", command.sku.str()}});
}

}  // namespace

Decision decide(const SubmitRating& command, const Actor& actor, const OrderState& order,
                const ReviewState& review) {
  if (auto s = check_rateable(command, actor, order); !s) return std::unexpected(s.error());
  if (!review.exists) {
    return accept(ProductRated{command.sku, order.customer_id, command.order_id, command.stars,
                               command.comment});
  }
  return accept(RatingRevised{command.sku, order.customer_id, command.order_id, command.stars,
                              command.comment});
}

Decision decide(const RecordRating& command, const ProductState& product,
                const ReviewState& review) {
  if (auto s = check_defined(command.sku, product); !s) return std::unexpected(s.error());
  if (!review.exists) {
    return accept(ProductRated{command.sku, command.customer_id, command.order_id, command.stars,
                               command.comment});
  }
  return accept(RatingRevised{command.sku, command.customer_id, command.order_id, command.stars,
                              command.comment});
}

Decision decide(const RejectRating& command, const ReviewState& review) {
  if (!review.exists) {
    return fail(ErrorCode::kNotFound,
                "customer " + command.customer_id.str() + " has not rated " + command.sku.str(),
                {{"sku", command.sku.str()}, {"customer_id", command.customer_id.str()}});
  }
  if (!review.counts) {
    return refuse_state("the rating of " + command.sku.str() + " by " + command.customer_id.str() +
                            " is already rejected",
                        {{"sku", command.sku.str()}, {"customer_id", command.customer_id.str()}});
  }
  return accept(RatingRejected{command.sku, command.customer_id, command.reason});
}

}  // namespace stockroom

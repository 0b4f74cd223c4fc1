// The review decider: one customer's rating of one product (stream
// review-<sku>~<customer_id>). Each function decides one command that has passed
// validate() and check_role(). Pure.
#pragma once

#include "engine/domain/decision.h"
#include "engine/domain/state.h"
#include "engine/model/command.h"

namespace stockroom {

// The order exists (NOT_FOUND); the actor is its customer (FORBIDDEN); it is
// delivered (INVALID_STATE; returns do not change that); the sku is one of its lines
// (NOT_FOUND) -> ProductRated for the first rating, RatingRevised after (a revision
// counts again after a rejection). `review` is the stream of (sku, actor id).
[[nodiscard]] Decision decide(const SubmitRating& command, const Actor& actor,
                              const OrderState& order, const ReviewState& review);

// The rating exists (NOT_FOUND) and counts (INVALID_STATE) -> RatingRejected.
[[nodiscard]] Decision decide(const RejectRating& command, const ReviewState& review);

// rating.record: the product's side of a rating.submit checked in the order's
// partition. The product must be this partition's (NOT_FOUND otherwise); then, as
// for rating.submit, ProductRated the first time and RatingRevised after.
[[nodiscard]] Decision decide(const RecordRating& command, const ProductState& product,
                              const ReviewState& review);

}  // namespace stockroom

// The ratings view (domain.md, "Read models"): the ratings of one product, keyed by
// sku, kept from every review-<sku>~<customer_id> stream of that sku. Pure: no I/O.
//
// A customer's rating counts from ProductRated until RatingRejected and again from
// the next RatingRevised. A revise replaces that customer's stars. The view alone
// cannot tell a customer's previous stars, so apply() takes that customer's
// RatingContribution before the event; the projection keeps it beside the view.
// `version` counts the review events applied for this sku (there is no single stream
// behind the view). average = stars / count rounded half up to 2 decimals, computed in
// integers and written with at most 2 decimals and no trailing zero (4, 4.5, 4.33),
// so the bytes never depend on floating point.
//
// JSON (field order fixed; the stored bytes are what query.rating returns):
//   {"sku":"SKU-1","count":3,"average":4.33,"histogram":[0,0,0,2,1],
//    "version":4,"position":120}
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model/error.h"
#include "engine/model/event.h"
#include "engine/model/types.h"

namespace stockroom::projections {

struct RatingView {
  Sku sku;
  int64_t count = 0;                   // ratings that count
  int64_t stars = 0;                   // the sum of their stars
  std::array<int64_t, 5> histogram{};  // [0]: 1 star ... [4]: 5 stars
  uint64_t version = 0;                // review events applied for this sku
  Position position;                   // the last event applied
  // The average in hundredths, rounded half up; 0 when nothing counts.
  [[nodiscard]] int64_t average_hundredths() const noexcept;
  bool operator==(const RatingView&) const = default;
};

// One customer's part in a sku's ratings: stars 1-5, and whether they count now.
struct RatingContribution {
  int32_t stars = 0;
  bool counts = false;
  bool operator==(const RatingContribution&) const = default;
};

// The customer's contribution after `event`, given the one before: a rate or revise
// counts its stars, a reject stops counting; other events change nothing.
[[nodiscard]] RatingContribution contribution_after(const RatingContribution& before,
                                                    const EventData& event);

// Folds one review event, `before` being its customer's contribution before it (the
// default for a customer's first review). Events that are not reviews, or of another
// sku than a non-empty view.sku, leave the view unchanged.
void apply(RatingView& view, const RecordedEvent& event, const RatingContribution& before);

[[nodiscard]] std::string to_json(const RatingView& view);

// The inverse of to_json; kMalformed for anything that is not a ratings view's JSON
// (count and average must agree with the histogram, which carries the star sum).
[[nodiscard]] Result<RatingView> rating_view_from_json(std::string_view json);

}  // namespace stockroom::projections

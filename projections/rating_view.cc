#include "projections/rating_view.h"

#include <variant>

#include "projections/internal/event_keys.h"

namespace stockroom::projections {
namespace {

bool in_range(int32_t stars) { return stars >= 1 && stars <= 5; }

// A contribution with stars outside 1-5 cannot come from the deciders (they validate
// stars); it is ignored rather than indexing outside the histogram.
void add(RatingView& v, const RatingContribution& c, int64_t sign) {
  if (!c.counts || !in_range(c.stars)) return;
  v.count += sign;
  v.stars += sign * c.stars;
  v.histogram[static_cast<size_t>(c.stars - 1)] += sign;
}

struct ContributionFold {
  const RatingContribution& before;

  RatingContribution operator()(const ProductRated& e) const { return {e.stars, true}; }
  RatingContribution operator()(const RatingRevised& e) const { return {e.stars, true}; }
  RatingContribution operator()(const RatingRejected&) const { return {before.stars, false}; }
  RatingContribution operator()(const auto&) const { return before; }
};

}  // namespace

int64_t RatingView::average_hundredths() const noexcept {
  if (count <= 0) return 0;
  // Half up: (100 * stars / count) + 1/2, in integers. stars <= 5 * count, far from
  // overflowing for any count a log can reach.
  return (stars * 200 + count) / (2 * count);
}

RatingContribution contribution_after(const RatingContribution& before, const EventData& event) {
  return std::visit(ContributionFold{before}, event);
}

void apply(RatingView& view, const RecordedEvent& event, const RatingContribution& before) {
  const std::optional<internal::ReviewKey> key = internal::review_of(event.data);
  if (!key || (!view.sku.empty() && key->sku != view.sku)) return;
  view.sku = key->sku;
  add(view, before, -1);
  add(view, contribution_after(before, event.data), +1);
  ++view.version;
  view.position = event.position;
}

}  // namespace stockroom::projections

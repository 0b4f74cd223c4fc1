// fold_stream_view(): the view of one stream as of its last given event (as_of).
#include <algorithm>

#include "projections/cart_view.h"
#include "projections/order_view.h"
#include "projections/projection.h"
#include "projections/rating_view.h"
#include "projections/stock_view.h"

namespace stockroom::projections {
namespace {

// Folds the events that belong to `stream` with the pure apply of View. A cart is
// folded from its own events only, so its lines keep the prices its CartItemAdded
// events recorded (reprices are product-stream events, filtered out here).
template <class View>
std::string fold(std::string_view stream, const std::vector<RecordedEvent>& events) {
  View view;
  for (const RecordedEvent& event : events) {
    if (event.stream == stream) apply(view, event);
  }
  return to_json(view);
}

// One review stream: a single customer, so the contribution is carried along here.
std::string fold_review(std::string_view stream, const std::vector<RecordedEvent>& events) {
  RatingView view;
  RatingContribution contribution;
  for (const RecordedEvent& event : events) {
    if (event.stream != stream) continue;
    apply(view, event, contribution);
    contribution = contribution_after(contribution, event.data);
  }
  return to_json(view);
}

bool has_events_of(std::string_view stream, const std::vector<RecordedEvent>& events) {
  return std::any_of(events.begin(), events.end(),
                     [&](const RecordedEvent& e) { return e.stream == stream; });
}

}  // namespace

Result<std::string> fold_stream_view(std::string_view stream,
                                     const std::vector<RecordedEvent>& events) {
  const std::optional<StreamKindName> kind = stream_kind_of(stream);
  if (!kind) {
    return fail(ErrorCode::kInvalidArgument, "unknown stream kind",
                {{"stream", std::string(stream)}});
  }
  if (!has_events_of(stream, events)) {
    return fail(ErrorCode::kNotFound, "stream has no events", {{"stream", std::string(stream)}});
  }
  switch (kind->aggregate) {
    case AggregateKind::kProduct:
      return fold<StockView>(stream, events);
    case AggregateKind::kCart:
      return fold<CartView>(stream, events);
    case AggregateKind::kOrder:
      return fold<OrderView>(stream, events);
    case AggregateKind::kReview:
      break;
  }
  return fold_review(stream, events);
}

}  // namespace stockroom::projections

#include "projections/internal/event_keys.h"
#include "projections/internal/json.h"
#include "projections/internal/stored_view.h"
#include "projections/internal/view_projections.h"
#include "projections/rating_view.h"

namespace stockroom::projections::internal {
namespace {

// Concatenated so that no letter after \x01 can be read as part of the hex escape.
constexpr std::string_view kContributionPrefix =
    "\x01"
    "r/";

std::string contribution_key(const ReviewKey& review) {
  return std::string(kContributionPrefix) + review.sku.str() + "/" + review.customer_id.str();
}

std::string to_json(const RatingContribution& c) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put(w, "stars", int64_t{c.stars});
  put_bool(w, "counts", c.counts);
  w.EndObject();
  return json_text(buffer);
}

Result<RatingContribution> contribution_from_json(std::string_view json) {
  constexpr std::string_view kWhat = "stored rating contribution";
  auto document = parse_json(json, kWhat);
  if (!document) return std::unexpected(std::move(document.error()));
  FieldReader r(*document);
  const int64_t stars = r.int64("stars");
  const bool counts = r.boolean("counts");
  if (!r.ok() || stars < 0 || stars > 5) return std::unexpected(malformed(kWhat));
  return RatingContribution{static_cast<int32_t>(stars), counts};
}

class RatingProjection final : public Projection {
 public:
  [[nodiscard]] std::string_view name() const override { return "rating"; }

  [[nodiscard]] Status apply(const RecordedEvent& event, ViewStore& store) const override {
    const std::optional<ReviewKey> review = review_of(event.data);
    if (!review) return {};
    // The customer's contribution before this event, then the sku's view with it.
    RatingContribution before;
    auto contributed =
        update_view<RatingContribution>(store, contribution_key(*review), contribution_from_json,
                                        to_json, [&](RatingContribution& c) -> Status {
                                          before = c;
                                          c = contribution_after(before, event.data);
                                          return {};
                                        });
    if (!contributed) return contributed;
    return update_view<RatingView>(store, review->sku.str(), rating_view_from_json,
                                   projections::to_json, [&](RatingView& view) -> Status {
                                     projections::apply(view, event, before);
                                     return {};
                                   });
  }
};

}  // namespace

std::shared_ptr<const Projection> make_rating_projection() {
  return std::make_shared<const RatingProjection>();
}

}  // namespace stockroom::projections::internal

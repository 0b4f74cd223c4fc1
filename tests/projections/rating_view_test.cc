// The ratings view: count, average and histogram over the customers' ratings of a sku.
#include "projections/rating_view.h"

#include <catch2/catch.hpp>

#include "tests/projections/recorder.h"

using namespace stockroom;
using namespace stockroom::projections;
using namespace stockroom::testing;

namespace {

const CustomerId alice("alice");
const CustomerId bob("bob");
const CustomerId carol("carol");

ProductRated rated(const CustomerId& who, int32_t stars, const Sku& sku = mug) {
  return ProductRated{sku, who, OrderId("o-" + who.str()), stars, ""};
}
RatingRevised revised(const CustomerId& who, int32_t stars) {
  return RatingRevised{mug, who, OrderId("o-" + who.str()), stars, "changed my mind"};
}
RatingRejected rejected(const CustomerId& who) { return RatingRejected{mug, who, "spam"}; }

// Runs the events through the rating projection and reads back the mug's view.
RatingView view_after(Recorder& log, MemoryViewStore& store, const std::vector<EventData>& events) {
  REQUIRE(feed(*projection("rating"), store, log.record_all(events)));
  const Result<RatingView> v = rating_view_from_json(store.at(mug.str()));
  REQUIRE(v);
  return *v;
}

}  // namespace

TEST_CASE("rating view: a first rating counts its stars", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const RatingView v = view_after(log, store, {rated(alice, 4)});
  CHECK(v.sku == mug);
  CHECK(v.count == 1);
  CHECK(v.average_hundredths() == 400);
  CHECK(v.histogram == std::array<int64_t, 5>{0, 0, 0, 1, 0});
  CHECK(v.version == 1);
  CHECK(v.position == Position{1});
}

TEST_CASE("rating view: a revise replaces the customer's stars", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const RatingView v = view_after(log, store, {rated(alice, 4), rated(bob, 2), revised(alice, 1)});
  CHECK(v.count == 2);
  CHECK(v.stars == 3);
  CHECK(v.average_hundredths() == 150);
  CHECK(v.histogram == std::array<int64_t, 5>{1, 1, 0, 0, 0});
  CHECK(v.version == 3);
}

TEST_CASE("rating view: a reject stops the rating counting, a later revise counts again",
          "[views]") {
  Recorder log;
  MemoryViewStore store;
  RatingView v = view_after(log, store, {rated(alice, 5), rated(bob, 3), rejected(alice)});
  CHECK(v.count == 1);
  CHECK(v.average_hundredths() == 300);
  CHECK(v.histogram == std::array<int64_t, 5>{0, 0, 1, 0, 0});
  v = view_after(log, store, {revised(alice, 2)});
  CHECK(v.count == 2);
  CHECK(v.average_hundredths() == 250);
  CHECK(v.histogram == std::array<int64_t, 5>{0, 1, 1, 0, 0});
  CHECK(v.version == 4);
  CHECK(v.position == Position{4});
}

TEST_CASE("rating view: everything rejected is count 0 and average 0", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const RatingView v = view_after(log, store, {rated(alice, 5), rejected(alice)});
  CHECK(v.count == 0);
  CHECK(v.average_hundredths() == 0);
  CHECK(
      store.at(mug.str()) ==
      R"({"sku":"SKU-1","count":0,"average":0,"histogram":[0,0,0,0,0],"version":2,"position":2})");
}

TEST_CASE("rating view: 4, 4 and 5 stars average 4.33 with a histogram per star", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const RatingView v = view_after(log, store, {rated(alice, 4), rated(bob, 4), rated(carol, 5)});
  CHECK(v.average_hundredths() == 433);
  CHECK(
      store.at(mug.str()) ==
      R"({"sku":"SKU-1","count":3,"average":4.33,"histogram":[0,0,0,2,1],"version":3,"position":3})");
}

TEST_CASE("rating view average rounds half up and drops trailing zeros", "[views]") {
  // 5, 5, 4 -> 4.666.. -> 4.67; 1, 2 -> 1.5; 2, 3, 3, 3, 3, 3, 3, 3 -> 2.875 -> 2.88
  const auto average_of = [](std::vector<int32_t> stars) {
    Recorder log;
    MemoryViewStore store;
    std::vector<EventData> events;
    for (size_t i = 0; i < stars.size(); ++i) {
      events.push_back(rated(CustomerId("c" + std::to_string(i)), stars[i]));
    }
    REQUIRE(feed(*projection("rating"), store, log.record_all(events)));
    const std::string json = store.at(mug.str());
    const size_t from = json.find("\"average\":") + 10;
    return json.substr(from, json.find(',', from) - from);
  };
  CHECK(average_of({5, 5, 4}) == "4.67");
  CHECK(average_of({1, 2}) == "1.5");
  CHECK(average_of({2, 3, 3, 3, 3, 3, 3, 3}) == "2.88");
  CHECK(average_of({5}) == "5");
  CHECK(average_of({1, 1, 2}) == "1.33");
}

TEST_CASE("rating view keeps each sku apart", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const RatingView v = view_after(log, store, {rated(alice, 5), rated(alice, 1, Sku("SKU-2"))});
  CHECK(v.count == 1);
  CHECK(v.version == 1);
  const Result<RatingView> other = rating_view_from_json(store.at("SKU-2"));
  REQUIRE(other);
  CHECK(other->histogram == std::array<int64_t, 5>{1, 0, 0, 0, 0});
}

TEST_CASE("rating apply is pure: it takes the customer's contribution before the event",
          "[views]") {
  Recorder log;
  RatingView v;
  const RecordedEvent first = log.record(rated(alice, 2));
  apply(v, first, RatingContribution{});
  const RatingContribution after_first = contribution_after({}, first.data);
  CHECK(after_first == RatingContribution{2, true});
  const RecordedEvent revise = log.record(revised(alice, 5));
  apply(v, revise, after_first);
  CHECK((v.count == 1 && v.stars == 5));
  CHECK(contribution_after(after_first, rejected(alice)) == RatingContribution{2, false});
  apply(v, log.record(ProductDefined{mug, "Mug", eur(1)}), after_first);
  CHECK(v.version == 2);
}

TEST_CASE("rating view JSON round-trips exactly", "[views]") {
  Recorder log;
  MemoryViewStore store;
  const RatingView v = view_after(log, store, {rated(alice, 4), rated(bob, 4), rated(carol, 5)});
  for (const RatingView& original : {RatingView{}, v}) {
    const std::string json = to_json(original);
    const Result<RatingView> back = rating_view_from_json(json);
    REQUIRE(back);
    CHECK(*back == original);
    CHECK(to_json(*back) == json);
  }
}

TEST_CASE("rating view from junk or an inconsistent count or average is MALFORMED", "[views]") {
  for (const std::string& junk : {
           std::string("{"),
           std::string(R"({"sku":"S","count":1,"average":4,"histogram":[0,0,0,1],)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","count":2,"average":4,"histogram":[0,0,0,1,0],)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","count":1,"average":3,"histogram":[0,0,0,1,0],)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","count":1,"average":"4","histogram":[0,0,0,1,0],)"
                       R"("version":1,"position":1})"),
           std::string(R"({"sku":"S","count":-1,"average":0,"histogram":[0,0,0,-1,0],)"
                       R"("version":1,"position":1})"),
       }) {
    const Result<RatingView> v = rating_view_from_json(junk);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::kMalformed);
  }
}

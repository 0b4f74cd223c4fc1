// rating.submit and rating.reject.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const CustomerId alice("alice");

Given order_in(OrderStatus status) {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  given.add(placed("o-1", "alice", {line("SKU-1", 1, 1200)}));
  if (status == OrderStatus::kAwaitingPayment) return given;
  given.add(PaymentAuthorized{order_id, PaymentId("p-1"), eur(1200), ""});
  given.add(PaymentCaptured{order_id, PaymentId("p-1"), eur(1200)}).add(OrderPaid{order_id});
  if (status == OrderStatus::kPaid) return given;
  given.add(OrderShipped{order_id, "", ""});
  if (status == OrderStatus::kShipped) return given;
  given.add(OrderDelivered{order_id});
  return given;
}

ProductRated rated(int32_t stars) { return ProductRated{mug, alice, order_id, stars, "nice"}; }

}  // namespace

TEST_CASE("the first rating of a delivered purchase records ProductRated", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  CHECK(when(given, SubmitRating{order_id, mug, 4, "nice"}, customer("alice")) == then({rated(4)}));
}

TEST_CASE("a second rating by the same customer records RatingRevised", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  given.add(rated(4));
  CHECK(when(given, SubmitRating{order_id, mug, 2, "chipped"}, customer("alice")) ==
        then({RatingRevised{mug, alice, order_id, 2, "chipped"}}));
}

TEST_CASE("a revision after a rejection is accepted and counts again", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  given.add(rated(1)).add(RatingRejected{mug, alice, "abusive"});
  REQUIRE(!given.review(mug, alice).counts);
  auto d = when(given, SubmitRating{order_id, mug, 3, "ok"}, customer("alice"));
  REQUIRE(d == then({RatingRevised{mug, alice, order_id, 3, "ok"}}));
  given.add((*d)[0]);
  CHECK(given.review(mug, alice).counts);
  CHECK(given.review(mug, alice).stars == 3);
}

TEST_CASE("rating a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 4, ""}, customer("alice"))) == "NOT_FOUND");
}

TEST_CASE("rating someone else's order is FORBIDDEN", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 4, ""}, customer("bob"))) == "FORBIDDEN");
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 4, ""}, staff())) == "FORBIDDEN");
}

TEST_CASE("rating an order that is not delivered is INVALID_STATE", "[decider]") {
  for (OrderStatus s : {OrderStatus::kAwaitingPayment, OrderStatus::kPaid, OrderStatus::kShipped}) {
    Given given = order_in(s);
    CHECK(code_of(when(given, SubmitRating{order_id, mug, 4, ""}, customer("alice"))) ==
          "INVALID_STATE");
  }
}

TEST_CASE("an order stays rateable after items are returned", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  given.add(OrderItemsReturned{order_id, {{mug, Quantity{1}}}, true});
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 1, "broke"}, customer("alice"))) ==
        "accepted");
}

TEST_CASE("rating a sku that is not in the order is NOT_FOUND", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  CHECK(code_of(when(given, SubmitRating{order_id, Sku("SKU-2"), 4, ""}, customer("alice"))) ==
        "NOT_FOUND");
}

TEST_CASE("stars 0 or 6 are INVALID_ARGUMENT", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 0, ""}, customer("alice"))) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 6, ""}, customer("alice"))) ==
        "INVALID_ARGUMENT");
}

TEST_CASE("a comment of 2,000 code points is accepted, 2,001 is INVALID_ARGUMENT", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  std::string comment;
  for (int i = 0; i < 2000; ++i) comment += "\xE2\x82\xAC";  // the euro sign, 3 bytes
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 5, comment}, customer("alice"))) ==
        "accepted");
  CHECK(code_of(when(given, SubmitRating{order_id, mug, 5, comment + "!"}, customer("alice"))) ==
        "INVALID_ARGUMENT");
}

TEST_CASE("rejecting a counted rating records RatingRejected", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  given.add(rated(1));
  CHECK(when(given, RejectRating{mug, alice, "abusive"}) ==
        then({RatingRejected{mug, alice, "abusive"}}));
}

TEST_CASE("rejecting a rating that does not exist is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, RejectRating{mug, alice, "abusive"})) == "NOT_FOUND");
}

TEST_CASE("rejecting a rating already rejected is INVALID_STATE", "[decider]") {
  Given given = order_in(OrderStatus::kDelivered);
  given.add(rated(1)).add(RatingRejected{mug, alice, "abusive"});
  CHECK(code_of(when(given, RejectRating{mug, alice, "again"})) == "INVALID_STATE");
}

// rating.record: the product partition's side of a rating checked where its order lives.
TEST_CASE("rating.record records ProductRated, then RatingRevised, for the customer it names",
          "[decider][rating]") {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  const RecordRating record{mug, alice, order_id, 4, "nice"};
  auto first = when(given, record, service());
  CHECK(first == then({ProductRated{mug, alice, order_id, 4, "nice"}}));
  given.add(*first);
  auto second = when(given, RecordRating{mug, alice, order_id, 2, "chipped"}, service());
  CHECK(second == then({RatingRevised{mug, alice, order_id, 2, "chipped"}}));
  // A rejection stops it counting; the next record counts again, as a resubmit does.
  given.add(*second).add(RatingRejected{mug, alice, "abusive"});
  CHECK(code_of(when(given, record, service())) == "accepted");
}

TEST_CASE("rating.record is refused for a product of another partition, a customer, bad stars",
          "[decider][rating]") {
  Given given;
  given.add(product_with("SKU-1", 1200, 10));
  CHECK(code_of(when(given, RecordRating{Sku("ELSEWHERE"), alice, order_id, 4, ""}, service())) ==
        "NOT_FOUND");
  // Customers go through rating.submit, where their order is checked.
  CHECK(code_of(when(given, RecordRating{mug, alice, order_id, 4, ""}, customer("alice"))) ==
        "FORBIDDEN");
  CHECK(code_of(when(given, RecordRating{mug, alice, order_id, 6, ""}, service())) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, RecordRating{mug, CustomerId("a b"), order_id, 4, ""}, service())) ==
        "INVALID_ARGUMENT");
}

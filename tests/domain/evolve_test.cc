// evolve(): folding events gives the states the deciders rely on.
#include "engine/domain/evolve.h"

#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

template <class State>
State fold(const std::vector<EventData>& events) {
  State state;
  for (const EventData& e : events) evolve(state, e, Timestamp{42});
  return state;
}

}  // namespace

TEST_CASE("stock folds: reserve, release, ship and return move on_hand and reserved", "[decider]") {
  auto p = fold<ProductState>(
      {ProductDefined{mug, "Mug", eur(1200)}, StockReceived{mug, Quantity{10}, ""},
       StockReserved{mug, order_id, Quantity{4}}, StockReserved{mug, OrderId("o-2"), Quantity{3}}});
  CHECK((p.on_hand == 10 && p.reserved == 7 && p.available() == 3));
  evolve(p, StockReleased{mug, OrderId("o-2"), Quantity{3}}, {});
  CHECK((p.on_hand == 10 && p.reserved == 4));
  evolve(p, StockShipped{mug, order_id, Quantity{4}}, {});
  CHECK((p.on_hand == 6 && p.reserved == 0));
  evolve(p, StockReturned{mug, order_id, Quantity{1}}, {});
  evolve(p, StockAdjusted{mug, Quantity{-2}, "broken"}, {});
  CHECK((p.on_hand == 5 && p.reserved == 0 && p.available() == 5));
  CHECK(p.version == StreamVersion{8});
}

TEST_CASE("product folds: define, reprice and retire", "[decider]") {
  auto p = fold<ProductState>(
      {ProductDefined{mug, "Mug", eur(1200)}, ProductRepriced{mug, eur(999)}, ProductRetired{mug}});
  CHECK(p == ProductState{StreamVersion{3}, true, "Mug", eur(999), true, 0, 0});
}

TEST_CASE("each state ignores the events of other aggregates", "[decider]") {
  std::vector<EventData> events{CartOpened{cart_id, CustomerId("a"), Currency("EUR")},
                                OrderPaid{order_id},
                                ProductRated{mug, CustomerId("a"), order_id, 5, ""}};
  CHECK(fold<ProductState>(events) == ProductState{});
  CHECK(fold<CartState>({StockReceived{mug, Quantity{1}, ""}, OrderPaid{order_id}}) == CartState{});
  CHECK(fold<OrderState>({StockReserved{mug, order_id, Quantity{1}}}) == OrderState{});
  CHECK(fold<ReviewState>({ProductDefined{mug, "Mug", eur(1)}}) == ReviewState{});
}

TEST_CASE("cart folds merge lines per sku and drop emptied lines", "[decider]") {
  auto c = fold<CartState>({CartOpened{cart_id, CustomerId("a"), Currency("EUR")},
                            CartItemAdded{cart_id, mug, Quantity{2}, eur(1200)},
                            CartItemAdded{cart_id, Sku("SKU-2"), Quantity{1}, eur(500)},
                            CartItemAdded{cart_id, mug, Quantity{3}, eur(1100)}});
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0] == CartLine{mug, Quantity{5}, eur(1100)});
  evolve(c, CartItemRemoved{cart_id, mug, Quantity{5}}, {});
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].sku == Sku("SKU-2"));
  evolve(c, CartCheckedOut{cart_id, order_id}, {});
  CHECK((c.status == CartStatus::kCheckedOut && c.order_id == order_id));
  CHECK(c.version == StreamVersion{6});
}

TEST_CASE("payment folds: captured, refunded, voided and uncaptured add up", "[decider]") {
  auto o = fold<OrderState>({placed("o-1", "alice", {line("SKU-1", 2, 1200)}),
                             PaymentAuthorized{order_id, pay1, eur(2000), ""},
                             PaymentCaptured{order_id, pay1, eur(1500)},
                             PaymentRefunded{order_id, pay1, eur(200), "x"},
                             PaymentAuthorized{order_id, PaymentId("p-2"), eur(400), ""}});
  REQUIRE(o.payments.size() == 2);
  CHECK(o.payments[0].uncaptured() == 500);
  CHECK(o.captured_net() == 1300);
  evolve(o, PaymentVoided{order_id, pay1, eur(500)}, {});
  CHECK((o.payments[0].uncaptured() == 0 && o.payments[0].status == PaymentStatus::kVoided));
  evolve(o, PaymentFailed{order_id, PaymentId("p-2"), "declined"}, {});
  CHECK((o.payments[1].uncaptured() == 0 && o.payments[1].status == PaymentStatus::kFailed));
  evolve(o, PaymentFailed{order_id, PaymentId("p-3"), "declined"}, {});
  CHECK(o.payments[2] == PaymentState{PaymentId("p-3"), PaymentStatus::kFailed, 0, 0, 0, 0});
  CHECK(o.version == StreamVersion{8});
}

TEST_CASE("refunds after a cancel reduce refund_due", "[decider]") {
  auto o = fold<OrderState>({placed("o-1", "alice", {line("SKU-1", 1, 1200)}),
                             PaymentAuthorized{order_id, pay1, eur(1200), ""},
                             PaymentCaptured{order_id, pay1, eur(1200)}, OrderPaid{order_id},
                             OrderCancelled{order_id, "x", eur(1200)},
                             PaymentRefunded{order_id, pay1, eur(700), "partial"}});
  CHECK(o.status == OrderStatus::kCancelled);
  CHECK(o.refund_due == 500);
  CHECK(o.captured_net() == 500);
}

TEST_CASE("order folds record placement, lifecycle and returns", "[decider]") {
  auto o = fold<OrderState>({placed("o-1", "alice", {line("SKU-1", 3, 100)}), OrderPaid{order_id},
                             OrderShipped{order_id, "", ""}, OrderDelivered{order_id},
                             OrderItemsReturned{order_id, {{mug, Quantity{1}}}, true},
                             OrderItemsReturned{order_id, {{mug, Quantity{2}}}, false}});
  CHECK(o.placed_at == Timestamp{42});
  CHECK(o.customer_id == CustomerId("alice"));
  CHECK(o.total == eur(300));
  CHECK(o.currency == Currency("EUR"));
  CHECK(o.status == OrderStatus::kDelivered);
  CHECK(o.returned == std::vector<ReturnLine>{{mug, Quantity{3}}});
}

TEST_CASE("review folds: a rejection stops counting, a revision counts again", "[decider]") {
  auto r = fold<ReviewState>({ProductRated{mug, CustomerId("a"), order_id, 2, "meh"},
                              RatingRejected{mug, CustomerId("a"), "spam"}});
  CHECK((r.exists && !r.counts && r.stars == 2));
  evolve(r, RatingRevised{mug, CustomerId("a"), order_id, 4, "better"}, {});
  CHECK((r.counts && r.stars == 4 && r.comment == "better"));
  CHECK(r.version == StreamVersion{3});
}

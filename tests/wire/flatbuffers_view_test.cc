// FlatBuffers view replies: the stored view JSON (as the projections write it) becomes
// the typed view table with every field of the JSON.
#include <catch2/catch.hpp>
#include <limits>
#include <string>

#include "adapters/wire/wire.h"
#include "projections/cart_view.h"
#include "projections/order_view.h"
#include "projections/rating_view.h"
#include "projections/stock_view.h"
#include "schemas/api_generated.h"
#include "support/money.h"
#include "wire/flatbuffers_text.h"

namespace stockroom::wire {
namespace {

using stockroom::testing::eur;

using stockroom::testing::text;

void check_money(const fb::Money* money, const Money& expected) {
  REQUIRE(money != nullptr);
  CHECK(money->amount() == expected.amount);
  CHECK(text(money->currency()) == expected.currency.str());
}

// The QueryReply of a view query; fails the test unless it verifies and is ok.
const fb::QueryReply& view_reply(std::string_view view, const std::string& json, std::string& out) {
  flatbuffers_codec().view_reply(view, json, out);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
  const fb::QueryReply& reply = *fb::GetQueryReply(out.data());
  REQUIRE(reply.ok());
  CHECK(reply.error() == nullptr);
  return reply;
}

TEST_CASE("a stock view reply has every field of the stock view", "[wire][flatbuffers]") {
  projections::StockView view{Sku("SKU-1"), "Blue mug", eur(1200),        true,
                              10,           3,          StreamVersion{4}, Position{17}};
  std::string out;
  const fb::StockView* v = view_reply("stock", projections::to_json(view), out).body_as_StockView();
  REQUIRE(v != nullptr);
  CHECK(text(v->sku()) == "SKU-1");
  CHECK(text(v->name()) == "Blue mug");
  check_money(v->price(), eur(1200));
  CHECK(v->retired());
  CHECK(v->on_hand() == 10);
  CHECK(v->reserved() == 3);
  CHECK(v->available() == 7);
  CHECK(v->version() == 4);
  CHECK(v->position() == 17);
}

TEST_CASE("an order view reply has every field of the order view", "[wire][flatbuffers]") {
  projections::OrderView view;
  view.order_id = OrderId("o-1");
  view.customer_id = CustomerId("alice");
  view.status = projections::OrderViewStatus::kCancelled;
  view.lines = {OrderLine{Sku("SKU-1"), Quantity{2}, eur(1000)},
                OrderLine{Sku("SKU-2"), Quantity{1}, eur(250)}};
  view.total = eur(2250);
  view.authorized = eur(2250);
  view.captured = eur(2000);
  view.refunded = eur(500);
  view.refund_due = eur(1500);
  view.returned = {ReturnLine{Sku("SKU-2"), Quantity{1}}};
  view.placed_at = Timestamp{1'795'537'080'123'456};
  view.updated_at = Timestamp{1'795'537'142'000'001};
  view.version = StreamVersion{6};
  view.position = Position{42};
  std::string out;
  const fb::OrderView* v = view_reply("order", projections::to_json(view), out).body_as_OrderView();
  REQUIRE(v != nullptr);
  CHECK(text(v->order_id()) == "o-1");
  CHECK(text(v->customer_id()) == "alice");
  CHECK(v->status() == fb::OrderStatus::cancelled);
  CHECK(std::string_view(fb::EnumNameOrderStatus(v->status())) ==
        projections::order_status_name(view.status));
  REQUIRE(v->lines() != nullptr);
  REQUIRE(v->lines()->size() == 2);
  CHECK(text(v->lines()->Get(1)->sku()) == "SKU-2");
  CHECK(v->lines()->Get(1)->quantity() == 1);
  check_money(v->lines()->Get(1)->unit_price(), eur(250));
  CHECK(v->lines()->Get(0)->quantity() == 2);
  check_money(v->total(), eur(2250));
  check_money(v->authorized(), eur(2250));
  check_money(v->captured(), eur(2000));
  check_money(v->refunded(), eur(500));
  check_money(v->refund_due(), eur(1500));
  REQUIRE(v->returned() != nullptr);
  REQUIRE(v->returned()->size() == 1);
  CHECK(text(v->returned()->Get(0)->sku()) == "SKU-2");
  CHECK(v->returned()->Get(0)->quantity() == 1);
  CHECK(v->placed_at() == 1'795'537'080'123'456);
  CHECK(v->updated_at() == 1'795'537'142'000'001);
  CHECK(v->version() == 6);
  CHECK(v->position() == 42);
}

TEST_CASE("every order status keeps its JSON name in the FlatBuffers enum", "[wire][flatbuffers]") {
  using S = projections::OrderViewStatus;
  for (const S status :
       {S::kAwaitingPayment, S::kPaid, S::kShipped, S::kDelivered, S::kCancelled, S::kExpired}) {
    projections::OrderView view;
    view.order_id = OrderId("o-1");
    view.customer_id = CustomerId("alice");
    view.status = status;
    for (Money* m :
         {&view.total, &view.authorized, &view.captured, &view.refunded, &view.refund_due}) {
      *m = eur(0);
    }
    std::string out;
    const fb::OrderView* v =
        view_reply("order", projections::to_json(view), out).body_as_OrderView();
    REQUIRE(v != nullptr);
    CHECK(std::string_view(fb::EnumNameOrderStatus(v->status())) ==
          projections::order_status_name(status));
  }
}

TEST_CASE("a rating view reply has the count, exact average and histogram", "[wire][flatbuffers]") {
  projections::RatingView view;
  view.sku = Sku("SKU-1");
  view.histogram = {0, 0, 1, 0, 2};  // 3 + 5 + 5 = 13 stars over 3 ratings
  view.count = 3;
  view.stars = 13;
  view.version = 5;
  view.position = Position{120};
  const std::string json = projections::to_json(view);
  REQUIRE(json.find("\"average\":4.33") != std::string::npos);
  std::string out;
  const fb::RatingView* v = view_reply("rating", json, out).body_as_RatingView();
  REQUIRE(v != nullptr);
  CHECK(text(v->sku()) == "SKU-1");
  CHECK(v->count() == 3);
  CHECK(v->average_hundredths() == 433);
  REQUIRE(v->histogram() != nullptr);
  CHECK(std::vector<int64_t>(v->histogram()->begin(), v->histogram()->end()) ==
        std::vector<int64_t>{0, 0, 1, 0, 2});
  CHECK(v->version() == 5);
  CHECK(v->position() == 120);
}

TEST_CASE("a cart view reply has every field of the cart view", "[wire][flatbuffers]") {
  projections::CartView view;
  view.cart_id = CartId("c-1");
  view.customer_id = CustomerId("alice");
  view.status = projections::CartViewStatus::kCheckedOut;
  view.currency = Currency("EUR");
  view.lines = {projections::CartViewLine{Sku("SKU-1"), Quantity{2}, eur(1000)},
                projections::CartViewLine{Sku("SKU-2"), Quantity{1}, eur(250)}};
  view.total = eur(2250);
  view.version = StreamVersion{3};
  view.position = Position{40};
  std::string out;
  const fb::CartView* v = view_reply("cart", projections::to_json(view), out).body_as_CartView();
  REQUIRE(v != nullptr);
  CHECK(text(v->cart_id()) == "c-1");
  CHECK(text(v->customer_id()) == "alice");
  CHECK(v->status() == fb::CartStatus::checked_out);
  CHECK(std::string_view(fb::EnumNameCartStatus(v->status())) == "checked_out");
  CHECK(text(v->currency()) == "EUR");
  REQUIRE(v->lines() != nullptr);
  REQUIRE(v->lines()->size() == 2);
  CHECK(text(v->lines()->Get(0)->sku()) == "SKU-1");
  CHECK(v->lines()->Get(0)->quantity() == 2);
  check_money(v->lines()->Get(0)->unit_price(), eur(1000));
  check_money(v->lines()->Get(1)->unit_price(), eur(250));
  check_money(v->total(), eur(2250));
  CHECK_FALSE(v->total_overflow());
  CHECK(v->version() == 3);
  CHECK(v->position() == 40);

  view.total = eur(std::numeric_limits<int64_t>::max());
  view.total_overflow = true;
  const fb::CartView* over = view_reply("cart", projections::to_json(view), out).body_as_CartView();
  REQUIRE(over != nullptr);
  CHECK(over->total_overflow());
  check_money(over->total(), view.total);
}

TEST_CASE("a view that does not parse gives a MALFORMED refusal, not a crash",
          "[wire][flatbuffers]") {
  const projections::StockView stock{Sku("SKU-1"),     "Mug",      eur(1), false, 1, 0,
                                     StreamVersion{1}, Position{1}};
  for (const auto& [view, json] : std::vector<std::pair<std::string, std::string>>{
           {"stock", "not json"},
           {"order", projections::to_json(stock)},  // a stock view is no order view
           {"cart", ""},
           {"basket", projections::to_json(stock)}}) {
    INFO(view << " " << json);
    std::string out;
    flatbuffers_codec().view_reply(view, json, out);
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
    const fb::QueryReply& reply = *fb::GetQueryReply(out.data());
    CHECK_FALSE(reply.ok());
    CHECK(reply.body_type() == fb::QueryBody::NONE);
    REQUIRE(reply.error() != nullptr);
    CHECK(text(reply.error()->code()) == "MALFORMED");
  }
}

}  // namespace
}  // namespace stockroom::wire

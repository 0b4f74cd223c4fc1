// The service over NATS in FlatBuffers (`Content-Type: application/x-flatbuffers`):
// every command subject of the contract in one store flow, every query, and bad
// buffers, each answered in FlatBuffers. A real nats-server, a real RocksDB directory.
#include <catch2/catch.hpp>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/wire/wire.h"
#include "engine/support/commands.h"
#include "events/record_codec.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "schemas/api_generated.h"

namespace stockroom::testing {
namespace {

std::string_view text(const flatbuffers::String* s) {
  REQUIRE(s != nullptr);
  return s->string_view();
}

// The fields of a QueryRequest to send; unset ones stay absent.
struct Fields {
  std::optional<std::string> order_id{}, sku{}, cart_id{}, stream{};
  std::optional<uint64_t> from_version{}, from_position{}, to_position{};
  std::optional<uint32_t> limit{};
  std::vector<std::string> types{};
  std::optional<uint64_t> position{};
  std::optional<int64_t> time_us{};
};

template <class T>
flatbuffers::Optional<T> opt(const std::optional<T>& v) {
  return v ? flatbuffers::Optional<T>(*v) : flatbuffers::nullopt;
}

std::string query_request(const Fields& f) {
  flatbuffers::FlatBufferBuilder b;
  auto str = [&b](const std::optional<std::string>& s) {
    return s ? b.CreateString(*s) : flatbuffers::Offset<flatbuffers::String>();
  };
  const auto order_id = str(f.order_id);
  const auto sku = str(f.sku);
  const auto cart_id = str(f.cart_id);
  const auto stream = str(f.stream);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> types;
  if (!f.types.empty()) types = b.CreateVectorOfStrings(f.types);
  b.Finish(fb::CreateQueryRequest(b, order_id, sku, cart_id, stream, opt(f.from_version),
                                  opt(f.from_position), opt(f.to_position), opt(f.limit), types,
                                  opt(f.position), opt(f.time_us)));
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

// Talks FlatBuffers to the service; keeps every reply's bytes alive for the test.
class FbStore {
 public:
  explicit FbStore(ServeHarness& h) : h_(h) {}

  // The raw reply to `body` on "<prefix>.<tail>", which must be in FlatBuffers.
  const std::string& raw(const std::string& tail, const std::string& body) {
    auto r = h_.client().request(h_.prefix() + "." + tail, body, wire::kFlatBuffersContentType);
    REQUIRE(r.has_value());
    INFO(tail);
    REQUIRE(r->headers.contains("Content-Type"));
    CHECK(r->headers.at("Content-Type") == wire::kFlatBuffersContentType);
    replies_.push_back(std::move(r->data));
    return replies_.back();
  }

  const fb::CommandReply& command_reply(const std::string& tail, const std::string& body) {
    const std::string& out = raw(tail, body);
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    INFO(tail);
    REQUIRE(verifier.VerifyBuffer<fb::CommandReply>(nullptr));
    return *flatbuffers::GetRoot<fb::CommandReply>(out.data());
  }

  const fb::QueryReply& query_reply(const std::string& tail, const std::string& body) {
    const std::string& out = raw(tail, body);
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    INFO(tail);
    REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
    return *fb::GetQueryReply(out.data());
  }

  std::string encoded(Command command, const Actor& actor) {
    last_id_ = "fb-" + std::to_string(++seq_);
    std::string body;
    events::encode_command(envelope(last_id_, actor, std::move(command)), body);
    return body;
  }

  // A command that must be accepted: its reply, checked against the log's head.
  const fb::CommandReply& ok(Command command, const Actor& actor = staff()) {
    const std::string name(command_name(command));
    const fb::CommandReply& r = command_reply("cmd." + name, encoded(std::move(command), actor));
    INFO(name << ": "
              << (r.error() != nullptr && r.error()->message() != nullptr
                      ? r.error()->message()->str()
                      : std::string()));
    REQUIRE(r.ok());
    CHECK(text(r.command_id()) == last_id_);
    CHECK_FALSE(r.duplicate());
    CHECK(r.error() == nullptr);
    REQUIRE(r.events() != nullptr);
    REQUIRE(r.events()->size() >= 1);
    CHECK(r.events()->Get(r.events()->size() - 1)->position() == r.position());
    CHECK(r.position() <= h_.engine().head().position.value);
    return r;
  }

  // A command that must be refused: its code; the log's head did not move.
  std::string refused(Command command, const Actor& actor = staff()) {
    const uint64_t before = h_.engine().head().position.value;
    const std::string name(command_name(command));
    const fb::CommandReply& r = command_reply("cmd." + name, encoded(std::move(command), actor));
    INFO(name);
    REQUIRE_FALSE(r.ok());
    CHECK(text(r.command_id()) == last_id_);
    CHECK(r.events() == nullptr);
    REQUIRE(r.error() != nullptr);
    CHECK(h_.engine().head().position.value == before);
    return std::string(text(r.error()->code()));
  }

  // A query that must be answered: its reply, with the body of `type`.
  const fb::QueryReply& query(const std::string& name, const Fields& fields, fb::QueryBody type) {
    const fb::QueryReply& r = query_reply("query." + name, query_request(fields));
    INFO(name << ": "
              << (r.error() != nullptr && r.error()->message() != nullptr
                      ? r.error()->message()->str()
                      : std::string()));
    REQUIRE(r.ok());
    CHECK(r.error() == nullptr);
    REQUIRE(r.body_type() == type);
    REQUIRE(r.body() != nullptr);
    return r;
  }

  [[nodiscard]] const std::string& last_id() const { return last_id_; }

 private:
  ServeHarness& h_;
  int seq_ = 0;
  std::string last_id_;
  std::deque<std::string> replies_;  // deque: references stay valid as it grows
};

void check_money(const fb::Money* m, int64_t amount) {
  REQUIRE(m != nullptr);
  CHECK(m->amount() == amount);
  CHECK(text(m->currency()) == "EUR");
}

TEST_CASE("every command and query works over FlatBuffers, bad buffers are refused in kind",
          "[nats]") {
  NatsServer server;
  ServeHarness h(server);
  FbStore s(h);
  const Actor ann = customer("ann");

  // Catalogue and stock.
  s.ok(DefineProduct{Sku("MUG"), "Mug", eur(1200)});
  s.ok(DefineProduct{Sku("CUP"), "Cup", eur(500)});
  s.ok(DefineProduct{Sku("OLD"), "Old", eur(100)});
  s.ok(RetireProduct{Sku("OLD")});
  s.ok(RepriceProduct{Sku("MUG"), eur(1000)});
  s.ok(ReceiveStock{Sku("CUP"), Quantity{5}, ""});
  const uint64_t received_at = s.ok(ReceiveStock{Sku("MUG"), Quantity{20}, "PO-1"}).position();
  s.ok(AdjustStock{Sku("MUG"), Quantity{-1}, "broken"});

  // A cart checked out; another abandoned.
  s.ok(OpenCart{CartId("k1"), CustomerId("ann"), Currency("EUR")}, ann);
  s.ok(AddCartItem{CartId("k1"), Sku("MUG"), Quantity{3}}, ann);
  s.ok(AddCartItem{CartId("k1"), Sku("CUP"), Quantity{2}}, ann);
  s.ok(RemoveCartItem{CartId("k1"), Sku("CUP"), std::nullopt}, ann);
  {
    const fb::CommandReply& r = s.ok(CheckOutCart{CartId("k1"), OrderId("o1")}, ann);
    REQUIRE(r.events()->size() == 3);  // CartCheckedOut, OrderPlaced, StockReserved
    CHECK(text(r.events()->Get(0)->type()) == "CartCheckedOut");
    CHECK(text(r.events()->Get(1)->type()) == "OrderPlaced");
    CHECK(text(r.events()->Get(1)->stream()) == "order-o1");
    CHECK(r.events()->Get(1)->version() == 1);
    CHECK(text(r.events()->Get(2)->type()) == "StockReserved");
  }
  s.ok(OpenCart{CartId("k2"), CustomerId("ann"), Currency("EUR")}, ann);
  s.ok(AddCartItem{CartId("k2"), Sku("MUG"), Quantity{1}}, ann);
  s.ok(AbandonCart{CartId("k2")}, ann);

  // The order paid, shipped, delivered, partly returned and refunded.
  s.ok(AuthorizePayment{OrderId("o1"), PaymentId("p1"), eur(3000), "psp-1"});
  {
    const fb::CommandReply& r = s.ok(CapturePayment{OrderId("o1"), PaymentId("p1"), std::nullopt});
    REQUIRE(r.events()->size() == 2);
    CHECK(text(r.events()->Get(1)->type()) == "OrderPaid");
  }
  s.ok(ShipOrder{OrderId("o1"), "DHL", "T-1"});
  s.ok(DeliverOrder{OrderId("o1")});
  s.ok(ReturnOrderItems{OrderId("o1"), {ReturnLine{Sku("MUG"), Quantity{1}}}, true});
  s.ok(RefundPayment{OrderId("o1"), PaymentId("p1"), eur(1000), "returned"});

  // A rating, read while it counts, then rejected.
  s.ok(SubmitRating{OrderId("o1"), Sku("MUG"), 4, "nice"}, ann);
  {
    const auto& r = s.query("rating", {.sku = "MUG"}, fb::QueryBody::RatingView);
    const fb::RatingView& v = *r.body_as_RatingView();
    CHECK(text(v.sku()) == "MUG");
    CHECK(v.count() == 1);
    CHECK(v.average_hundredths() == 400);
    REQUIRE(v.histogram() != nullptr);
    REQUIRE(v.histogram()->size() == 5);
    CHECK(v.histogram()->Get(3) == 1);
  }
  s.ok(RejectRating{Sku("MUG"), CustomerId("ann"), "spam"});

  // Another order: a payment voided, one failed, a refusal, then cancelled.
  s.ok(OpenCart{CartId("k3"), CustomerId("ann"), Currency("EUR")}, ann);
  s.ok(AddCartItem{CartId("k3"), Sku("MUG"), Quantity{1}}, ann);
  s.ok(CheckOutCart{CartId("k3"), OrderId("o2")}, ann);
  s.ok(AuthorizePayment{OrderId("o2"), PaymentId("p2"), eur(1000), ""});
  s.ok(VoidPayment{OrderId("o2"), PaymentId("p2")});
  s.ok(FailPayment{OrderId("o2"), PaymentId("p3"), "declined"});
  CHECK(s.refused(ShipOrder{OrderId("o2"), "", ""}) == "INVALID_STATE");  // not paid
  {
    const fb::CommandReply& r = s.ok(CancelOrder{OrderId("o2"), "changed mind"});
    CHECK(text(r.events()->Get(0)->type()) == "OrderCancelled");
  }

  const events::Head head = h.engine().head();
  REQUIRE(head.position.value > 0);

  {// each query answers with its body
   {const auto& r = s.query("order", {.order_id = "o1"}, fb::QueryBody::OrderView);
  const fb::OrderView& v = *r.body_as_OrderView();
  CHECK(text(v.order_id()) == "o1");
  CHECK(text(v.customer_id()) == "ann");
  CHECK(v.status() == fb::OrderStatus::delivered);
  REQUIRE(v.lines() != nullptr);
  REQUIRE(v.lines()->size() == 1);
  CHECK(text(v.lines()->Get(0)->sku()) == "MUG");
  CHECK(v.lines()->Get(0)->quantity() == 3);
  check_money(v.lines()->Get(0)->unit_price(), 1000);
  check_money(v.total(), 3000);
  check_money(v.captured(), 3000);
  check_money(v.refunded(), 1000);
  REQUIRE(v.returned() != nullptr);
  REQUIRE(v.returned()->size() == 1);
  CHECK(v.returned()->Get(0)->quantity() == 1);
  CHECK(v.placed_at() > 0);
  CHECK(v.version() == 8);
}
{
  const auto& r = s.query("order", {.order_id = "o2"}, fb::QueryBody::OrderView);
  CHECK(r.body_as_OrderView()->status() == fb::OrderStatus::cancelled);
}
{
  const auto& r = s.query("stock", {.sku = "MUG"}, fb::QueryBody::StockView);
  const fb::StockView& v = *r.body_as_StockView();
  CHECK(text(v.sku()) == "MUG");
  CHECK(text(v.name()) == "Mug");
  check_money(v.price(), 1000);
  CHECK_FALSE(v.retired());
  // 20 received, 1 broken, 3 shipped, 1 returned to stock; o2's unit released.
  CHECK(v.on_hand() == 17);
  CHECK(v.reserved() == 0);
  CHECK(v.available() == 17);
}
{
  const auto& r = s.query("stock", {.sku = "OLD"}, fb::QueryBody::StockView);
  CHECK(r.body_as_StockView()->retired());
}
{
  const auto& r = s.query("rating", {.sku = "MUG"}, fb::QueryBody::RatingView);
  CHECK(r.body_as_RatingView()->count() == 0);  // rejected: no longer counts
  CHECK(r.body_as_RatingView()->average_hundredths() == 0);
}
{
  const auto& r = s.query("cart", {.cart_id = "k1"}, fb::QueryBody::CartView);
  const fb::CartView& v = *r.body_as_CartView();
  CHECK(text(v.cart_id()) == "k1");
  CHECK(v.status() == fb::CartStatus::checked_out);
  CHECK(text(v.currency()) == "EUR");
  const auto& k2 = s.query("cart", {.cart_id = "k2"}, fb::QueryBody::CartView);
  CHECK(k2.body_as_CartView()->status() == fb::CartStatus::abandoned);
}
{
  const auto& r = s.query("history", {.stream = "order-o1"}, fb::QueryBody::EventsReply);
  const fb::EventsReply& page = *r.body_as_EventsReply();
  REQUIRE(page.events() != nullptr);
  REQUIRE(page.events()->size() == 8);
  CHECK(page.next_version() == page.events()->size() + 1);
  CHECK_FALSE(page.next_position().has_value());
  for (flatbuffers::uoffset_t i = 0; i < page.events()->size(); ++i) {
    const fb::LoggedEvent& e = *page.events()->Get(i);
    REQUIRE(e.record() != nullptr);
    auto event = events::decode_event(std::span(e.record()->data(), e.record()->size()));
    REQUIRE(event.has_value());
    CHECK(event->stream == "order-o1");
    CHECK(event->version.value == i + 1);
    CHECK(text(e.type()) == event_type_name(event->data));
    REQUIRE(e.hash() != nullptr);
    CHECK(e.hash()->size() == 32);
  }
  CHECK(text(page.events()->Get(0)->type()) == "OrderPlaced");
}
{
  const auto& r =
      s.query("events", {.from_position = 1, .limit = 1000}, fb::QueryBody::EventsReply);
  const fb::EventsReply& page = *r.body_as_EventsReply();
  REQUIRE(page.events() != nullptr);
  CHECK(page.events()->size() == head.position.value);
  CHECK(page.next_position() == head.position.value + 1);
  const auto& reserved = s.query("events", {.from_position = 1, .types = {"StockReserved"}},
                                 fb::QueryBody::EventsReply);
  REQUIRE(reserved.body_as_EventsReply()->events() != nullptr);
  CHECK(reserved.body_as_EventsReply()->events()->size() == 2);  // o1 and o2
}
{
  const auto& r = s.query("as_of", {.stream = "product-MUG", .position = received_at},
                          fb::QueryBody::StockView);
  CHECK(r.body_as_StockView()->on_hand() == 20);  // before the adjustment
  CHECK(r.body_as_StockView()->position() == received_at);
  // Neither position nor time_us: the stream as it is now.
  const auto& now = s.query("as_of", {.stream = "product-MUG"}, fb::QueryBody::StockView);
  CHECK(now.body_as_StockView()->on_hand() == 17);
}
{
  const auto& r = s.query("verify", {}, fb::QueryBody::VerifyReply);
  const fb::VerifyReply& v = *r.body_as_VerifyReply();
  CHECK(v.ok());
  CHECK(v.checked() == head.position.value);
  CHECK(v.head_position() == head.position.value);
  CHECK(text(v.head_hash()) == events::to_hex(head.hash));
  CHECK_FALSE(v.first_bad_position().has_value());
}
{  // a refused query is a QueryReply too
  const fb::QueryReply& r = s.query_reply("query.order", query_request({.order_id = "nope"}));
  CHECK_FALSE(r.ok());
  REQUIRE(r.error() != nullptr);
  CHECK(text(r.error()->code()) == "NOT_FOUND");
}
}  // namespace

{  // bad buffers are refused in FlatBuffers and change nothing
  const std::string junk = "this is not a flatbuffer, only some text";
  {
    const fb::CommandReply& r = s.command_reply("cmd.product.define", junk);
    CHECK_FALSE(r.ok());
    REQUIRE(r.error() != nullptr);
    CHECK(text(r.error()->code()) == "MALFORMED");
  }
  {
    const fb::QueryReply& r = s.query_reply("query.order", junk);
    CHECK_FALSE(r.ok());
    REQUIRE(r.error() != nullptr);
    CHECK(text(r.error()->code()) == "MALFORMED");
  }
  {  // a valid command under another command's subject
    const std::string body = s.encoded(DefineProduct{Sku("NEW"), "New", eur(1)}, staff());
    const fb::CommandReply& r = s.command_reply("cmd.product.reprice", body);
    CHECK_FALSE(r.ok());
    CHECK(text(r.command_id()) == s.last_id());
    REQUIRE(r.error() != nullptr);
    CHECK(text(r.error()->code()) == "INVALID_ARGUMENT");
  }
  {
    const std::string body = s.encoded(DefineProduct{Sku("NEW"), "New", eur(1)}, staff());
    const fb::CommandReply& r = s.command_reply("cmd.product.explode", body);
    CHECK_FALSE(r.ok());
    REQUIRE(r.error() != nullptr);
    CHECK(text(r.error()->code()) == "UNKNOWN_COMMAND");
  }
  {  // a customer may not define products: refused by the engine, in FlatBuffers
    CHECK(s.refused(DefineProduct{Sku("NEW"), "New", eur(1)}, ann) == "FORBIDDEN");
  }
  CHECK(h.engine().head().position.value == head.position.value);
  const auto& r = s.query_reply("query.stock", query_request({.sku = "NEW"}));
  CHECK_FALSE(r.ok());
}
}  // namespace stockroom::testing

TEST_CASE("Content-Type is matched case-insensitively, its parameters ignored", "[nats]") {
  NatsServer server;
  ServeHarness h(server);
  for (const char* type : {"Application/X-FlatBuffers", "application/x-flatbuffers; charset=x"}) {
    INFO(type);
    auto r = h.client().request("stockroom.query.stock", query_request({.sku = "NONE"}), type);
    REQUIRE(r.has_value());
    REQUIRE(r->headers.contains("Content-Type"));
    CHECK(r->headers.at("Content-Type") == wire::kFlatBuffersContentType);
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(r->data.data()),
                                   r->data.size());
    REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
    const fb::QueryReply& reply = *fb::GetQueryReply(r->data.data());
    REQUIRE(reply.error() != nullptr);
    CHECK(text(reply.error()->code()) == "NOT_FOUND");
  }
}

}  // namespace
}  // namespace stockroom::testing

// The JSON codec's command side: every subject decodes to its command with every
// field, and every kind of bad input gets its code (never a crash).
#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "adapters/wire/wire.h"
#include "support/money.h"

using namespace stockroom;
using namespace stockroom::wire;

namespace {

const std::string kEnvelope = R"("command_id":"cmd-1","actor":{"id":"ops-1","role":"staff"})";

Result<CommandEnvelope> decode(std::string_view name, const std::string& fields) {
  return json_codec().decode_command(name,
                                     "{" + kEnvelope + (fields.empty() ? "" : ",") + fields + "}");
}

// Decodes and requires the command to be the alternative T.
template <class T>
T decoded(std::string_view name, const std::string& fields) {
  const Result<CommandEnvelope> r = decode(name, fields);
  INFO(name << " " << fields << " -> " << (r ? "" : r.error().message));
  REQUIRE(r.has_value());
  REQUIRE(std::holds_alternative<T>(r->command));
  return std::get<T>(r->command);
}

Error refusal(std::string_view name, std::string_view body) {
  const Result<CommandEnvelope> r = json_codec().decode_command(name, body);
  INFO(name << " " << body.substr(0, 200));
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

ErrorCode code_of(std::string_view name, std::string_view body) { return refusal(name, body).code; }

ErrorCode field_code(std::string_view name, const std::string& fields) {
  return code_of(name, "{" + kEnvelope + "," + fields + "}");
}

using stockroom::testing::eur;

}  // namespace

TEST_CASE("json command: the envelope carries command_id, actor and expected_version", "[wire]") {
  const Result<CommandEnvelope> r = json_codec().decode_command(
      "inventory.receive",
      R"({"command_id":"7f3c9a","actor":{"id":"alice","role":"customer"},
          "expected_version":3,"sku":"SKU-1","quantity":2})");
  REQUIRE(r.has_value());
  CHECK(r->command_id == CommandId("7f3c9a"));
  CHECK(r->actor == Actor{ActorId("alice"), Role::kCustomer});
  REQUIRE(r->expected_version.has_value());
  CHECK(r->expected_version->value == 3);
  CHECK(std::get<ReceiveStock>(r->command) == ReceiveStock{Sku("SKU-1"), Quantity{2}, ""});

  const Result<CommandEnvelope> service = json_codec().decode_command(
      "cart.abandon", R"({"command_id":"x","actor":{"id":"svc","role":"service"},"cart_id":"c"})");
  REQUIRE(service.has_value());
  CHECK(service->actor.role == Role::kService);
  CHECK_FALSE(service->expected_version.has_value());
}

TEST_CASE("json command: catalogue and inventory subjects decode every field", "[wire]") {
  CHECK(decoded<DefineProduct>(
            "product.define",
            R"("sku":"SKU-1","name":"Lamp","price":{"amount":990,"currency":"EUR"})") ==
        DefineProduct{Sku("SKU-1"), "Lamp", eur(990)});
  CHECK(decoded<RepriceProduct>("product.reprice",
                                R"("sku":"SKU-1","price":{"amount":0,"currency":"EUR"})") ==
        RepriceProduct{Sku("SKU-1"), eur(0)});
  CHECK(decoded<RetireProduct>("product.retire", R"("sku":"SKU-1")") ==
        RetireProduct{Sku("SKU-1")});
  CHECK(decoded<ReceiveStock>("inventory.receive",
                              R"("sku":"SKU-1","quantity":5,"reference":"PO-7")") ==
        ReceiveStock{Sku("SKU-1"), Quantity{5}, "PO-7"});
  CHECK(decoded<AdjustStock>("inventory.adjust", R"("sku":"SKU-1","delta":-2,"reason":"broken")") ==
        AdjustStock{Sku("SKU-1"), Quantity{-2}, "broken"});
}

TEST_CASE("json command: cart subjects decode every field", "[wire]") {
  CHECK(
      decoded<OpenCart>("cart.open", R"("cart_id":"c-1","customer_id":"alice","currency":"EUR")") ==
      OpenCart{CartId("c-1"), CustomerId("alice"), Currency("EUR")});
  CHECK(decoded<AddCartItem>("cart.add_item", R"("cart_id":"c-1","sku":"SKU-1","quantity":2)") ==
        AddCartItem{CartId("c-1"), Sku("SKU-1"), Quantity{2}});
  CHECK(decoded<RemoveCartItem>("cart.remove_item",
                                R"("cart_id":"c-1","sku":"SKU-1","quantity":1)") ==
        RemoveCartItem{CartId("c-1"), Sku("SKU-1"), Quantity{1}});
  CHECK(decoded<AbandonCart>("cart.abandon", R"("cart_id":"c-1")") == AbandonCart{CartId("c-1")});
  CHECK(decoded<CheckOutCart>("cart.checkout", R"("cart_id":"c-1","order_id":"o-1")") ==
        CheckOutCart{CartId("c-1"), OrderId("o-1")});
}

TEST_CASE("json command: order subjects decode every field", "[wire]") {
  CHECK(decoded<CancelOrder>("order.cancel", R"("order_id":"o-1","reason":"customer")") ==
        CancelOrder{OrderId("o-1"), "customer"});
  CHECK(decoded<ShipOrder>("order.ship", R"("order_id":"o-1","carrier":"DHL","tracking":"T1")") ==
        ShipOrder{OrderId("o-1"), "DHL", "T1"});
  CHECK(decoded<DeliverOrder>("order.deliver", R"("order_id":"o-1")") ==
        DeliverOrder{OrderId("o-1")});
  CHECK(
      decoded<ReturnOrderItems>(
          "order.return",
          R"("order_id":"o-1","lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":3}],"restock":true)") ==
      ReturnOrderItems{OrderId("o-1"),
                       {ReturnLine{Sku("A"), Quantity{1}}, ReturnLine{Sku("B"), Quantity{3}}},
                       true});
}

TEST_CASE("json command: payment and rating subjects decode every field", "[wire]") {
  const std::string ids = R"("order_id":"o-1","payment_id":"p-1")";
  const std::string amount = R"("amount":{"amount":500,"currency":"EUR"})";
  CHECK(decoded<AuthorizePayment>("payment.authorize",
                                  ids + "," + amount + R"(,"provider_ref":"psp-9")") ==
        AuthorizePayment{OrderId("o-1"), PaymentId("p-1"), eur(500), "psp-9"});
  CHECK(decoded<CapturePayment>("payment.capture", ids + "," + amount) ==
        CapturePayment{OrderId("o-1"), PaymentId("p-1"), eur(500)});
  CHECK(decoded<VoidPayment>("payment.void", ids) == VoidPayment{OrderId("o-1"), PaymentId("p-1")});
  CHECK(decoded<FailPayment>("payment.fail", ids + R"(,"reason":"declined")") ==
        FailPayment{OrderId("o-1"), PaymentId("p-1"), "declined"});
  CHECK(decoded<RefundPayment>("payment.refund", ids + "," + amount + R"(,"reason":"goodwill")") ==
        RefundPayment{OrderId("o-1"), PaymentId("p-1"), eur(500), "goodwill"});
  CHECK(decoded<SubmitRating>("rating.submit",
                              R"("order_id":"o-1","sku":"A","stars":4,"comment":"nice")") ==
        SubmitRating{OrderId("o-1"), Sku("A"), 4, "nice"});
  CHECK(
      decoded<RejectRating>("rating.reject", R"("sku":"A","customer_id":"bob","reason":"spam")") ==
      RejectRating{Sku("A"), CustomerId("bob"), "spam"});
}

TEST_CASE("json command: optional fields may be absent or null", "[wire]") {
  CHECK(decoded<ReceiveStock>("inventory.receive", R"("sku":"S","quantity":1)").reference.empty());
  CHECK_FALSE(decoded<RemoveCartItem>("cart.remove_item", R"("cart_id":"c","sku":"S")")
                  .quantity.has_value());
  CHECK(decoded<ShipOrder>("order.ship", R"("order_id":"o-1")") ==
        ShipOrder{OrderId("o-1"), "", ""});
  CHECK(decoded<ShipOrder>("order.ship", R"("order_id":"o-1","carrier":null)").carrier.empty());
  CHECK_FALSE(decoded<CapturePayment>("payment.capture", R"("order_id":"o","payment_id":"p")")
                  .amount.has_value());
  CHECK(decoded<AuthorizePayment>(
            "payment.authorize",
            R"("order_id":"o","payment_id":"p","amount":{"amount":1,"currency":"EUR"})")
            .provider_ref.empty());
  CHECK(decoded<SubmitRating>("rating.submit", R"("order_id":"o","sku":"A","stars":5)")
            .comment.empty());
  const Result<CommandEnvelope> r =
      decode("cart.abandon", R"("cart_id":"c","expected_version":null)");
  REQUIRE(r.has_value());
  CHECK_FALSE(r->expected_version.has_value());
}

TEST_CASE("json command: unknown fields are ignored for forward compatibility", "[wire]") {
  CHECK(decoded<AbandonCart>("cart.abandon",
                             R"("cart_id":"c-1","added_later":{"x":[1,2,{"y":null}]},"n":1.5)") ==
        AbandonCart{CartId("c-1")});
}

TEST_CASE("json command: values the engine bounds pass through for validate()", "[wire]") {
  // The contract answers these INVALID_ARGUMENT; that is validate()'s job, not the codec's.
  CHECK(decoded<ReceiveStock>("inventory.receive", R"("sku":"S","quantity":0)").quantity.value ==
        0);
  CHECK(decoded<ReceiveStock>("inventory.receive", R"("sku":"S","quantity":-3)").quantity.value ==
        -3);
  CHECK(decoded<OpenCart>("cart.open", R"("cart_id":"has.dot","customer_id":"c","currency":"EUR")")
            .cart_id.str() == "has.dot");
  const OpenCart euro =
      decoded<OpenCart>("cart.open", R"("cart_id":"c","customer_id":"c","currency":"euro")");
  CHECK_FALSE(is_valid_currency(euro.currency.str()));
  CHECK(decoded<SubmitRating>("rating.submit", R"("order_id":"o","sku":"A","stars":6)").stars == 6);
  CHECK(decoded<CheckOutCart>("cart.checkout", R"("cart_id":"","order_id":"o")").cart_id.empty());
}

TEST_CASE("json command: strings keep escapes and unicode exactly", "[wire]") {
  const DefineProduct p = decoded<DefineProduct>(
      "product.define",
      R"("sku":"S","name":"Caf\u00e9 \"Lamp\"\n\t\\ \ud83d\ude00 ü","price":{"amount":1,"currency":"EUR"})");
  CHECK(p.name == "Caf\xC3\xA9 \"Lamp\"\n\t\\ \xF0\x9F\x98\x80 \xC3\xBC");
  const RetireProduct nul = decoded<RetireProduct>("product.retire", R"("sku":"a\u0000b")");
  CHECK(nul.sku.str() == std::string("a\0b", 3));
}

TEST_CASE("json command: an unknown subject is UNKNOWN_COMMAND whatever the body", "[wire]") {
  CHECK(code_of("inventory.teleport", R"({"command_id":"x","sku":"S"})") ==
        ErrorCode::kUnknownCommand);
  CHECK(code_of("inventory.teleport", "{not json") == ErrorCode::kUnknownCommand);
  CHECK(code_of("", "") == ErrorCode::kUnknownCommand);
  // The engine's own expiry has no subject.
  CHECK(code_of("order.expire", "{" + kEnvelope + R"(,"order_id":"o"})") ==
        ErrorCode::kUnknownCommand);
  CHECK(refusal("cart.teleport", "{}").message.find("cart.teleport") != std::string::npos);
}

TEST_CASE("json command: bodies that are not one JSON object are MALFORMED", "[wire]") {
  for (const std::string_view body :
       {"{not json", "", "   ", "[]", "42", "\"text\"", "null", "true", R"({"command_id":"x"} x)",
        R"({"a":1}{"b":2})", R"({"a":1,})", R"({'a':1})", "{\"a\":\"\xff\xfe\"}",
        R"({"a":"\ud800"})", R"({"n":1e400})"}) {
    INFO(body);
    CHECK(code_of("cart.abandon", body) == ErrorCode::kMalformed);
  }
  const Error e = refusal("cart.abandon", "{not json");
  CHECK(e.message.find("not valid JSON") != std::string::npos);
}

TEST_CASE("json command: deeply nested junk is refused or ignored without a crash", "[wire]") {
  const std::string open(200'000, '[');
  CHECK(code_of("cart.abandon", open) == ErrorCode::kMalformed);
  CHECK(code_of("cart.abandon", R"({"x":)" + open) == ErrorCode::kMalformed);
  const std::string nested = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK(decoded<AbandonCart>("cart.abandon", R"("cart_id":"c","junk":)" + nested) ==
        AbandonCart{CartId("c")});
  std::string objects;
  for (int i = 0; i < 50'000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(50'000, '}');
  CHECK(code_of("cart.abandon", objects) == ErrorCode::kMalformed);  // no command_id
}

TEST_CASE("json command: an integer field takes only a JSON integer in int64", "[wire]") {
  const std::string sku = R"("sku":"S",)";
  for (const std::string_view q :
       {R"("five")", "1.5", "1e3", "2.0", "true", "null", "[1]", "{}", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "1e19"}) {
    INFO(q);
    CHECK(field_code("inventory.receive", sku + R"("quantity":)" + std::string(q)) ==
          ErrorCode::kMalformed);
  }
  CHECK(decoded<ReceiveStock>("inventory.receive", sku + R"("quantity":9223372036854775807)")
            .quantity.value == INT64_MAX);
  CHECK(
      decoded<AdjustStock>("inventory.adjust", sku + R"("delta":-9223372036854775808,"reason":"r")")
          .delta.value == INT64_MIN);
  const Error e =
      refusal("inventory.receive", "{" + kEnvelope + "," + sku + R"("quantity":"five"})");
  CHECK(e.message == "quantity: expected integer, got string");
  CHECK(e.details == std::vector<ErrorDetail>{{"field", std::string("quantity")}});
}

TEST_CASE("json command: a missing required field is MALFORMED and named", "[wire]") {
  Error e = refusal("inventory.receive", "{" + kEnvelope + R"(,"sku":"S"})");
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.message == "quantity: required integer");
  e = refusal("product.define", "{" + kEnvelope + R"(,"sku":"S","name":"N"})");
  CHECK(e.message == "price: required money {amount, currency}");
  e = refusal("product.define",
              "{" + kEnvelope + R"(,"sku":"S","name":"N","price":{"currency":"EUR"}})");
  CHECK(e.message == "price.amount: required integer");
  e = refusal("product.define",
              "{" + kEnvelope + R"(,"sku":"S","name":"N","price":{"amount":1,"currency":3}})");
  CHECK(e.message == "price.currency: expected string, got number");
  CHECK(field_code("product.define", R"("sku":"S","name":"N","price":"12.50")") ==
        ErrorCode::kMalformed);
  CHECK(field_code("product.define",
                   R"("sku":"S","name":"N","price":{"amount":12.5,"currency":"EUR"})") ==
        ErrorCode::kMalformed);
  CHECK(field_code("cart.open", R"("cart_id":"c","customer_id":"c")") == ErrorCode::kMalformed);
  CHECK(field_code("order.cancel", R"("order_id":"o")") == ErrorCode::kMalformed);
  CHECK(field_code("order.return", R"("order_id":"o","lines":[])") == ErrorCode::kMalformed);
  CHECK(field_code("payment.refund", R"("order_id":"o","payment_id":"p","reason":"r")") ==
        ErrorCode::kMalformed);
  CHECK(field_code("rating.submit", R"("order_id":"o","sku":"A")") == ErrorCode::kMalformed);
  CHECK(field_code("cart.abandon", R"("cart_id":7)") == ErrorCode::kMalformed);
  CHECK(field_code("cart.abandon", R"("cart_id":null)") == ErrorCode::kMalformed);
}

TEST_CASE("json command: return lines are checked element by element", "[wire]") {
  const std::string head = R"("order_id":"o","restock":false,"lines":)";
  CHECK(field_code("order.return", head + R"({"sku":"A"})") == ErrorCode::kMalformed);
  CHECK(field_code("order.return", head + R"([1])") == ErrorCode::kMalformed);
  const Error e =
      refusal("order.return", "{" + kEnvelope + "," + head +
                                  R"([{"sku":"A","quantity":1},{"sku":"B","quantity":"x"}]})");
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.message == "lines[1].quantity: expected integer, got string");
  CHECK(field_code("order.return", R"("order_id":"o","lines":[],"restock":"yes")") ==
        ErrorCode::kMalformed);
}

TEST_CASE("json command: command_id and actor are required", "[wire]") {
  Error e = refusal("cart.abandon", R"({"actor":{"id":"a","role":"staff"},"cart_id":"c"})");
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.message == "command_id: required string");
  CHECK(code_of("cart.abandon", R"({"command_id":5,"actor":{"id":"a","role":"staff"}})") ==
        ErrorCode::kMalformed);
  e = refusal("cart.abandon", R"({"command_id":"x","cart_id":"c"})");
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.message == "actor: required object {id, role}");
  CHECK(code_of("cart.abandon", R"({"command_id":"x","actor":"staff","cart_id":"c"})") ==
        ErrorCode::kMalformed);
  CHECK(code_of("cart.abandon", R"({"command_id":"x","actor":{"role":"staff"},"cart_id":"c"})") ==
        ErrorCode::kMalformed);
  CHECK(code_of("cart.abandon", R"({"command_id":"x","actor":{"id":"a"},"cart_id":"c"})") ==
        ErrorCode::kMalformed);
  e = refusal("cart.abandon",
              R"({"command_id":"x","actor":{"id":"a","role":"admin"},"cart_id":"c"})");
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK(e.message == R"(actor.role: must be customer, staff or service, got "admin")");
  CHECK(code_of("cart.abandon",
                R"({"command_id":"x","actor":{"id":"a","role":"Staff"},"cart_id":"c"})") ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("json command: expected_version is a non-negative integer", "[wire]") {
  CHECK(field_code("cart.abandon", R"("cart_id":"c","expected_version":-1)") ==
        ErrorCode::kInvalidArgument);
  CHECK(field_code("cart.abandon", R"("cart_id":"c","expected_version":"3")") ==
        ErrorCode::kMalformed);
  CHECK(field_code("cart.abandon", R"("cart_id":"c","expected_version":3.5)") ==
        ErrorCode::kMalformed);
  const Result<CommandEnvelope> zero =
      decode("cart.abandon", R"("cart_id":"c","expected_version":0)");
  REQUIRE(zero.has_value());
  CHECK(zero->expected_version == StreamVersion{0});
}

TEST_CASE("json command: stars beyond int32 are out of bound, not truncated", "[wire]") {
  const Error e = refusal("rating.submit",
                          "{" + kEnvelope + R"(,"order_id":"o","sku":"A","stars":4294967300})");
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK(e.message.find("stars") == 0);
}

TEST_CASE("json command: command_id_of finds the id of a body that failed", "[wire]") {
  const Codec& codec = json_codec();
  CHECK(codec.command_id_of(R"({"command_id":"abc","quantity":"five"})") == "abc");
  CHECK(codec.command_id_of(R"({"actor":{}})").empty());
  CHECK(codec.command_id_of(R"({"command_id":12})").empty());
  CHECK(codec.command_id_of("{not json").empty());
  CHECK(codec.command_id_of("[\"command_id\"]").empty());
  CHECK(codec.command_id_of(std::string(100'000, '[')).empty());
}

TEST_CASE("json codec: codec_for, view_name and stream_kind", "[wire]") {
  CHECK(&codec_for(Encoding::kJson) == &json_codec());
  CHECK(&codec_for(Encoding::kFlatBuffers) == &flatbuffers_codec());
  CHECK(view_name(Query::Kind::kOrder) == "order");
  CHECK(view_name(Query::Kind::kStock) == "stock");
  CHECK(view_name(Query::Kind::kRating) == "rating");
  CHECK(view_name(Query::Kind::kCart) == "cart");
  CHECK(view_name(Query::Kind::kHistory).empty());
  CHECK(view_name(Query::Kind::kAsOf).empty());

  const auto kind = [](std::string_view stream) {
    const std::optional<StreamKind> k = stream_kind(stream);
    return k ? std::string(k->kind) + "|" + std::string(k->id) : std::string("none");
  };
  CHECK(kind("product-SKU-1") == "product|SKU-1");
  CHECK(kind("cart-c-1") == "cart|c-1");
  CHECK(kind("order-o_1") == "order|o_1");
  CHECK(kind("review-SKU-1~alice") == "review|SKU-1~alice");
  CHECK(kind("order-") == "none");
  CHECK(kind("payment-p-1") == "none");
  CHECK(kind("products-x") == "none");
  CHECK(kind("") == "none");
}

TEST_CASE("json command: the hold subjects decode every field, times in RFC 3339", "[wire]") {
  const Timestamp expires{1'764'590'400'000'000};  // 2025-12-01T12:00:00Z
  CHECK(
      decoded<PlaceHold>(
          "stock.hold",
          R"("order_id":"o-1","attempt":2,"currency":"EUR","lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":3}],"expires_at":"2025-12-01T12:00:00.000000Z")") ==
      PlaceHold{OrderId("o-1"),
                2,
                Currency("EUR"),
                {HoldLine{Sku("A"), Quantity{1}}, HoldLine{Sku("B"), Quantity{3}}},
                expires});
  CHECK(
      decoded<ReleaseHold>(
          "stock.release_hold",
          R"("order_id":"o-1","attempt":2,"skus":["A","B"],"reason":"order refused","expires_at":"2025-12-01T12:00:00.000000Z")") ==
      ReleaseHold{OrderId("o-1"), 2, {Sku("A"), Sku("B")}, "order refused", expires});
  CHECK(
      decoded<ConfirmHold>("stock.confirm_hold", R"("order_id":"o-1","attempt":2,"skus":["A"])") ==
      ConfirmHold{OrderId("o-1"), 2, {Sku("A")}});
}

TEST_CASE("json command: a hold with a bad time, attempt or sku list is refused clearly",
          "[wire]") {
  const std::string lines = R"("lines":[{"sku":"A","quantity":1}])";
  CHECK(field_code("stock.hold", R"("order_id":"o-1","attempt":1,"currency":"EUR",)" + lines +
                                     R"(,"expires_at":"tomorrow")") == ErrorCode::kInvalidArgument);
  CHECK(field_code("stock.hold", R"("order_id":"o-1","attempt":-1,"currency":"EUR",)" + lines +
                                     R"(,"expires_at":"2025-12-01T12:00:00.000000Z")") ==
        ErrorCode::kInvalidArgument);
  CHECK(field_code("stock.hold", R"("order_id":"o-1","attempt":1,"currency":"EUR",)" + lines) ==
        ErrorCode::kMalformed);  // expires_at missing
  CHECK(field_code("stock.confirm_hold", R"("order_id":"o-1","attempt":1,"skus":[1])") ==
        ErrorCode::kMalformed);
  CHECK(field_code("stock.confirm_hold", R"("order_id":"o-1","attempt":1,"skus":"A")") ==
        ErrorCode::kMalformed);
}

TEST_CASE("json command: order.place decodes every field, and refuses a bad line or time",
          "[wire]") {
  CHECK(decoded<PlaceOrder>(
            "order.place",
            R"("order_id":"o-1","cart_id":"c-1","customer_id":"alice",)"
            R"("lines":[{"sku":"A","quantity":2,"unit_price":{"amount":1200,"currency":"EUR"}}],)"
            R"("expires_at":"2026-12-01T12:00:00.000000Z")") ==
        PlaceOrder{OrderId("o-1"),
                   CartId("c-1"),
                   CustomerId("alice"),
                   {OrderLine{Sku("A"), Quantity{2}, Money{1200, Currency("EUR")}}},
                   Timestamp{1'796'126'400'000'000}});
  const std::string head = R"("order_id":"o-1","cart_id":"c-1","customer_id":"alice",)";
  CHECK(field_code("order.place", head + R"("lines":[{"sku":"A","quantity":2}],)" +
                                      R"("expires_at":"2026-12-01T12:00:00.000000Z")") ==
        ErrorCode::kMalformed);  // unit_price missing
  CHECK(
      field_code(
          "order.place",
          head +
              R"("lines":[{"sku":"A","quantity":2,"unit_price":{"amount":1,"currency":"EUR"}}],)" +
              R"("expires_at":"soon")") == ErrorCode::kInvalidArgument);
  CHECK(field_code("order.place",
                   head + R"("lines":"A","expires_at":"2026-12-01T12:00:00.000000Z")") ==
        ErrorCode::kMalformed);
}

TEST_CASE("json command: stock.settle decodes every field, and names a bad effect", "[wire]") {
  CHECK(decoded<SettleStock>(
            "stock.settle",
            R"("order_id":"o-1","effect":"ship","lines":[{"sku":"A","quantity":2}])") ==
        SettleStock{OrderId("o-1"), StockEffect::kShip, {ReturnLine{Sku("A"), Quantity{2}}}});
  CHECK(decoded<SettleStock>(
            "stock.settle",
            R"("order_id":"o-1","effect":"return","lines":[{"sku":"A","quantity":1}])")
            .effect == StockEffect::kReturn);
  CHECK(field_code("stock.settle",
                   R"("order_id":"o-1","effect":"lose","lines":[{"sku":"A","quantity":2}])") ==
        ErrorCode::kInvalidArgument);
  CHECK(field_code("stock.settle", R"("order_id":"o-1","lines":[{"sku":"A","quantity":2}])") ==
        ErrorCode::kMalformed);
}

TEST_CASE("json command: rating.record decodes every field", "[wire]") {
  CHECK(decoded<RecordRating>(
            "rating.record",
            R"("sku":"A","customer_id":"alice","order_id":"o-1","stars":4,"comment":"ok")") ==
        RecordRating{Sku("A"), CustomerId("alice"), OrderId("o-1"), 4, "ok"});
  CHECK(field_code("rating.record",
                   R"("sku":"A","customer_id":"alice","order_id":"o-1","stars":9999999999)") ==
        ErrorCode::kInvalidArgument);
}

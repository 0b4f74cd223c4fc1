#include "events/internal/codec_command_bodies.h"

#include <array>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "events/internal/codec_union.h"

namespace stockroom::events::codec {
namespace {

template <class T>
using Ref = flatbuffers::Offset<T>;

// ---- writing: one overload per command; it names the table the command maps to ----

Ref<fb::DefineProduct> put(Builder& b, const DefineProduct& c) {
  const StringRef sku = put_id(b, c.sku);
  const StringRef name = put_text(b, c.name);
  const auto price = put_money(b, c.price);
  return fb::CreateDefineProduct(b, sku, name, price);
}

Ref<fb::RepriceProduct> put(Builder& b, const RepriceProduct& c) {
  const StringRef sku = put_id(b, c.sku);
  const auto price = put_money(b, c.price);
  return fb::CreateRepriceProduct(b, sku, price);
}

Ref<fb::RetireProduct> put(Builder& b, const RetireProduct& c) {
  return fb::CreateRetireProduct(b, put_id(b, c.sku));
}

Ref<fb::ReceiveStock> put(Builder& b, const ReceiveStock& c) {
  const StringRef sku = put_id(b, c.sku);
  const StringRef reference = put_text(b, c.reference);
  return fb::CreateReceiveStock(b, sku, c.quantity.value, reference);
}

Ref<fb::AdjustStock> put(Builder& b, const AdjustStock& c) {
  const StringRef sku = put_id(b, c.sku);
  const StringRef reason = put_text(b, c.reason);
  return fb::CreateAdjustStock(b, sku, c.delta.value, reason);
}

Ref<fb::OpenCart> put(Builder& b, const OpenCart& c) {
  const StringRef cart_id = put_id(b, c.cart_id);
  const StringRef customer_id = put_id(b, c.customer_id);
  const StringRef currency = put_currency(b, c.currency);
  return fb::CreateOpenCart(b, cart_id, customer_id, currency);
}

Ref<fb::AddCartItem> put(Builder& b, const AddCartItem& c) {
  const StringRef cart_id = put_id(b, c.cart_id);
  const StringRef sku = put_id(b, c.sku);
  return fb::CreateAddCartItem(b, cart_id, sku, c.quantity.value);
}

Ref<fb::RemoveCartItem> put(Builder& b, const RemoveCartItem& c) {
  const StringRef cart_id = put_id(b, c.cart_id);
  const StringRef sku = put_id(b, c.sku);
  flatbuffers::Optional<int64_t> quantity = flatbuffers::nullopt;
  if (c.quantity) quantity = c.quantity->value;
  return fb::CreateRemoveCartItem(b, cart_id, sku, quantity);
}

Ref<fb::AbandonCart> put(Builder& b, const AbandonCart& c) {
  return fb::CreateAbandonCart(b, put_id(b, c.cart_id));
}

Ref<fb::CheckOutCart> put(Builder& b, const CheckOutCart& c) {
  const StringRef cart_id = put_id(b, c.cart_id);
  const StringRef order_id = put_id(b, c.order_id);
  return fb::CreateCheckOutCart(b, cart_id, order_id);
}

Ref<fb::CancelOrder> put(Builder& b, const CancelOrder& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef reason = put_text(b, c.reason);
  return fb::CreateCancelOrder(b, order_id, reason);
}

Ref<fb::ShipOrder> put(Builder& b, const ShipOrder& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef carrier = put_text(b, c.carrier);
  const StringRef tracking = put_text(b, c.tracking);
  return fb::CreateShipOrder(b, order_id, carrier, tracking);
}

Ref<fb::DeliverOrder> put(Builder& b, const DeliverOrder& c) {
  return fb::CreateDeliverOrder(b, put_id(b, c.order_id));
}

Ref<fb::ReturnOrderItems> put(Builder& b, const ReturnOrderItems& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const auto lines = put_return_lines(b, c.lines);
  return fb::CreateReturnOrderItems(b, order_id, lines, c.restock);
}

Ref<fb::AuthorizePayment> put(Builder& b, const AuthorizePayment& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef payment_id = put_id(b, c.payment_id);
  const auto amount = put_money(b, c.amount);
  const StringRef provider_ref = put_text(b, c.provider_ref);
  return fb::CreateAuthorizePayment(b, order_id, payment_id, amount, provider_ref);
}

Ref<fb::CapturePayment> put(Builder& b, const CapturePayment& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef payment_id = put_id(b, c.payment_id);
  const auto amount = put_money(b, c.amount);
  return fb::CreateCapturePayment(b, order_id, payment_id, amount);
}

Ref<fb::VoidPayment> put(Builder& b, const VoidPayment& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef payment_id = put_id(b, c.payment_id);
  return fb::CreateVoidPayment(b, order_id, payment_id);
}

Ref<fb::FailPayment> put(Builder& b, const FailPayment& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef payment_id = put_id(b, c.payment_id);
  const StringRef reason = put_text(b, c.reason);
  return fb::CreateFailPayment(b, order_id, payment_id, reason);
}

Ref<fb::RefundPayment> put(Builder& b, const RefundPayment& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef payment_id = put_id(b, c.payment_id);
  const auto amount = put_money(b, c.amount);
  const StringRef reason = put_text(b, c.reason);
  return fb::CreateRefundPayment(b, order_id, payment_id, amount, reason);
}

Ref<fb::SubmitRating> put(Builder& b, const SubmitRating& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef sku = put_id(b, c.sku);
  const StringRef comment = put_text(b, c.comment);
  return fb::CreateSubmitRating(b, order_id, sku, c.stars, comment);
}

Ref<fb::RejectRating> put(Builder& b, const RejectRating& c) {
  const StringRef sku = put_id(b, c.sku);
  const StringRef customer_id = put_id(b, c.customer_id);
  const StringRef reason = put_text(b, c.reason);
  return fb::CreateRejectRating(b, sku, customer_id, reason);
}

Ref<fb::ExpireOrder> put(Builder& b, const ExpireOrder& c) {
  return fb::CreateExpireOrder(b, put_id(b, c.order_id));
}

Ref<flatbuffers::Vector<StringRef>> put_skus(Builder& b, const std::vector<Sku>& skus) {
  std::vector<StringRef> offsets;
  offsets.reserve(skus.size());
  for (const Sku& sku : skus) offsets.push_back(put_id(b, sku));
  return b.CreateVector(offsets);
}

Ref<fb::PlaceHold> put(Builder& b, const PlaceHold& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef currency = put_currency(b, c.currency);
  std::vector<ReturnLine> lines;
  lines.reserve(c.lines.size());
  for (const HoldLine& l : c.lines) lines.push_back(ReturnLine{l.sku, l.quantity});
  const auto encoded = put_return_lines(b, lines);
  return fb::CreatePlaceHold(b, order_id, c.attempt, currency, encoded, c.expires_at.micros);
}

Ref<fb::ReleaseHold> put(Builder& b, const ReleaseHold& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const auto skus = put_skus(b, c.skus);
  const StringRef reason = put_text(b, c.reason);
  return fb::CreateReleaseHold(b, order_id, c.attempt, skus, reason, c.expires_at.micros);
}

Ref<fb::ConfirmHold> put(Builder& b, const ConfirmHold& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const auto skus = put_skus(b, c.skus);
  return fb::CreateConfirmHold(b, order_id, c.attempt, skus);
}

Ref<fb::RecordRating> put(Builder& b, const RecordRating& c) {
  const StringRef sku = put_id(b, c.sku);
  const StringRef customer_id = put_id(b, c.customer_id);
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef comment = put_text(b, c.comment);
  return fb::CreateRecordRating(b, sku, customer_id, order_id, c.stars, comment);
}

Ref<fb::PlaceOrder> put(Builder& b, const PlaceOrder& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const StringRef cart_id = put_id(b, c.cart_id);
  const StringRef customer_id = put_id(b, c.customer_id);
  std::vector<Ref<fb::PricedLine>> offsets;
  offsets.reserve(c.lines.size());
  for (const OrderLine& line : c.lines) {
    const StringRef sku = put_id(b, line.sku);
    const auto unit_price = put_money(b, line.unit_price);
    offsets.push_back(fb::CreatePricedLine(b, sku, line.quantity.value, unit_price));
  }
  const auto lines = b.CreateVector(offsets);
  return fb::CreatePlaceOrder(b, order_id, cart_id, customer_id, lines, c.expires_at.micros);
}

Ref<fb::SettleStock> put(Builder& b, const SettleStock& c) {
  const StringRef order_id = put_id(b, c.order_id);
  const auto lines = put_return_lines(b, c.lines);
  return fb::CreateSettleStock(b, order_id, static_cast<fb::StockEffect>(c.effect), lines);
}

Ref<fb::ExpireHold> put(Builder& b, const ExpireHold& c) {
  const StringRef sku = put_id(b, c.sku);
  const StringRef order_id = put_id(b, c.order_id);
  return fb::CreateExpireHold(b, sku, order_id);
}

Ref<fb::FinishCheckout> put(Builder& b, const FinishCheckout& c) {
  const StringRef cart_id = put_id(b, c.cart_id);
  const StringRef code = put_text(b, c.code);
  const StringRef message = put_text(b, c.message);
  return fb::CreateFinishCheckout(b, cart_id, c.attempt, c.placed, code, message, c.refusing);
}

// ---- reading: one overload per table, back to the command it maps from ----

Result<DefineProduct> read(const fb::DefineProduct& t) {
  FieldReader r("DefineProduct");
  return r.finish(
      DefineProduct{r.id<Sku>(t.sku(), "sku"), r.text(t.name()), r.money(t.price(), "price")});
}

Result<RepriceProduct> read(const fb::RepriceProduct& t) {
  FieldReader r("RepriceProduct");
  return r.finish(RepriceProduct{r.id<Sku>(t.sku(), "sku"), r.money(t.price(), "price")});
}

Result<RetireProduct> read(const fb::RetireProduct& t) {
  FieldReader r("RetireProduct");
  return r.finish(RetireProduct{r.id<Sku>(t.sku(), "sku")});
}

Result<ReceiveStock> read(const fb::ReceiveStock& t) {
  FieldReader r("ReceiveStock");
  return r.finish(
      ReceiveStock{r.id<Sku>(t.sku(), "sku"), Quantity{t.quantity()}, r.text(t.reference())});
}

Result<AdjustStock> read(const fb::AdjustStock& t) {
  FieldReader r("AdjustStock");
  return r.finish(AdjustStock{r.id<Sku>(t.sku(), "sku"), Quantity{t.delta()}, r.text(t.reason())});
}

Result<OpenCart> read(const fb::OpenCart& t) {
  FieldReader r("OpenCart");
  return r.finish(OpenCart{r.id<CartId>(t.cart_id(), "cart_id"),
                           r.id<CustomerId>(t.customer_id(), "customer_id"),
                           r.currency(t.currency(), "currency")});
}

Result<AddCartItem> read(const fb::AddCartItem& t) {
  FieldReader r("AddCartItem");
  return r.finish(AddCartItem{r.id<CartId>(t.cart_id(), "cart_id"), r.id<Sku>(t.sku(), "sku"),
                              Quantity{t.quantity()}});
}

Result<RemoveCartItem> read(const fb::RemoveCartItem& t) {
  FieldReader r("RemoveCartItem");
  std::optional<Quantity> quantity;
  if (const flatbuffers::Optional<int64_t> q = t.quantity()) quantity = Quantity{*q};
  return r.finish(
      RemoveCartItem{r.id<CartId>(t.cart_id(), "cart_id"), r.id<Sku>(t.sku(), "sku"), quantity});
}

Result<AbandonCart> read(const fb::AbandonCart& t) {
  FieldReader r("AbandonCart");
  return r.finish(AbandonCart{r.id<CartId>(t.cart_id(), "cart_id")});
}

Result<CheckOutCart> read(const fb::CheckOutCart& t) {
  FieldReader r("CheckOutCart");
  return r.finish(
      CheckOutCart{r.id<CartId>(t.cart_id(), "cart_id"), r.id<OrderId>(t.order_id(), "order_id")});
}

Result<CancelOrder> read(const fb::CancelOrder& t) {
  FieldReader r("CancelOrder");
  return r.finish(CancelOrder{r.id<OrderId>(t.order_id(), "order_id"), r.text(t.reason())});
}

Result<ShipOrder> read(const fb::ShipOrder& t) {
  FieldReader r("ShipOrder");
  return r.finish(ShipOrder{r.id<OrderId>(t.order_id(), "order_id"), r.text(t.carrier()),
                            r.text(t.tracking())});
}

Result<DeliverOrder> read(const fb::DeliverOrder& t) {
  FieldReader r("DeliverOrder");
  return r.finish(DeliverOrder{r.id<OrderId>(t.order_id(), "order_id")});
}

Result<ReturnOrderItems> read(const fb::ReturnOrderItems& t) {
  FieldReader r("ReturnOrderItems");
  return r.finish(ReturnOrderItems{r.id<OrderId>(t.order_id(), "order_id"),
                                   r.return_lines(t.lines(), "lines"), t.restock()});
}

Result<AuthorizePayment> read(const fb::AuthorizePayment& t) {
  FieldReader r("AuthorizePayment");
  return r.finish(AuthorizePayment{r.id<OrderId>(t.order_id(), "order_id"),
                                   r.id<PaymentId>(t.payment_id(), "payment_id"),
                                   r.money(t.amount(), "amount"), r.text(t.provider_ref())});
}

Result<CapturePayment> read(const fb::CapturePayment& t) {
  FieldReader r("CapturePayment");
  return r.finish(CapturePayment{r.id<OrderId>(t.order_id(), "order_id"),
                                 r.id<PaymentId>(t.payment_id(), "payment_id"),
                                 r.optional_money(t.amount(), "amount")});
}

Result<VoidPayment> read(const fb::VoidPayment& t) {
  FieldReader r("VoidPayment");
  return r.finish(VoidPayment{r.id<OrderId>(t.order_id(), "order_id"),
                              r.id<PaymentId>(t.payment_id(), "payment_id")});
}

Result<FailPayment> read(const fb::FailPayment& t) {
  FieldReader r("FailPayment");
  return r.finish(FailPayment{r.id<OrderId>(t.order_id(), "order_id"),
                              r.id<PaymentId>(t.payment_id(), "payment_id"), r.text(t.reason())});
}

Result<RefundPayment> read(const fb::RefundPayment& t) {
  FieldReader r("RefundPayment");
  return r.finish(RefundPayment{r.id<OrderId>(t.order_id(), "order_id"),
                                r.id<PaymentId>(t.payment_id(), "payment_id"),
                                r.money(t.amount(), "amount"), r.text(t.reason())});
}

Result<SubmitRating> read(const fb::SubmitRating& t) {
  FieldReader r("SubmitRating");
  return r.finish(SubmitRating{r.id<OrderId>(t.order_id(), "order_id"), r.id<Sku>(t.sku(), "sku"),
                               t.stars(), r.text(t.comment())});
}

Result<RejectRating> read(const fb::RejectRating& t) {
  FieldReader r("RejectRating");
  return r.finish(RejectRating{r.id<Sku>(t.sku(), "sku"),
                               r.id<CustomerId>(t.customer_id(), "customer_id"),
                               r.text(t.reason())});
}

Result<ExpireOrder> read(const fb::ExpireOrder& t) {
  FieldReader r("ExpireOrder");
  return r.finish(ExpireOrder{r.id<OrderId>(t.order_id(), "order_id")});
}

std::vector<Sku> read_skus(FieldReader& r, const flatbuffers::Vector<StringRef>* v) {
  std::vector<Sku> skus;
  if (v == nullptr) return skus;
  skus.reserve(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
    skus.push_back(r.id<Sku>(v->Get(i), "skus[" + std::to_string(i) + "]"));
  }
  return skus;
}

Result<PlaceHold> read(const fb::PlaceHold& t) {
  FieldReader r("PlaceHold");
  PlaceHold c{r.id<OrderId>(t.order_id(), "order_id"),
              t.attempt(),
              r.currency(t.currency(), "currency"),
              {},
              Timestamp{t.expires_at()}};
  for (ReturnLine& l : r.return_lines(t.lines(), "lines")) {
    c.lines.push_back(HoldLine{std::move(l.sku), l.quantity});
  }
  return r.finish(std::move(c));
}

Result<ReleaseHold> read(const fb::ReleaseHold& t) {
  FieldReader r("ReleaseHold");
  return r.finish(ReleaseHold{r.id<OrderId>(t.order_id(), "order_id"), t.attempt(),
                              read_skus(r, t.skus()), r.text(t.reason()),
                              Timestamp{t.expires_at()}});
}

Result<ConfirmHold> read(const fb::ConfirmHold& t) {
  FieldReader r("ConfirmHold");
  return r.finish(
      ConfirmHold{r.id<OrderId>(t.order_id(), "order_id"), t.attempt(), read_skus(r, t.skus())});
}

Result<RecordRating> read(const fb::RecordRating& t) {
  FieldReader r("RecordRating");
  return r.finish(
      RecordRating{r.id<Sku>(t.sku(), "sku"), r.id<CustomerId>(t.customer_id(), "customer_id"),
                   r.id<OrderId>(t.order_id(), "order_id"), t.stars(), r.text(t.comment())});
}

Result<PlaceOrder> read(const fb::PlaceOrder& t) {
  FieldReader r("PlaceOrder");
  PlaceOrder c{r.id<OrderId>(t.order_id(), "order_id"),
               r.id<CartId>(t.cart_id(), "cart_id"),
               r.id<CustomerId>(t.customer_id(), "customer_id"),
               {},
               Timestamp{t.expires_at()}};
  if (const auto* lines = t.lines(); lines != nullptr) {
    c.lines.reserve(lines->size());
    for (flatbuffers::uoffset_t i = 0; i < lines->size(); ++i) {
      const fb::PricedLine* line = lines->Get(i);
      const std::string path = "lines[" + std::to_string(i) + "]";
      c.lines.push_back(OrderLine{r.id<Sku>(line->sku(), path + ".sku"), Quantity{line->quantity()},
                                  r.money(line->unit_price(), path + ".unit_price")});
    }
  }
  return r.finish(std::move(c));
}

Result<SettleStock> read(const fb::SettleStock& t) {
  FieldReader r("SettleStock");
  SettleStock c{r.id<OrderId>(t.order_id(), "order_id"), StockEffect::kRelease,
                r.return_lines(t.lines(), "lines")};
  switch (t.effect()) {
    case fb::StockEffect::release:
      c.effect = StockEffect::kRelease;
      break;
    case fb::StockEffect::ship:
      c.effect = StockEffect::kShip;
      break;
    case fb::StockEffect::return_:
      c.effect = StockEffect::kReturn;
      break;
    default:
      r.invalid("SettleStock.effect is not release, ship or return");
  }
  return r.finish(std::move(c));
}

Result<ExpireHold> read(const fb::ExpireHold& t) {
  FieldReader r("ExpireHold");
  return r.finish(ExpireHold{r.id<Sku>(t.sku(), "sku"), r.id<OrderId>(t.order_id(), "order_id")});
}

Result<FinishCheckout> read(const fb::FinishCheckout& t) {
  FieldReader r("FinishCheckout");
  return r.finish(FinishCheckout{r.id<CartId>(t.cart_id(), "cart_id"), t.attempt(), t.placed(),
                                 r.text(t.code()), r.text(t.message()), t.refusing()});
}

// ---- the variant <-> union correspondence, checked at compile time ----

template <class C>
using TableOf =
    typename OffsetTarget<decltype(put(std::declval<Builder&>(), std::declval<const C&>()))>::type;

template <class C>
constexpr fb::CommandBody kBodyType = fb::CommandBodyTraits<TableOf<C>>::enum_value;

constexpr size_t kCommandCount = std::variant_size_v<Command>;

template <size_t... I>
constexpr std::array<fb::CommandBody, kCommandCount> body_types(std::index_sequence<I...>) {
  return {kBodyType<std::variant_alternative_t<I, Command>>...};
}

static_assert(kCommandCount == static_cast<size_t>(fb::CommandBody::MAX),
              "Command and union CommandBody must have the same number of members");
static_assert(is_one_to_one(body_types(std::make_index_sequence<kCommandCount>())),
              "every Command alternative must map to its own CommandBody member");

template <class C>
Result<Command> read_as(const fb::CommandEnvelope& envelope) {
  const TableOf<C>* table = envelope.body_as<TableOf<C>>();
  if (table == nullptr) return fail(ErrorCode::kMalformed, "CommandEnvelope.body is missing");
  static_assert(std::is_same_v<decltype(read(*table)), Result<C>>);
  Result<C> command = read(*table);
  if (!command) return std::unexpected(std::move(command.error()));
  return Command(std::in_place_type<C>, std::move(*command));
}

using BodyReader = Result<Command> (*)(const fb::CommandEnvelope&);

// Indexed by union member number; entry 0 (NONE) stays null.
template <size_t... I>
constexpr std::array<BodyReader, kCommandCount + 1> body_readers(std::index_sequence<I...>) {
  std::array<BodyReader, kCommandCount + 1> readers{};
  ((readers[static_cast<size_t>(kBodyType<std::variant_alternative_t<I, Command>>)] =
        &read_as<std::variant_alternative_t<I, Command>>),
   ...);
  return readers;
}

constexpr auto kBodyReaders = body_readers(std::make_index_sequence<kCommandCount>());

}  // namespace

EncodedBody put_command_body(Builder& b, const Command& command) {
  return std::visit(
      [&b](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        return EncodedBody{kBodyType<C>, put(b, c).Union()};
      },
      command);
}

Result<Command> read_command_body(const fb::CommandEnvelope& envelope) {
  const auto type = static_cast<size_t>(envelope.body_type());
  if (type == 0) return fail(ErrorCode::kMalformed, "CommandEnvelope has no body type");
  if (type > kCommandCount) {
    return fail(ErrorCode::kMalformed, "CommandEnvelope.body_type " + std::to_string(type) +
                                           " is not a command this build knows");
  }
  return kBodyReaders[type](envelope);
}

}  // namespace stockroom::events::codec

// Sample values for the record codec tests: one of every event and every command,
// each field set to a non-default value, and hex helpers for golden records.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/command.h"
#include "engine/model/event.h"
#include "support/money.h"

namespace stockroom::codec_test {

using testing::eur;

// One sample of each EventData alternative, in variant order.
inline std::vector<EventData> sample_events() {
  const OrderLine line1{Sku("sku-1"), Quantity{2}, eur(1250)};
  const OrderLine line2{Sku("sku_2"), Quantity{1}, eur(99)};
  return {
      ProductDefined{Sku("sku-1"), "Blue mug", eur(1250)},
      ProductRepriced{Sku("sku-1"), eur(1300)},
      ProductRetired{Sku("sku-1")},
      StockReceived{Sku("sku-1"), Quantity{40}, "PO-7781"},
      StockAdjusted{Sku("sku-1"), Quantity{-3}, "broken in storage"},
      StockReserved{Sku("sku-1"), OrderId("o-1"), Quantity{2}},
      StockReleased{Sku("sku-1"), OrderId("o-1"), Quantity{3}},
      StockShipped{Sku("sku-1"), OrderId("o-1"), Quantity{4}},
      StockReturned{Sku("sku-1"), OrderId("o-1"), Quantity{5}},
      CartOpened{CartId("c-1"), CustomerId("cust-9"), Currency("EUR")},
      CartItemAdded{CartId("c-1"), Sku("sku-1"), Quantity{2}, eur(1250)},
      CartItemRemoved{CartId("c-1"), Sku("sku-1"), Quantity{1}},
      CartAbandoned{CartId("c-1")},
      CartCheckedOut{CartId("c-1"), OrderId("o-1")},
      OrderPlaced{OrderId("o-1"),
                  CartId("c-1"),
                  CustomerId("cust-9"),
                  {line1, line2},
                  eur(2599),
                  Timestamp{1'700'000'900'000'000}},
      OrderCancelled{OrderId("o-1"), "changed my mind", eur(500)},
      OrderExpired{OrderId("o-1"), eur(7)},
      OrderPaid{OrderId("o-1")},
      OrderShipped{OrderId("o-1"), "DHL", "JD0142"},
      OrderDelivered{OrderId("o-1")},
      OrderItemsReturned{
          OrderId("o-1"),
          {ReturnLine{Sku("sku-1"), Quantity{1}}, ReturnLine{Sku("sku_2"), Quantity{1}}},
          true},
      PaymentAuthorized{OrderId("o-1"), PaymentId("p-1"), eur(2599), "psp-ref-42"},
      PaymentCaptured{OrderId("o-1"), PaymentId("p-1"), eur(2000)},
      PaymentVoided{OrderId("o-1"), PaymentId("p-1"), eur(599)},
      PaymentFailed{OrderId("o-1"), PaymentId("p-2"), "card declined"},
      PaymentRefunded{OrderId("o-1"), PaymentId("p-1"), eur(100), "goodwill"},
      ProductRated{Sku("sku-1"), CustomerId("cust-9"), OrderId("o-1"), 4, "sturdy"},
      RatingRevised{Sku("sku-1"), CustomerId("cust-9"), OrderId("o-1"), 2, "chipped"},
      RatingRejected{Sku("sku-1"), CustomerId("cust-9"), "abusive language"},
      HoldPlaced{Sku("sku-1"), OrderId("o-1"), 2, Quantity{3}, eur(1250),
                 Timestamp{1'764'000'000'000'000}},
      HoldConfirmed{Sku("sku-1"), OrderId("o-1"), 2},
      HoldReleased{Sku("sku-1"), OrderId("o-1"), 2, Quantity{3}, "order exists",
                   Timestamp{1'764'000'000'000'000}},
      CheckoutStarted{CartId("c-1"), OrderId("o-1"), 3, Timestamp{1'764'000'000'000'000}},
      CheckoutFailed{CartId("c-1"), OrderId("o-1"), 3, "OUT_OF_STOCK", "sku-1: 2 short"},
      CheckoutRefused{CartId("c-1"), OrderId("o-1"), 3, "OUT_OF_STOCK", "sku-1: 2 short"},
      // Placed by order.place: its stock elsewhere (the flag must round-trip).
      OrderPlaced{OrderId("o-2"),
                  CartId("c-2"),
                  CustomerId("cust-9"),
                  {line1},
                  eur(2500),
                  Timestamp{1'700'000'900'000'000},
                  true},
  };
}

// One sample of each Command alternative, in variant order.
inline std::vector<Command> sample_commands() {
  return {
      DefineProduct{Sku("sku-1"), "Blue mug", eur(1250)},
      RepriceProduct{Sku("sku-1"), eur(1300)},
      RetireProduct{Sku("sku-1")},
      ReceiveStock{Sku("sku-1"), Quantity{40}, "PO-7781"},
      AdjustStock{Sku("sku-1"), Quantity{-3}, "broken in storage"},
      OpenCart{CartId("c-1"), CustomerId("cust-9"), Currency("EUR")},
      AddCartItem{CartId("c-1"), Sku("sku-1"), Quantity{2}},
      RemoveCartItem{CartId("c-1"), Sku("sku-1"), Quantity{1}},
      AbandonCart{CartId("c-1")},
      CheckOutCart{CartId("c-1"), OrderId("o-1")},
      CancelOrder{OrderId("o-1"), "changed my mind"},
      ShipOrder{OrderId("o-1"), "DHL", "JD0142"},
      DeliverOrder{OrderId("o-1")},
      ReturnOrderItems{
          OrderId("o-1"),
          {ReturnLine{Sku("sku-1"), Quantity{1}}, ReturnLine{Sku("sku_2"), Quantity{2}}},
          true},
      AuthorizePayment{OrderId("o-1"), PaymentId("p-1"), eur(2599), "psp-ref-42"},
      CapturePayment{OrderId("o-1"), PaymentId("p-1"), eur(2000)},
      VoidPayment{OrderId("o-1"), PaymentId("p-1")},
      FailPayment{OrderId("o-1"), PaymentId("p-2"), "card declined"},
      RefundPayment{OrderId("o-1"), PaymentId("p-1"), eur(100), "goodwill"},
      SubmitRating{OrderId("o-1"), Sku("sku-1"), 5, "great"},
      RejectRating{Sku("sku-1"), CustomerId("cust-9"), "abusive language"},
      PlaceHold{OrderId("o-1"),
                2,
                Currency("EUR"),
                {HoldLine{Sku("sku-1"), Quantity{2}}, HoldLine{Sku("sku_2"), Quantity{1}}},
                Timestamp{1'764'000'000'000'000}},
      ReleaseHold{OrderId("o-1"),
                  2,
                  {Sku("sku-1"), Sku("sku_2")},
                  "order exists",
                  Timestamp{1'764'000'000'000'000}},
      ConfirmHold{OrderId("o-1"), 2, {Sku("sku-1"), Sku("sku_2")}},
      RecordRating{Sku("sku-1"), CustomerId("cust-9"), OrderId("o-1"), 4, "sturdy"},
      PlaceOrder{OrderId("o-1"),
                 CartId("c-1"),
                 CustomerId("cust-9"),
                 {OrderLine{Sku("sku-1"), Quantity{2}, eur(1250)},
                  OrderLine{Sku("sku_2"), Quantity{1}, eur(99)}},
                 Timestamp{1'764'000'000'000'000}},
      SettleStock{OrderId("o-1"),
                  StockEffect::kReturn,
                  {ReturnLine{Sku("sku-1"), Quantity{2}}, ReturnLine{Sku("sku_2"), Quantity{1}}}},
      ExpireHold{Sku("sku-1"), OrderId("o-1")},
      ExpireOrder{OrderId("o-1")},
      FinishCheckout{CartId("c-1"), 3, false, "OUT_OF_STOCK", "sku-1: 2 short"},
      FinishCheckout{CartId("c-1"), 3, false, "OUT_OF_STOCK", "sku-1: 2 short", true},
  };
}

// A recorded event around `data`, with every envelope field set.
inline RecordedEvent recorded(EventData data) {
  RecordedEvent event;
  event.position = Position{4'242};
  event.stream = stream_of(data);
  event.version = StreamVersion{17};
  event.time = Timestamp{1'700'000'000'123'456};
  event.command_id = CommandId("cmd-0001");
  event.actor = Actor{ActorId("clerk-3"), Role::kStaff};
  event.data = std::move(data);
  return event;
}

inline CommandEnvelope envelope(Command command) {
  return CommandEnvelope{CommandId("cmd-0001"), Actor{ActorId("cust-9"), Role::kCustomer},
                         StreamVersion{3}, std::move(command)};
}

inline std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

inline std::string hex(std::span<const uint8_t> bytes) {
  return hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Hex to bytes; `text` may contain whitespace between digit pairs.
inline std::string unhex(std::string_view text) {
  auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  std::string digits;
  for (char c : text) {
    if (c != ' ' && c != '\n') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out += static_cast<char>(value(digits[i]) * 16 + value(digits[i + 1]));
  }
  return out;
}

}  // namespace stockroom::codec_test

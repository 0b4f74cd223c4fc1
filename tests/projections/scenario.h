// A whole shop day as events, for tests that run every projection over one log:
// two products, a cart repriced while open and checked out, an order paid, shipped,
// delivered, partly returned and rated, a second cart abandoned, a second order
// cancelled after a capture and refunded.
#pragma once

#include <vector>

#include "engine/model/event.h"
#include "tests/projections/recorder.h"

namespace stockroom::testing {

inline std::vector<EventData> shop_day() {
  const Sku mug("SKU-1");
  const Sku plate("SKU-2");
  const CartId c1("c-1");
  const CartId c2("c-2");
  const CartId c3("c-3");
  const OrderId o1("o-1");
  const OrderId o2("o-2");
  const CustomerId alice("alice");
  const CustomerId bob("bob");
  const PaymentId p1("p-1");
  const PaymentId p2("p-2");
  const std::vector<OrderLine> lines = {{mug, Quantity{2}, eur(800)},
                                        {plate, Quantity{1}, eur(250)}};
  return {
      ProductDefined{mug, "Mug", eur(1000)},
      ProductDefined{plate, "Plate", eur(250)},
      StockReceived{mug, Quantity{10}, "PO-1"},
      StockReceived{plate, Quantity{5}, ""},
      CartOpened{c1, alice, Currency("EUR")},
      CartItemAdded{c1, mug, Quantity{2}, eur(1000)},
      CartOpened{c2, bob, Currency("EUR")},
      CartItemAdded{c2, mug, Quantity{1}, eur(1000)},
      ProductRepriced{mug, eur(800)},
      CartItemAdded{c1, plate, Quantity{1}, eur(250)},
      CartCheckedOut{c1, o1},
      OrderPlaced{o1, c1, alice, lines, eur(1850), Timestamp{1}},
      StockReserved{mug, o1, Quantity{2}},
      StockReserved{plate, o1, Quantity{1}},
      PaymentAuthorized{o1, p1, eur(1850), "psp"},
      PaymentCaptured{o1, p1, eur(850)},
      PaymentCaptured{o1, p1, eur(1000)},
      OrderPaid{o1},
      OrderShipped{o1, "DHL", "T1"},
      StockShipped{mug, o1, Quantity{2}},
      StockShipped{plate, o1, Quantity{1}},
      OrderDelivered{o1},
      OrderItemsReturned{o1, {ReturnLine{plate, Quantity{1}}}, true},
      StockReturned{plate, o1, Quantity{1}},
      PaymentRefunded{o1, p1, eur(250), "returned"},
      ProductRated{mug, alice, o1, 4, "nice"},
      RatingRevised{mug, alice, o1, 5, "very nice"},
      ProductRated{plate, alice, o1, 2, ""},
      RatingRejected{plate, alice, "rude"},
      ProductRepriced{mug, eur(900)},
      CartAbandoned{c2},
      ProductRepriced{mug, eur(950)},
      CartOpened{c3, bob, Currency("EUR")},
      CartItemAdded{c3, plate, Quantity{1}, eur(250)},
      CartCheckedOut{c3, o2},
      OrderPlaced{o2, c3, bob, {{plate, Quantity{1}, eur(250)}}, eur(250), Timestamp{2}},
      StockReserved{plate, o2, Quantity{1}},
      PaymentAuthorized{o2, p2, eur(250), ""},
      PaymentCaptured{o2, p2, eur(100)},
      OrderCancelled{o2, "changed mind", eur(100)},
      StockReleased{plate, o2, Quantity{1}},
      PaymentVoided{o2, p2, eur(150)},
      PaymentRefunded{o2, p2, eur(100), "cancelled"},
      ProductRetired{plate},
  };
}

}  // namespace stockroom::testing

// stock.hold, stock.release_hold, stock.confirm_hold: a product partition's side of a
// checkout coordinated by another partition (docs/scale-out.md). Given events, when a
// command, then events or a refusal; every saga message delivered twice, late, out of
// order or after the saga ended changes nothing.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

constexpr Timestamp kHoldExpires{kNow.micros + 15LL * 60 * 1'000'000};

// SKU-1 (1200, 10 in stock) and SKU-2 (500, 5 in stock).
Given two_products() {
  Given given;
  given.add(product_with("SKU-1", 1200, 10)).add(product_with("SKU-2", 500, 5));
  return given;
}

PlaceHold hold(uint64_t attempt, std::vector<HoldLine> lines) {
  return PlaceHold{order_id, attempt, Currency("EUR"), std::move(lines), kHoldExpires};
}
HoldLine hold_line(const char* sku, int64_t q) { return HoldLine{Sku(sku), Quantity{q}}; }
ReleaseHold release(uint64_t attempt, std::vector<Sku> skus) {
  return ReleaseHold{order_id, attempt, std::move(skus), "order refused", kHoldExpires};
}
ConfirmHold confirm(uint64_t attempt, std::vector<Sku> skus) {
  return ConfirmHold{order_id, attempt, std::move(skus)};
}

// The events of a decision that must have been accepted, folded into `given` at kNow.
void record(Given& given, const Decision& d) {
  REQUIRE(d);
  given.add(*d, kNow);
}

}  // namespace

TEST_CASE("a hold records HoldPlaced and StockReserved per line, at the products' prices",
          "[decider][hold]") {
  Given given = two_products();
  auto d = when(given, hold(1, {hold_line("SKU-1", 2), hold_line("SKU-2", 1)}), service());
  CHECK(d == then({HoldPlaced{Sku("SKU-1"), order_id, 1, Quantity{2}, eur(1200), kHoldExpires},
                   StockReserved{Sku("SKU-1"), order_id, Quantity{2}},
                   HoldPlaced{Sku("SKU-2"), order_id, 1, Quantity{1}, eur(500), kHoldExpires},
                   StockReserved{Sku("SKU-2"), order_id, Quantity{1}}}));
  record(given, d);
  CHECK(given.product(Sku("SKU-1")).available() == 8);
  CHECK(given.product(Sku("SKU-2")).available() == 4);
}

TEST_CASE("a hold is all its lines or none: OUT_OF_STOCK names every short line",
          "[decider][hold]") {
  Given given = two_products();
  given.add(product_with("SKU-3", 100, 1));
  auto d =
      when(given, hold(1, {hold_line("SKU-1", 11), hold_line("SKU-2", 1), hold_line("SKU-3", 2)}),
           service());
  REQUIRE(code_of(d) == "OUT_OF_STOCK");
  REQUIRE(d.error().shortages.size() == 2);
  CHECK(d.error().shortages[0] == Shortage{"SKU-1", 11, 10});
  CHECK(d.error().shortages[1] == Shortage{"SKU-3", 2, 1});
}

TEST_CASE("a hold on a missing, retired or other-currency product is refused like a checkout",
          "[decider][hold]") {
  Given given = two_products();
  CHECK(code_of(when(given, hold(1, {hold_line("NOPE", 1)}), service())) == "NOT_FOUND");
  given.add(ProductRetired{Sku("SKU-2")});
  CHECK(code_of(when(given, hold(1, {hold_line("SKU-2", 1)}), service())) == "INVALID_STATE");
  PlaceHold usd = hold(1, {hold_line("SKU-1", 1)});
  usd.currency = Currency("USD");
  CHECK(code_of(when(given, usd, service())) == "CURRENCY_MISMATCH");
}

TEST_CASE("a hold delivered twice is ALREADY_EXISTS and reserves nothing more", "[decider][hold]") {
  Given given = two_products();
  record(given, when(given, hold(1, {hold_line("SKU-1", 2)}), service()));
  auto again = when(given, hold(1, {hold_line("SKU-1", 2)}), service());
  CHECK(code_of(again) == "ALREADY_EXISTS");
  CHECK(given.product(Sku("SKU-1")).reserved == 2);
}

TEST_CASE("a hold that arrives after its release is refused: the release left a tombstone",
          "[decider][hold]") {
  Given given = two_products();
  // The release overtook the hold: a tombstone of quantity 0, no stock moved.
  auto released = when(given, release(1, {Sku("SKU-1")}), service());
  CHECK(released == then({HoldReleased{Sku("SKU-1"), order_id, 1, Quantity{0}, "order refused",
                                       kHoldExpires}}));
  record(given, released);
  auto late = when(given, hold(1, {hold_line("SKU-1", 2)}), service());
  CHECK(code_of(late) == "INVALID_STATE");
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  // The checkout tried again is a new attempt, and may hold.
  CHECK(code_of(when(given, hold(2, {hold_line("SKU-1", 2)}), service())) == "accepted");
}

TEST_CASE("a hold past its expiry when it arrives is refused", "[decider][hold]") {
  Given given = two_products();
  PlaceHold stale = hold(1, {hold_line("SKU-1", 1)});
  stale.expires_at = kNow;
  CHECK(code_of(when(given, stale, service())) == "INVALID_STATE");
}

TEST_CASE("a release gives back exactly what the attempt held, once", "[decider][hold]") {
  Given given = two_products();
  record(given, when(given, hold(1, {hold_line("SKU-1", 2), hold_line("SKU-2", 1)}), service()));
  auto d = when(given, release(1, {Sku("SKU-1"), Sku("SKU-2")}), service());
  CHECK(d ==
        then({HoldReleased{Sku("SKU-1"), order_id, 1, Quantity{2}, "order refused", kHoldExpires},
              StockReleased{Sku("SKU-1"), order_id, Quantity{2}},
              HoldReleased{Sku("SKU-2"), order_id, 1, Quantity{1}, "order refused", kHoldExpires},
              StockReleased{Sku("SKU-2"), order_id, Quantity{1}}}));
  record(given, d);
  CHECK(given.product(Sku("SKU-1")).reserved == 0);
  CHECK(given.product(Sku("SKU-2")).reserved == 0);
  // Delivered again: nothing left to release.
  CHECK(code_of(when(given, release(1, {Sku("SKU-1"), Sku("SKU-2")}), service())) ==
        "ALREADY_EXISTS");
  // A late confirm of the released attempt is refused; the coordinator cancels its order.
  CHECK(code_of(when(given, confirm(1, {Sku("SKU-1")}), service())) == "INVALID_STATE");
}

TEST_CASE("a release of an earlier attempt leaves a later attempt's hold alone",
          "[decider][hold]") {
  Given given = two_products();
  record(given, when(given, release(1, {Sku("SKU-1")}), service()));
  record(given, when(given, hold(2, {hold_line("SKU-1", 3)}), service()));
  CHECK(code_of(when(given, release(1, {Sku("SKU-1")}), service())) == "ALREADY_EXISTS");
  CHECK(given.product(Sku("SKU-1")).reserved == 3);
}

TEST_CASE("a release names products of its own partition only", "[decider][hold]") {
  Given given = two_products();
  CHECK(code_of(when(given, release(1, {Sku("ELSEWHERE")}), service())) == "NOT_FOUND");
}

TEST_CASE("a confirm makes the hold the order's: no release undoes it, twice is a no-op",
          "[decider][hold]") {
  Given given = two_products();
  record(given, when(given, hold(1, {hold_line("SKU-1", 2), hold_line("SKU-2", 1)}), service()));
  auto d = when(given, confirm(1, {Sku("SKU-1"), Sku("SKU-2")}), service());
  CHECK(d ==
        then({HoldConfirmed{Sku("SKU-1"), order_id, 1}, HoldConfirmed{Sku("SKU-2"), order_id, 1}}));
  record(given, d);
  CHECK(code_of(when(given, confirm(1, {Sku("SKU-1"), Sku("SKU-2")}), service())) ==
        "ALREADY_EXISTS");
  CHECK(code_of(when(given, release(1, {Sku("SKU-1")}), service())) == "INVALID_STATE");
  CHECK(given.product(Sku("SKU-1")).reserved == 2);  // the order's now
}

TEST_CASE("a confirm of a hold never placed is NOT_FOUND, of an expired one INVALID_STATE",
          "[decider][hold]") {
  Given given = two_products();
  CHECK(code_of(when(given, confirm(1, {Sku("SKU-1")}), service())) == "NOT_FOUND");
  record(given, when(given, hold(1, {hold_line("SKU-1", 1)}), service()));
  DecideContext late{Timestamp{kHoldExpires.micros + 1}};
  CHECK(code_of(when(given, confirm(1, {Sku("SKU-1")}), service(), std::nullopt, late)) ==
        "INVALID_STATE");
}

TEST_CASE(
    "tombstones are forgotten once their expiry has passed and confirmed holds once settled "
    "too",
    "[decider][hold]") {
  Given given = two_products();
  record(given, when(given, hold(1, {hold_line("SKU-1", 1)}), service()));
  record(given, when(given, confirm(1, {Sku("SKU-1")}), service()));
  record(given, when(given, release(1, {Sku("SKU-2")}), service()));
  CHECK(given.product(Sku("SKU-1")).holds.size() == 1);
  CHECK(given.product(Sku("SKU-2")).holds.size() == 1);
  // Any later event of each product, after the expiry, prunes the tombstone; the
  // confirmed hold keeps its unit for the order's stock.settle (settle_decider.h).
  const Timestamp after{kHoldExpires.micros + 1};
  given.add(StockReceived{Sku("SKU-1"), Quantity{1}, ""}, after);
  given.add(StockReceived{Sku("SKU-2"), Quantity{1}, ""}, after);
  CHECK(given.product(Sku("SKU-2")).holds.empty());
  REQUIRE(given.product(Sku("SKU-1")).holds.size() == 1);
  CHECK(given.product(Sku("SKU-1")).holds.front().quantity == 1);
  CHECK(given.product(Sku("SKU-1")).reserved == 1);  // the confirmed order keeps its stock
  // Shipped: nothing is left to guard, and the hold is forgotten.
  given.add(StockShipped{Sku("SKU-1"), order_id, Quantity{1}}, after);
  CHECK(given.product(Sku("SKU-1")).holds.empty());
}

TEST_CASE("the engine expires a hold still held at its expiry, and nothing else",
          "[decider][hold]") {
  Given given = two_products();
  record(given, when(given, hold(1, {hold_line("SKU-1", 2), hold_line("SKU-2", 1)}), service()));
  record(given, when(given, confirm(1, {Sku("SKU-2")}), service()));
  const DecideContext due{Timestamp{kHoldExpires.micros}};
  auto expire = [&](const char* sku, DecideContext context) {
    const ExpireHold command{Sku(sku), order_id};
    CommandEnvelope envelope{engine_command_id(command), engine_actor(), std::nullopt, command};
    return decide(envelope, given, context);
  };
  CHECK(code_of(expire("SKU-1", DecideContext{kNow})) == "INVALID_STATE");  // not due yet
  CHECK(expire("SKU-1", due) ==
        then({HoldReleased{Sku("SKU-1"), order_id, 1, Quantity{2}, "expired", kHoldExpires},
              StockReleased{Sku("SKU-1"), order_id, Quantity{2}}}));
  CHECK(code_of(expire("SKU-2", due)) == "INVALID_STATE");  // confirmed: the order's
  // Only the engine sends it, under its own id.
  CHECK(code_of(when(given, ExpireHold{Sku("SKU-1"), order_id}, staff(), std::nullopt, due)) ==
        "FORBIDDEN");
  CommandEnvelope other_id{CommandId("cmd-1"), engine_actor(), std::nullopt,
                           ExpireHold{Sku("SKU-1"), order_id}};
  CHECK(code_of(decide(other_id, given, due)) == "INVALID_ARGUMENT");
}

TEST_CASE("holds are for staff and services, a customer is FORBIDDEN", "[decider][hold]") {
  Given given = two_products();
  CHECK(code_of(when(given, hold(1, {hold_line("SKU-1", 1)}), customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, release(1, {Sku("SKU-1")}), customer("alice"))) == "FORBIDDEN");
  CHECK(code_of(when(given, confirm(1, {Sku("SKU-1")}), customer("alice"))) == "FORBIDDEN");
}

TEST_CASE("a hold's form: attempt >= 1, lines and skus named once, at least one",
          "[decider][hold]") {
  Given given = two_products();
  CHECK(code_of(when(given, hold(0, {hold_line("SKU-1", 1)}), service())) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, hold(1, {}), service())) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, hold(1, {hold_line("SKU-1", 1), hold_line("SKU-1", 2)}), service())) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, hold(1, {hold_line("SKU-1", 0)}), service())) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, release(1, {}), service())) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, confirm(1, {Sku("SKU-1"), Sku("SKU-1")}), service())) ==
        "INVALID_ARGUMENT");
  CHECK(code_of(when(given, release(1, {Sku("a.b")}), service())) == "INVALID_ARGUMENT");
}

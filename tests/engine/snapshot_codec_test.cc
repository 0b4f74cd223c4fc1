// Snapshots without storage: every field of every kind of state survives the stored
// form, a state rebuilt from a snapshot and the events after it is the full fold, and
// a snapshot of another format is told apart from a damaged one. No I/O.
//
// The random event sequences come from decide() itself, driven by random commands
// against an in-memory store (the way tests/domain/given.h folds events; given.h itself
// cannot be linked into this binary, whose engine/support/commands.h defines staff()
// and service() with other actor ids).
#include "engine/internal/snapshot_codec.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/domain/decide.h"
#include "engine/support/forged_snapshot.h"
#include "support/money.h"

namespace stockroom::testing {
namespace {

using engine::internal::AnyState;
using engine::internal::decode_snapshot;
using engine::internal::empty_state_for;
using engine::internal::encode_snapshot;
using engine::internal::evolve_any;
using engine::internal::kSnapshotFormat;
using engine::internal::version_of;

events::Hash hash_of(uint64_t seed) {
  events::Hash h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed * 31 + i);
  return h;
}

// encode → decode, failing the test when the decode fails.
engine::internal::Snapshot round_trip(const std::string& stream, const AnyState& state,
                                      Position position, const events::Hash& hash) {
  std::string bytes;
  encode_snapshot(stream, state, position, hash, bytes);
  auto decoded = decode_snapshot(bytes, stream);
  INFO(stream);
  REQUIRE(decoded.has_value());
  return std::move(*decoded);
}

// --- random event sequences: decide() on random commands, folded in memory ---

struct Fold {
  EventData event;
  Timestamp time;
};

class RandomStore final : public StateReader {
 public:
  explicit RandomStore(uint32_t seed) : rng_(seed) {}

  const ProductState& product(const Sku& sku) override {
    return std::get<ProductState>(at(product_stream(sku)));
  }
  const CartState& cart(const CartId& id) override {
    return std::get<CartState>(at(cart_stream(id)));
  }
  const OrderState& order(const OrderId& id) override {
    return std::get<OrderState>(at(order_stream(id)));
  }
  const ReviewState& review(const Sku& sku, const CustomerId& customer) override {
    return std::get<ReviewState>(at(review_stream(sku, customer)));
  }

  void run(int steps) {
    for (int i = 0; i < steps; ++i) step();
  }

  // Every stream's events, in order, with their times.
  [[nodiscard]] const std::map<std::string, std::vector<Fold>>& streams() const { return log_; }

 private:
  AnyState& at(const std::string& stream) {
    return states_.try_emplace(stream, empty_state_for(stream)).first->second;
  }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  Sku sku() { return Sku(std::string(1, static_cast<char>('A' + pick(3)))); }
  CartId cart_id() { return CartId("k" + std::to_string(pick(30))); }
  // Mostly one of the last few orders placed: those still move through their states.
  OrderId order_id() {
    if (placed_.empty() || pick(8) == 0) return OrderId("o" + std::to_string(pick(30)));
    return placed_[placed_.size() - 1 - pick(std::min<int>(3, static_cast<int>(placed_.size())))];
  }
  PaymentId payment_id() { return PaymentId("p" + std::to_string(pick(3))); }
  std::string customer_of(const OrderId& o) { return order(o).customer_id.str(); }

  void execute(Command command, Actor actor) {
    now_.micros += 1'000'000LL * (1 + pick(20));
    const auto* expiry = std::get_if<ExpireOrder>(&command);
    CommandId id = expiry != nullptr ? expiry_command_id(expiry->order_id)
                                     : CommandId("cmd-" + std::to_string(++seq_));
    CommandEnvelope envelope{std::move(id), std::move(actor), std::nullopt, std::move(command)};
    auto decided = decide(envelope, *this, DecideContext{now_, Duration{600'000'000}});
    if (!decided) return;
    for (const EventData& e : *decided) {
      const std::string stream = stream_of(e);
      evolve_any(at(stream), e, now_);
      log_[stream].push_back(Fold{e, now_});
    }
  }

  // The order's customer rates one of its products.
  void rate(const OrderId& o) {
    const auto& lines = order(o).lines;
    if (lines.empty()) return;
    const Sku rated = lines[static_cast<size_t>(pick(static_cast<int>(lines.size())))].sku;
    execute(SubmitRating{o, rated, 1 + pick(5), pick(2) ? "fine" : ""},
            Actor{ActorId(customer_of(o)), Role::kCustomer});
  }

  void step() {
    const Actor staff{ActorId("sam"), Role::kStaff};
    const Actor service{ActorId("psp"), Role::kService};
    switch (pick(22)) {
      case 0:
        return execute(DefineProduct{sku(), "Item", eur(100 + 50 * pick(8))}, staff);
      case 1:
        return execute(RepriceProduct{sku(), eur(100 + 50 * pick(8))}, staff);
      case 2:
        if (pick(100) == 0) execute(RetireProduct{sku()}, staff);
        return;
      case 3:
      case 4:
        return execute(ReceiveStock{sku(), Quantity{1 + pick(20)}, pick(2) ? "po" : ""}, staff);
      case 5:
        return execute(AdjustStock{sku(), Quantity{pick(2) ? 2 : -3}, "count"}, staff);
      case 6:
        return execute(
            OpenCart{cart_id(), CustomerId("c" + std::to_string(pick(4))), Currency("EUR")}, staff);
      case 7:
      case 8:
        return execute(AddCartItem{cart_id(), sku(), Quantity{1 + pick(3)}}, staff);
      case 9: {
        std::optional<Quantity> q;
        if (pick(2) == 0) q = Quantity{1};
        return execute(RemoveCartItem{cart_id(), sku(), q}, staff);
      }
      case 10:
        if (pick(4) == 0) execute(AbandonCart{cart_id()}, staff);
        return;
      case 11: {
        // Each cart's order has the cart's number: a new order id for every checkout.
        const CartId cart = cart_id();
        const OrderId placed("o" + cart.str().substr(1));
        const bool existed = order(placed).status != OrderStatus::kNone;
        execute(CheckOutCart{cart, placed}, staff);
        if (!existed && order(placed).status != OrderStatus::kNone) placed_.push_back(placed);
        return;
      }
      case 12: {
        const OrderId o = order_id();
        const int64_t total = order(o).total.amount;
        return execute(
            AuthorizePayment{o, payment_id(), eur(pick(2) ? total : total / 2 + 1), "ref"},
            service);
      }
      case 13: {
        std::optional<Money> amount;
        if (pick(2) == 0) amount = eur(1 + pick(200));
        return execute(CapturePayment{order_id(), payment_id(), amount}, service);
      }
      case 14:
        if (pick(4) != 0) return;  // rarer: a failed or voided payment ends its order's way
        return execute(pick(2) ? Command(VoidPayment{order_id(), payment_id()})
                               : Command(FailPayment{order_id(), payment_id(), "declined"}),
                       service);
      case 15:
        return execute(RefundPayment{order_id(), payment_id(), eur(1 + pick(300)), "goodwill"},
                       service);
      case 16:
        return execute(ShipOrder{order_id(), "DHL", pick(2) ? "T-1" : ""}, staff);
      case 17: {
        const OrderId o = order_id();
        execute(DeliverOrder{o}, staff);
        if (order(o).status == OrderStatus::kDelivered && pick(2) == 0) rate(o);
        return;
      }
      case 18:
        if (pick(8) == 0) execute(CancelOrder{order_id(), "asked"}, staff);
        if (pick(3) == 0) execute(ExpireOrder{order_id()}, engine_actor());
        return;
      case 19: {
        const OrderId o = order_id();
        if (order(o).lines.empty()) return;
        return execute(
            ReturnOrderItems{
                o, {ReturnLine{order(o).lines.front().sku, Quantity{1}}}, pick(2) == 0},
            staff);
      }
      case 20:
        return rate(order_id());
      default:
        return execute(RejectRating{sku(), CustomerId("c" + std::to_string(pick(4))), "spam"},
                       staff);
    }
  }

  std::mt19937 rng_;
  uint64_t seq_ = 0;
  Timestamp now_{1'700'000'000'000'000};
  std::map<std::string, AnyState> states_;
  std::map<std::string, std::vector<Fold>> log_;
  std::vector<OrderId> placed_;
};

// `state` with events[from, to) folded into it.
AnyState fold(const std::vector<Fold>& events, size_t from, size_t to, AnyState state) {
  for (size_t i = from; i < to; ++i) evolve_any(state, events[i].event, events[i].time);
  return state;
}

// A snapshot buffer as a build of format `format` would write it.
std::string snapshot_of_format(uint8_t format, std::string_view stream) {
  return forged_product_snapshot(
      stream, ForgedProduct{
                  .format = format, .version = 2, .position = 7, .hash = hash_of(1), .on_hand = 5});
}

}  // namespace

TEST_CASE("a snapshot keeps every field of every kind of state", "[snapshot]") {
  ProductState product{StreamVersion{41}, true, "Mug", eur(1200), true, 17, -3};
  product.holds = {
      HoldEntry{OrderId("o-1"), 1, HoldStatus::kHeld, 4, Timestamp{1'700'000'900'000'001}},
      HoldEntry{OrderId("o-2"), 3, HoldStatus::kConfirmed, 1, Timestamp{1'700'000'900'000'002}},
      HoldEntry{OrderId("o-3"), 2, HoldStatus::kReleased, 0, Timestamp{1'700'000'900'000'003}}};
  CartState cart{
      StreamVersion{9},
      CartStatus::kCheckedOut,
      CustomerId("alice"),
      Currency("USD"),
      {CartLine{Sku("A"), Quantity{2}, eur(500)}, CartLine{Sku("B"), Quantity{1}, eur(7)}},
      OrderId("o-9")};
  OrderState order;
  order.version = StreamVersion{12};
  order.status = OrderStatus::kCancelled;
  order.cart_id = CartId("c-1");
  order.customer_id = CustomerId("bob");
  order.currency = Currency("EUR");
  order.lines = {OrderLine{Sku("A"), Quantity{3}, eur(100)},
                 OrderLine{Sku("C"), Quantity{1}, eur(9)}};
  order.total = eur(309);
  order.placed_at = Timestamp{1'700'000'000'000'001};
  order.expires_at = Timestamp{1'700'000'900'000'001};
  order.payments = {PaymentState{PaymentId("p1"), PaymentStatus::kVoided, 300, 200, 50, 100},
                    PaymentState{PaymentId("p2"), PaymentStatus::kFailed, 9, 0, 0, 9}};
  order.returned = {ReturnLine{Sku("A"), Quantity{2}}};
  order.refund_due = 150;
  ReviewState review{StreamVersion{3},  true,           false, Sku("A"),
                     CustomerId("bob"), OrderId("o-9"), 4,     "good, then rejected"};

  const std::vector<std::pair<std::string, AnyState>> cases = {
      {"product-A", product}, {"cart-c-1", cart}, {"order-o-9", order}, {"review-A~bob", review}};
  for (const auto& [stream, state] : cases) {
    const auto back = round_trip(stream, state, Position{1234}, hash_of(7));
    CHECK(back.state == state);
    CHECK(back.position == Position{1234});
    CHECK(back.hash == hash_of(7));
  }
  // Defaults (absent fields) come back as defaults, empty text included.
  const std::vector<std::pair<std::string, AnyState>> empty = {
      {"product-A", ProductState{.version = StreamVersion{1}}},
      {"cart-c-1", CartState{.version = StreamVersion{1}}},
      {"order-o-9", OrderState{.version = StreamVersion{1}}},
      {"review-A~bob", ReviewState{.version = StreamVersion{1}}}};
  for (const auto& [stream, state] : empty) {
    CHECK(round_trip(stream, state, Position{1}, hash_of(1)).state == state);
  }
}

TEST_CASE("equal states give equal snapshot bytes", "[snapshot]") {
  RandomStore store(7);
  store.run(600);
  for (const auto& [stream, events] : store.streams()) {
    const AnyState state = fold(events, 0, events.size(), empty_state_for(stream));
    std::string a;
    std::string b;
    encode_snapshot(stream, state, Position{9}, hash_of(9), a);
    encode_snapshot(stream, AnyState(state), Position{9}, hash_of(9), b);
    CHECK(a == b);
  }
}

TEST_CASE(
    "for every aggregate, the state from a snapshot at a random point and the events after "
    "it is the full fold",
    "[snapshot]") {
  std::map<size_t, int> tried;  // AnyState index -> streams checked
  bool payments = false, returns = false, refund_due = false, uncounted = false,
       checked_out = false;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    RandomStore store(seed);
    store.run(1500);
    std::mt19937 rng(seed);
    for (const auto& [stream, events] : store.streams()) {
      const AnyState full = fold(events, 0, events.size(), empty_state_for(stream));
      for (int k = 0; k < 4; ++k) {
        const size_t at = std::uniform_int_distribution<size_t>(1, events.size())(rng);
        const AnyState before = fold(events, 0, at, empty_state_for(stream));
        REQUIRE(version_of(before).value == at);
        const auto snapshot = round_trip(stream, before, Position{at * 10}, hash_of(at));
        CHECK(snapshot.state == before);
        CHECK(fold(events, at, events.size(), snapshot.state) == full);
      }
      ++tried[full.index()];
      if (const auto* o = std::get_if<OrderState>(&full)) {
        payments |= o->payments.size() > 1;
        returns |= !o->returned.empty();
        refund_due |= o->refund_due != 0;
      }
      if (const auto* r = std::get_if<ReviewState>(&full)) uncounted |= r->exists && !r->counts;
      if (const auto* c = std::get_if<CartState>(&full)) {
        checked_out |= c->status == CartStatus::kCheckedOut && !c->lines.empty();
      }
    }
  }
  // The walks reach every kind of stream and the state's rarer parts.
  CHECK(tried.size() == std::variant_size_v<AnyState>);
  for (const auto& [kind, streams] : tried) {
    INFO("AnyState alternative " << kind);
    CHECK(streams >= 10);
  }
  CHECK(payments);
  CHECK(returns);
  CHECK(refund_due);
  CHECK(uncounted);
  CHECK(checked_out);
}

TEST_CASE("a snapshot of another format is set apart from a damaged one", "[snapshot]") {
  const std::string stream = "product-A";
  for (uint8_t format : {uint8_t{0}, static_cast<uint8_t>(kSnapshotFormat + 1)}) {
    auto other = decode_snapshot(snapshot_of_format(format, stream), stream);
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().code == ErrorCode::kInvalidState);
  }
  const std::string good = snapshot_of_format(kSnapshotFormat, stream);
  REQUIRE(decode_snapshot(good, stream).has_value());

  auto malformed = [](const std::string& bytes, const std::string& name) {
    auto r = decode_snapshot(bytes, name);
    return !r.has_value() && r.error().code == ErrorCode::kMalformed;
  };
  for (size_t n = 0; n + 1 < good.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    auto r = decode_snapshot(good.substr(0, n), stream);
    // Cutting only alignment padding off the end may still decode; anything else fails.
    if (r) CHECK(r->state == decode_snapshot(good, stream)->state);
  }
  CHECK(malformed(good.substr(0, good.size() / 2), stream));
  CHECK(malformed("", stream));
  CHECK(malformed(std::string(64, '\x01'), stream));
  std::string other_identifier = good;
  other_identifier[4] = 'X';
  CHECK(malformed(other_identifier, stream));
  CHECK(malformed(good, "product-B"));  // another stream's
  CHECK(malformed(good, "cart-A"));     // names a cart, holds a product

  std::string bytes;
  encode_snapshot("order-o", OrderState{}, Position{3}, hash_of(3), bytes);
  CHECK(malformed(bytes, "order-o"));  // version 0: nothing folded is no snapshot
}

}  // namespace stockroom::testing

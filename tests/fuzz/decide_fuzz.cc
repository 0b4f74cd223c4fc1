// libFuzzer: sequences of commands through decide() and evolve(), with the invariants
// of domain.md as the oracle. The input is a script (tests/fuzz/decide_script.h): it
// picks each command, its ids (from small pools, so that commands meet the same carts,
// orders and products), its numbers and its actor, and how far the clock moves before
// it. After every accepted command:
//   - on_hand - reserved >= 0 and reserved >= 0 for every product;
//   - per sku, the StockReserved - StockReleased - StockShipped recorded so far equal
//     the product's reserved;
//   - the units the product's holds still keep for their orders are among its reserved
//     (a stock.settle never takes one order's units for another);
//   - per payment, 0 <= captured - refunded <= captured <= authorized;
//   - each stream's version grew by exactly the events recorded on it;
// and decide() is a function: the same command on the same states decides the same.
// With STOCKROOM_FUZZ_STATS set, it prints at exit how many events of each type the
// accepted commands recorded, and the refusals per command and code: what the corpus
// reaches (docs/reliability.md). STOCKROOM_FUZZ_TRACE prints every command and its outcome.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "engine/domain/decide.h"
#include "engine/domain/evolve.h"
#include "engine/domain/state.h"
#include "engine/model/command.h"
#include "engine/model/event.h"
#include "tests/fuzz/decide_script.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockroom::fuzz {
namespace {

constexpr int64_t kMinute = 60LL * 1'000'000;

// The states of every stream, folded from the accepted decisions (as the engine's
// writer folds them), with the sums the invariants compare against.
class Store final : public StateReader {
 public:
  const ProductState& product(const Sku& sku) override { return products_[product_stream(sku)]; }
  const CartState& cart(const CartId& id) override { return carts_[cart_stream(id)]; }
  const OrderState& order(const OrderId& id) override { return orders_[order_stream(id)]; }
  const ReviewState& review(const Sku& sku, const CustomerId& customer) override {
    return reviews_[review_stream(sku, customer)];
  }

  void apply(const std::vector<EventData>& events, Timestamp now) {
    std::map<std::string, uint64_t> added;
    std::map<std::string, uint64_t> before;
    for (const EventData& e : events) {
      const std::string stream = stream_of(e);
      if (!before.contains(stream)) before[stream] = version_of(stream);
      ++added[stream];
      evolve(products_[stream], e, now);
      evolve(carts_[stream], e, now);
      evolve(orders_[stream], e, now);
      evolve(reviews_[stream], e, now);
      count_reserved(e);
    }
    for (const auto& [stream, n] : added) FUZZ_CHECK(version_of(stream) == before[stream] + n);
    check();
  }

 private:
  uint64_t version_of(const std::string& stream) {
    return products_[stream].version.value + carts_[stream].version.value +
           orders_[stream].version.value + reviews_[stream].version.value;
  }

  void count_reserved(const EventData& e) {
    if (const auto* r = std::get_if<StockReserved>(&e))
      reserved_[r->sku.str()] += r->quantity.value;
    if (const auto* r = std::get_if<StockReleased>(&e))
      reserved_[r->sku.str()] -= r->quantity.value;
    if (const auto* r = std::get_if<StockShipped>(&e)) reserved_[r->sku.str()] -= r->quantity.value;
  }

  void check() {
    for (const char* sku : kSkus) {
      const ProductState& p = products_[product_stream(Sku(sku))];
      FUZZ_CHECK(p.reserved >= 0);
      FUZZ_CHECK(p.available() >= 0);
      FUZZ_CHECK(reserved_[sku] == p.reserved);
      int64_t held = 0;
      for (const HoldEntry& h : p.holds) {
        FUZZ_CHECK(h.quantity >= 0);
        if (h.status != HoldStatus::kReleased) held += h.quantity;
      }
      FUZZ_CHECK(held <= p.reserved);
    }
    for (const auto& [stream, order] : orders_) {
      for (const PaymentState& pay : order.payments) {
        FUZZ_CHECK(pay.refunded >= 0 && pay.refunded <= pay.captured);
        FUZZ_CHECK(pay.captured <= pay.authorized);
      }
    }
  }

  std::map<std::string, ProductState> products_;
  std::map<std::string, CartState> carts_;
  std::map<std::string, OrderState> orders_;
  std::map<std::string, ReviewState> reviews_;
  std::map<std::string, int64_t> reserved_;
};

template <class Id, size_t N>
Id pick(Script& in, const std::array<const char*, N>& pool) {
  return Id(pool[in.ConsumeIntegralInRange<size_t>(0, N - 1)]);
}

Quantity quantity(Script& in) { return Quantity{in.ConsumeIntegralInRange<int64_t>(-2, 12)}; }

Money money(Script& in) {
  return Money{in.ConsumeIntegralInRange<int64_t>(-10, 6000),
               Currency(in.ConsumeIntegralInRange(0, 7) == 0 ? "USD" : "EUR")};
}

Actor actor(Script& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return Actor{ActorId("sam"), Role::kStaff};
    case 1:
      return Actor{ActorId("psp"), Role::kService};
    default:
      return Actor{pick<ActorId>(in, kCustomers), Role::kCustomer};
  }
}

std::vector<Sku> skus(Script& in) {
  std::vector<Sku> out;
  for (const char* sku : kSkus) {
    if (in.ConsumeBool()) out.emplace_back(sku);
  }
  return out;
}

Command command(Script& in, Timestamp now) {
  const auto sku = [&] { return pick<Sku>(in, kSkus); };
  const auto cart = [&] { return pick<CartId>(in, kCarts); };
  const auto order = [&] { return pick<OrderId>(in, kOrders); };
  const auto payment = [&] { return pick<PaymentId>(in, kPayments); };
  const auto customer = [&] { return pick<CustomerId>(in, kCustomers); };
  const auto attempt = [&] { return in.ConsumeIntegralInRange<uint64_t>(0, 3); };
  const auto later = [&] {
    return Timestamp{now.micros + in.ConsumeIntegralInRange(-5, 30) * kMinute};
  };
  switch (in.ConsumeIntegralInRange(0, 29)) {
    case 0:
      return DefineProduct{sku(), "thing", money(in)};
    case 1:
      return RepriceProduct{sku(), money(in)};
    case 2:
      return RetireProduct{sku()};
    case 3:
      return ReceiveStock{sku(), quantity(in), ""};
    case 4:
      return AdjustStock{sku(), quantity(in), "count"};
    case 5:
      return OpenCart{cart(), customer(),
                      Currency(in.ConsumeIntegralInRange(0, 7) == 0 ? "USD" : "EUR")};
    case 6: {
      AddCartItem add{cart(), sku(), quantity(in), std::nullopt};
      if (in.ConsumeBool()) add.quoted_price = money(in);
      return add;
    }
    case 7: {
      RemoveCartItem remove{cart(), sku(), std::nullopt};
      if (in.ConsumeBool()) remove.quantity = quantity(in);
      return remove;
    }
    case 8:
      return AbandonCart{cart()};
    case 9:
      return CheckOutCart{cart(), order()};
    case 10:
      return CancelOrder{order(), "why not"};
    case 11:
      return ShipOrder{order(), "DHL", "T-1"};
    case 12:
      return DeliverOrder{order()};
    case 13:
      return ReturnOrderItems{order(), {ReturnLine{sku(), quantity(in)}}, in.ConsumeBool()};
    case 14:
      return AuthorizePayment{order(), payment(), money(in), ""};
    case 15: {
      CapturePayment capture{order(), payment(), std::nullopt};
      if (in.ConsumeBool()) capture.amount = money(in);
      return capture;
    }
    case 16:
      return VoidPayment{order(), payment()};
    case 17:
      return FailPayment{order(), payment(), "declined"};
    case 18:
      return RefundPayment{order(), payment(), money(in), "goodwill"};
    case 19:
      return SubmitRating{order(), sku(), in.ConsumeIntegralInRange<int32_t>(0, 6), ""};
    case 20:
      return RejectRating{sku(), customer(), "abusive"};
    case 21:
      return PlaceHold{
          order(), attempt(), Currency("EUR"), {HoldLine{sku(), quantity(in)}}, later()};
    case 22:
      return ReleaseHold{order(), attempt(), skus(in), "released", later()};
    case 23:
      return ConfirmHold{order(), attempt(), skus(in)};
    case 24:
      return RecordRating{sku(), customer(), order(), in.ConsumeIntegralInRange<int32_t>(0, 6), ""};
    case 25:
      return PlaceOrder{
          order(), cart(), customer(), {OrderLine{sku(), quantity(in), money(in)}}, later()};
    case 26:
      return SettleStock{order(),
                         static_cast<StockEffect>(in.ConsumeIntegralInRange(0, 2)),
                         {ReturnLine{sku(), quantity(in)}}};
    case 27:
      return ExpireHold{sku(), order()};
    case 28:
      return ExpireOrder{order()};
    default:
      return FinishCheckout{cart(),         attempt(), in.ConsumeBool(),
                            "OUT_OF_STOCK", "short",   in.ConsumeBool()};
  }
}

// Events recorded per type, over the whole run (STOCKROOM_FUZZ_STATS).
std::map<std::string, uint64_t>& recorded_types() {
  // Never destroyed: the atexit handler that prints it runs after static destructors.
  static auto* counts = new std::map<std::string, uint64_t>();
  return *counts;
}

void print_recorded_types() {
  for (const auto& [type, n] : recorded_types())
    std::fprintf(stderr, "%s: %llu\n", type.c_str(), static_cast<unsigned long long>(n));
}

const bool kStats = [] {
  if (std::getenv("STOCKROOM_FUZZ_STATS") == nullptr) return false;
  std::atexit(print_recorded_types);
  return true;
}();

// STOCKROOM_FUZZ_TRACE: each command and what it decided, to read a saved input.
const bool kTrace = std::getenv("STOCKROOM_FUZZ_TRACE") != nullptr;

void trace(const CommandEnvelope& envelope, const Result<std::vector<EventData>>& decided) {
  std::fprintf(stderr, "%s by %s:", std::string(command_name(envelope.command)).c_str(),
               envelope.actor.id.str().c_str());
  if (!decided) {
    std::fprintf(stderr, " refused %s\n", decided.error().message.c_str());
    return;
  }
  for (const EventData& e : *decided) {
    std::fprintf(stderr, " %s", std::string(event_type_name(e)).c_str());
    std::visit(
        [](const auto& event) {
          if constexpr (requires {
                          event.sku;
                          event.quantity;
                        }) {
            std::fprintf(stderr, "(%s %lld)", event.sku.str().c_str(),
                         static_cast<long long>(event.quantity.value));
          }
        },
        e);
  }
  std::fprintf(stderr, "\n");
}

bool same(const Result<std::vector<EventData>>& a, const Result<std::vector<EventData>>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (a.has_value()) return *a == *b;
  return a.error().code == b.error().code && a.error().message == b.error().message;
}

}  // namespace
}  // namespace stockroom::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stockroom;
  fuzz::Script in(data, size);
  fuzz::Store store;
  DecideContext context{Timestamp{1'764'000'000'000'000}};
  uint64_t serial = 0;
  while (in.remaining_bytes() > 0) {
    context.now.micros += in.ConsumeIntegralInRange<int64_t>(0, 20) * fuzz::kMinute;
    CommandEnvelope envelope;
    envelope.command_id = CommandId("cmd-" + std::to_string(++serial));
    envelope.actor = fuzz::actor(in);
    envelope.command = fuzz::command(in, context.now);
    if (is_engine_command(envelope.command)) {  // as the engine sends them
      envelope.actor = engine_actor();
      envelope.command_id = engine_command_id(envelope.command);
    }
    if (in.ConsumeIntegralInRange(0, 7) == 0) {
      envelope.expected_version = StreamVersion{in.ConsumeIntegralInRange<uint64_t>(0, 4)};
    }
    const Result<std::vector<EventData>> decided = decide(envelope, store, context);
    if (fuzz::kTrace) fuzz::trace(envelope, decided);
    FUZZ_CHECK(fuzz::same(decided, decide(envelope, store, context)));
    if (!decided.has_value()) {
      if (fuzz::kStats) {
        ++fuzz::recorded_types()["refused " + std::string(command_name(envelope.command)) + " " +
                                 std::string(error_code_name(decided.error().code))];
      }
      continue;
    }
    store.apply(*decided, context.now);
    if (fuzz::kStats) {
      for (const EventData& e : *decided) ++fuzz::recorded_types()[std::string(event_type_name(e))];
    }
  }
  return 0;
}

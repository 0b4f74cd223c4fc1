// The engine end to end in-process: real RocksDB directory, real writer thread.
#include "engine/engine.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <vector>

#include "engine/audit.h"
#include "engine/offline.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using engine::Engine;
using engine::EngineOptions;

struct Fixture {
  TempDir dir;
  std::shared_ptr<std::atomic<int64_t>> clock =
      std::make_shared<std::atomic<int64_t>>(1'700'000'000'000'000);

  EngineOptions options(size_t cache = 1000) {
    EngineOptions o;
    o.data_dir = dir.str();
    o.cache_capacity = cache;
    o.reservation_ttl = Duration{10'000'000};
    o.expiry_interval = Duration{3600LL * 1'000'000};  // tests call expire_due() themselves
    auto c = clock;
    o.clock = [c] { return Timestamp{c->load()}; };
    return o;
  }

  std::unique_ptr<Engine> open(size_t cache = 1000) {
    auto e = Engine::open(options(cache));
    REQUIRE(e.has_value());
    return std::move(*e);
  }
};

void stock(Engine& e, const std::string& sku, int64_t on_hand, int64_t price = 1000) {
  REQUIRE(
      e.execute(envelope("def-" + sku, staff(), DefineProduct{Sku(sku), "P " + sku, eur(price)})));
  REQUIRE(
      e.execute(envelope("rcv-" + sku, staff(), ReceiveStock{Sku(sku), Quantity{on_hand}, ""})));
}

// Opens a cart for `who` with one line and checks it out into `order`.
Result<engine::CommandResult> checkout(Engine& e, const std::string& who, const std::string& sku,
                                       int64_t q, const std::string& order) {
  auto a = customer(who);
  REQUIRE(e.execute(envelope("open-" + order, a,
                             OpenCart{CartId("c-" + order), CustomerId(who), Currency("EUR")})));
  REQUIRE(e.execute(
      envelope("add-" + order, a, AddCartItem{CartId("c-" + order), Sku(sku), Quantity{q}})));
  return e.execute(envelope("co-" + order, a, CheckOutCart{CartId("c-" + order), OrderId(order)}));
}

}  // namespace

TEST_CASE("an accepted command is recorded with gap-free positions and versions", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 5);
  auto r = checkout(*e, "ann", "A", 2, "o1");
  REQUIRE(r.has_value());
  REQUIRE(r->events.size() == 3);
  CHECK(r->events[0].type == "CartCheckedOut");
  CHECK(r->events[1].type == "OrderPlaced");
  CHECK(r->events[2].type == "StockReserved");
  CHECK(r->events[2].stream == "product-A");
  CHECK(r->events[2].version.value == 3);
  CHECK(r->position == r->events[2].position);
  CHECK(e->head().position.value == 7);
  auto all = e->events_from(Position{1}, 100);
  REQUIRE(all.has_value());
  for (size_t i = 0; i < all->size(); ++i) CHECK((*all)[i].event.position.value == i + 1);
}

TEST_CASE("a refused command writes nothing and is judged afresh when retried", "[engine]") {
  Fixture f;
  auto e = f.open();
  auto refused = e->execute(envelope("rcv-1", staff(), ReceiveStock{Sku("X"), Quantity{3}, ""}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kNotFound);
  CHECK(e->head().position.value == 0);
  REQUIRE(e->execute(envelope("def-X", staff(), DefineProduct{Sku("X"), "X", eur(1)})));
  auto retried = e->execute(envelope("rcv-1", staff(), ReceiveStock{Sku("X"), Quantity{3}, ""}));
  REQUIRE(retried.has_value());
  CHECK_FALSE(retried->duplicate);
}

TEST_CASE("a resent command id with the same body returns the original result", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 1);
  auto cmd = envelope("once", staff(), ReceiveStock{Sku("A"), Quantity{4}, "PO"});
  auto first = e->execute(cmd);
  REQUIRE(first.has_value());
  const auto head = e->head().position;
  auto again = e->execute(cmd);
  REQUIRE(again.has_value());
  CHECK(again->duplicate);
  CHECK(again->position == first->position);
  CHECK(again->events == first->events);
  CHECK(e->head().position == head);
  SECTION("also after a reopen") {
    e.reset();
    e = f.open();
    auto after = e->execute(cmd);
    REQUIRE(after.has_value());
    CHECK(after->duplicate);
    CHECK(after->events == first->events);
  }
}

TEST_CASE("a reused command id with another body conflicts and writes nothing", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 1);
  REQUIRE(e->execute(envelope("id-1", staff(), ReceiveStock{Sku("A"), Quantity{4}, ""})));
  const auto head = e->head().position;
  auto other = e->execute(envelope("id-1", staff(), ReceiveStock{Sku("A"), Quantity{5}, ""}));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == ErrorCode::kConflict);
  auto other_actor =
      e->execute(envelope("id-1", service(), ReceiveStock{Sku("A"), Quantity{4}, ""}));
  REQUIRE_FALSE(other_actor.has_value());
  CHECK(other_actor.error().code == ErrorCode::kConflict);
  CHECK(e->head().position == head);
}

TEST_CASE("the same command twice in one group is applied once", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 1);
  std::vector<std::future<Result<engine::CommandResult>>> futures;
  for (int i = 0; i < 50; ++i) {
    futures.push_back(
        e->submit(envelope("same", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
  }
  int applied = 0;
  int duplicates = 0;
  for (auto& fu : futures) {
    auto r = fu.get();
    REQUIRE(r.has_value());
    (r->duplicate ? duplicates : applied)++;
  }
  CHECK(applied == 1);
  CHECK(duplicates == 49);
  CHECK(e->head().position.value == 3);
}

TEST_CASE("concurrent submissions share group commits", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 1);
  const auto groups_before = e->stats().groups;
  std::vector<std::future<Result<engine::CommandResult>>> futures;
  for (int i = 0; i < 500; ++i) {
    futures.push_back(e->submit(
        envelope("r" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
  }
  for (auto& fu : futures) REQUIRE(fu.get().has_value());
  const auto st = e->stats();
  CHECK(st.commands_accepted == 502);
  CHECK(st.groups - groups_before < 500);
  CHECK(e->head().position.value == 502);
}

TEST_CASE("states are folded from the log after a reopen with a tiny cache", "[engine]") {
  Fixture f;
  {
    auto e = f.open();
    stock(*e, "A", 3);
    stock(*e, "B", 3);
    REQUIRE(checkout(*e, "ann", "A", 2, "o1"));
  }
  auto e = f.open(/*cache=*/1);
  auto short_of_stock = checkout(*e, "bob", "A", 2, "o2");
  REQUIRE_FALSE(short_of_stock.has_value());
  CHECK(short_of_stock.error().code == ErrorCode::kOutOfStock);
  REQUIRE(checkout(*e, "cem", "A", 1, "o3"));
  REQUIRE(checkout(*e, "dee", "B", 3, "o4"));
  CHECK(e->stats().cache_misses > 0);
}

TEST_CASE("an unpaid order expires after the reservation TTL and releases its stock", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 2);
  REQUIRE(checkout(*e, "ann", "A", 2, "unpaid"));
  auto early = e->expire_due();
  REQUIRE(early.has_value());
  CHECK(*early == 0);
  f.clock->fetch_add(10'000'001);
  auto due = e->expire_due();
  REQUIRE(due.has_value());
  CHECK(*due == 1);
  auto h = e->history("order-unpaid", StreamVersion{1}, 10);
  REQUIRE(h.has_value());
  REQUIRE(h->size() == 2);
  CHECK(std::holds_alternative<OrderExpired>(h->back().event.data));
  CHECK(h->back().event.actor == engine_actor());
  REQUIRE(checkout(*e, "bob", "A", 2, "second"));
  CHECK(e->stats().expired_orders == 1);
}

TEST_CASE("an expiry is recorded under expire:<the whole order id>, an id no client can send",
          "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 3);
  // A client may name its own command "expire-o1": it must not look like the engine's.
  REQUIRE(checkout(*e, "ann", "A", 1, "o1"));
  const auto client_own = envelope("expire-o1", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""});
  REQUIRE(e->execute(client_own));
  // Two 64-character order ids that share their first 57 characters.
  const std::string long_a = std::string(57, 'x') + "-aaaaaa";
  const std::string long_b = std::string(57, 'x') + "-bbbbbb";
  REQUIRE(long_a.size() == 64);
  for (const std::string& order : {long_a, long_b}) {
    const std::string cart = "c" + order.substr(order.size() - 1);
    auto a = customer("bob");
    REQUIRE(e->execute(
        envelope("open-" + cart, a, OpenCart{CartId(cart), CustomerId("bob"), Currency("EUR")})));
    REQUIRE(
        e->execute(envelope("add-" + cart, a, AddCartItem{CartId(cart), Sku("A"), Quantity{1}})));
    REQUIRE(e->execute(envelope("co-" + cart, a, CheckOutCart{CartId(cart), OrderId(order)})));
  }
  f.clock->fetch_add(10'000'001);
  auto due = e->expire_due();
  REQUIRE(due.has_value());
  CHECK(*due == 3);

  auto expiry_id = [&](const std::string& order) {
    auto h = e->history("order-" + order, StreamVersion{1}, 10);
    REQUIRE(h.has_value());
    REQUIRE(std::holds_alternative<OrderExpired>(h->back().event.data));
    return h->back().event.command_id.str();
  };
  CHECK(expiry_id("o1") == "expire:o1");
  CHECK(expiry_id(long_a) == "expire:" + long_a);
  CHECK(expiry_id(long_b) == "expire:" + long_b);
  // The client's own "expire-o1" is still its own: a resend is its duplicate.
  auto again = e->execute(client_own);
  REQUIRE(again.has_value());
  CHECK(again->duplicate);
  CHECK(again->events.front().type == "StockReceived");
  // And no client can take the engine's form.
  auto taken = e->execute(envelope("expire:o1", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""}));
  REQUIRE_FALSE(taken.has_value());
  CHECK(taken.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("a paid order does not expire, and the schedule survives a restart", "[engine]") {
  Fixture f;
  {
    auto e = f.open();
    stock(*e, "A", 4, 500);
    REQUIRE(checkout(*e, "ann", "A", 1, "paid"));
    REQUIRE(checkout(*e, "bob", "A", 1, "unpaid"));
    REQUIRE(e->execute(envelope("auth", service(),
                                AuthorizePayment{OrderId("paid"), PaymentId("p1"), eur(500), ""})));
    REQUIRE(e->execute(envelope("cap", service(),
                                CapturePayment{OrderId("paid"), PaymentId("p1"), std::nullopt})));
  }
  f.clock->fetch_add(60'000'000);
  auto e = f.open();
  // The writer checks the schedule as soon as it starts, so the order may already be
  // expired by its timer; after expire_due() returns it is expired either way.
  REQUIRE(e->expire_due().has_value());
  CHECK(e->stats().expired_orders == 1);
  auto unpaid = e->history("order-unpaid", StreamVersion{1}, 10);
  REQUIRE(unpaid.has_value());
  CHECK(std::holds_alternative<OrderExpired>(unpaid->back().event.data));
  auto paid = e->history("order-paid", StreamVersion{1}, 10);
  REQUIRE(paid.has_value());
  for (const auto& ev : *paid) CHECK_FALSE(std::holds_alternative<OrderExpired>(ev.event.data));
  auto again = e->expire_due();
  REQUIRE(again.has_value());
  CHECK(*again == 0);
}

TEST_CASE("the writer expires due orders by itself on its timer", "[engine]") {
  Fixture f;
  auto o = f.options();
  o.expiry_interval = Duration{20'000};
  auto opened = Engine::open(o);
  REQUIRE(opened.has_value());
  auto& e = **opened;
  stock(e, "A", 1);
  REQUIRE(checkout(e, "ann", "A", 1, "o1"));
  f.clock->fetch_add(11'000'000);
  for (int i = 0; i < 200 && e.stats().expired_orders == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(e.stats().expired_orders == 1);
}

TEST_CASE("every durability mode commits and reads back", "[engine]") {
  for (auto mode :
       {events::Durability::kSync, events::Durability::kBatch, events::Durability::kNone}) {
    Fixture f;
    auto o = f.options();
    o.durability = mode;
    {
      auto e = Engine::open(o);
      REQUIRE(e.has_value());
      stock(**e, "A", 3);
    }
    auto e = Engine::open(o);
    REQUIRE(e.has_value());
    CHECK((*e)->head().position.value == 2);
  }
}

TEST_CASE("the hash chain verifies over everything the engine wrote", "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 3);
  REQUIRE(checkout(*e, "ann", "A", 1, "o1"));
  auto report = e->verify(Position{1}, e->head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);
  CHECK(report->checked == e->head().position.value);
}

TEST_CASE("a hold neither confirmed nor released by its expiry is released by the engine itself",
          "[engine][hold]") {
  Fixture f;
  const Timestamp expires{f.clock->load() + 5'000'000};
  auto hold = [&](const char* id, const char* order, const char* sku, int64_t q) {
    return envelope(
        id, service(),
        PlaceHold{OrderId(order), 1, Currency("EUR"), {HoldLine{Sku(sku), Quantity{q}}}, expires});
  };
  {
    auto e = f.open();
    stock(*e, "A", 10);
    stock(*e, "B", 10);
    REQUIRE(e->execute(hold("h1", "o-1", "A", 2)));  // left alone: expires
    REQUIRE(e->execute(hold("h2", "o-2", "B", 3)));  // confirmed: the order's
    REQUIRE(e->execute(envelope("c2", service(), ConfirmHold{OrderId("o-2"), 1, {Sku("B")}})));
    REQUIRE(e->execute(hold("h3", "o-3", "A", 1)));  // released by its saga
    REQUIRE(e->execute(envelope(
        "r3", service(), ReleaseHold{OrderId("o-3"), 1, {Sku("A")}, "order refused", expires})));
    auto early = e->expire_due();
    REQUIRE(early.has_value());
    CHECK(*early == 0);
    f.clock->fetch_add(5'000'001);
    auto due = e->expire_due();
    REQUIRE(due.has_value());
    CHECK(*due == 1);
    auto a = e->history("product-A", StreamVersion{1}, 100);
    REQUIRE(a.has_value());
    REQUIRE(a->size() >= 2);
    const auto& released = (*a)[a->size() - 2].event;
    REQUIRE(std::holds_alternative<HoldReleased>(released.data));
    CHECK(std::get<HoldReleased>(released.data).reason == "expired");
    CHECK(std::get<HoldReleased>(released.data).quantity.value == 2);
    CHECK(released.actor == engine_actor());
    CHECK(released.command_id.str() == "expire-hold:A~o-1");
    CHECK(std::holds_alternative<StockReleased>(a->back().event.data));
    // Expired once: nothing is due any more, and a late confirm of it is refused (its
    // tombstone is forgotten past the expiry, so it reads as never held).
    auto again = e->expire_due();
    REQUIRE(again.has_value());
    CHECK(*again == 0);
    auto late = e->execute(envelope("c1", service(), ConfirmHold{OrderId("o-1"), 1, {Sku("A")}}));
    REQUIRE_FALSE(late.has_value());
    CHECK(late.error().code == ErrorCode::kNotFound);
  }
  // The schedule holds nothing: confirmed, released and expired holds all left it.
  auto log = engine::open_offline(f.dir.str());
  REQUIRE(log.has_value());
  auto keys = (*log)->scan("expiry", "", std::string(9, '\xff'), 100);
  REQUIRE(keys.has_value());
  CHECK(keys->empty());
  // Everything verify checks passes: the views rebuilt from the log with its hold
  // events are byte for byte the ones kept, and so are the snapshots.
  auto report = engine::audit_log(**log, {});
  REQUIRE(report.has_value());
  INFO(report->failed_check << ": " << report->reason);
  CHECK(report->ok);
}

TEST_CASE(
    "holds survive a restart from snapshots: a repeat is still a repeat, a release "
    "still gives back",
    "[engine][hold]") {
  Fixture f;
  auto o = f.options(/*cache=*/1);  // every state is loaded again from its snapshot
  o.snapshot_every = 1;
  const Timestamp expires{f.clock->load() + 60'000'000};
  const auto hold = envelope(
      "h1", service(),
      PlaceHold{OrderId("o-1"), 1, Currency("EUR"), {HoldLine{Sku("A"), Quantity{3}}}, expires});
  {
    auto e = Engine::open(o);
    REQUIRE(e.has_value());
    stock(**e, "A", 5);
    REQUIRE((*e)->execute(hold));
  }
  auto e = Engine::open(o);
  REQUIRE(e.has_value());
  auto repeat = hold;
  repeat.command_id = CommandId("h1-again");
  auto again = (*e)->execute(repeat);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kAlreadyExists);
  REQUIRE((*e)->execute(envelope(
      "r1", service(), ReleaseHold{OrderId("o-1"), 1, {Sku("A")}, "order refused", expires})));
  auto a = (*e)->history("product-A", StreamVersion{1}, 100);
  REQUIRE(a.has_value());
  REQUIRE(std::holds_alternative<StockReleased>(a->back().event.data));
  CHECK(std::get<StockReleased>(a->back().event.data).quantity.value == 3);
  CHECK((*e)->stats().snapshot_loads > 0);
}

TEST_CASE("check decides without writing: no events, the refusal as submit gives it, the id unused",
          "[engine]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 1);
  const auto head = e->head().position;
  const auto receive = envelope("rcv-2", staff(), ReceiveStock{Sku("A"), Quantity{4}, ""});
  auto checked = std::make_shared<std::promise<Result<engine::CommandResult>>>();
  e->check(receive,
           [checked](Result<engine::CommandResult> r) { checked->set_value(std::move(r)); });
  auto ok = checked->get_future().get();
  REQUIRE(ok.has_value());
  CHECK(ok->events.empty());
  CHECK_FALSE(ok->duplicate);
  CHECK(e->head().position == head);
  // The id was not recorded: submitting it now is a first time.
  auto applied = e->execute(receive);
  REQUIRE(applied.has_value());
  CHECK_FALSE(applied->duplicate);
  CHECK(applied->events.size() == 1);
  // A refusal is the one submit() would give, and writes nothing either.
  auto refused_promise = std::make_shared<std::promise<Result<engine::CommandResult>>>();
  e->check(envelope("rcv-3", staff(), ReceiveStock{Sku("NOPE"), Quantity{1}, ""}),
           [refused_promise](Result<engine::CommandResult> r) {
             refused_promise->set_value(std::move(r));
           });
  auto refused = refused_promise->get_future().get();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kNotFound);
  CHECK(e->head().position == applied->position);
}

TEST_CASE(
    "an order placed by order.place reserves nothing here and expires by the engine "
    "without stock events",
    "[engine][saga]") {
  Fixture f;
  auto e = f.open();
  stock(*e, "A", 5);
  const Timestamp expires{f.clock->load() + 10'000'000};
  auto placed = e->execute(envelope("place-1", service(),
                                    PlaceOrder{OrderId("o-9"),
                                               CartId("c-9"),
                                               CustomerId("ann"),
                                               {OrderLine{Sku("A"), Quantity{2}, eur(1000)}},
                                               expires}));
  REQUIRE(placed.has_value());
  REQUIRE(placed->events.size() == 1);
  CHECK(placed->events[0].type == "OrderPlaced");
  // The product of the same sku in this partition (a test's convenience) keeps its stock.
  auto stock_view = e->view("stock", "A");
  REQUIRE(stock_view.has_value());
  REQUIRE(stock_view->has_value());
  CHECK((*stock_view)->find("\"reserved\":0") != std::string::npos);
  f.clock->store(expires.micros + 1);
  auto expired = e->expire_due();
  REQUIRE(expired.has_value());
  CHECK(*expired == 1);
  auto order = e->history("order-o-9", StreamVersion{1}, 100);
  REQUIRE(order.has_value());
  REQUIRE(order->size() == 2);
  CHECK(std::holds_alternative<OrderExpired>(order->back().event.data));
  CHECK(e->head().position.value == placed->position.value + 1);
  e.reset();
  auto log = engine::open_offline(f.dir.str());
  REQUIRE(log.has_value());
  auto report = engine::audit_log(**log, {});
  REQUIRE(report.has_value());
  INFO(report->failed_check << ": " << report->reason);
  CHECK(report->ok);
}

}  // namespace stockroom::testing

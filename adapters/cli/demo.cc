// `stockroom demo`: a small store played against the engine in this process, printed
// so that a newcomer can follow what the engine decided and recorded.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "adapters/cli/subcommands.h"
#include "engine/engine.h"

namespace stockroom::cli {
namespace {

using engine::CommandResult;
using engine::Engine;

class Store {
 public:
  explicit Store(Engine& engine) : engine_(engine) {}

  // Runs one command, prints the outcome in one or a few lines, returns the result.
  Result<CommandResult> run(std::string_view what, Actor actor, Command command,
                            std::string command_id = {}) {
    if (command_id.empty()) command_id = fmt::format("demo-{}", ++counter_);
    auto r = engine_.execute(
        CommandEnvelope{CommandId(command_id), std::move(actor), std::nullopt, std::move(command)});
    print(what, r);
    return r;
  }

  static void print(std::string_view what, const Result<CommandResult>& r) {
    if (!r) {
      fmt::print("  {:<46} REFUSED {}: {}\n", what, error_code_name(r.error().code),
                 r.error().message);
      return;
    }
    fmt::print("  {:<46} ok{}\n", what, r->duplicate ? " (duplicate: nothing written)" : "");
    for (const auto& e : r->events) {
      fmt::print("      #{:<4} {:<20} v{:<3} {}\n", e.position.value, e.stream, e.version.value,
                 e.type);
    }
  }

 private:
  Engine& engine_;
  int counter_ = 0;
};

Money eur(int64_t cents) { return Money{cents, Currency("EUR")}; }
Actor staff() { return Actor{ActorId("ops-1"), Role::kStaff}; }
Actor payments() { return Actor{ActorId("payment-svc"), Role::kService}; }
Actor customer(const char* id) { return Actor{ActorId(id), Role::kCustomer}; }

void stock_the_shelves(Store& s) {
  fmt::print("\n1. Staff define two products and receive stock\n");
  (void)s.run("define LAMP at 49.00 EUR", staff(),
              DefineProduct{Sku("LAMP"), "Desk lamp", eur(4900)});
  (void)s.run("define MUG at 9.50 EUR", staff(), DefineProduct{Sku("MUG"), "Mug", eur(950)});
  (void)s.run("receive 3 LAMP", staff(), ReceiveStock{Sku("LAMP"), Quantity{3}, "PO-1"});
  (void)s.run("receive 40 MUG", staff(), ReceiveStock{Sku("MUG"), Quantity{40}, "PO-2"});
  (void)s.run("a customer tries to receive stock", customer("mallory"),
              ReceiveStock{Sku("MUG"), Quantity{5}, ""});
}

void race_for_the_last_lamps(Engine& engine, Store& s) {
  fmt::print("\n2. Five customers race for the last 3 lamps (5 threads, one writer)\n");
  const char* names[] = {"ann", "bob", "cem", "dee", "eli"};
  for (const char* n : names) {
    const std::string cart = fmt::format("cart-{}", n);
    (void)s.run(fmt::format("{} opens a cart", n), customer(n),
                OpenCart{CartId(cart), CustomerId(n), Currency("EUR")});
    (void)s.run(fmt::format("{} adds 1 LAMP", n), customer(n),
                AddCartItem{CartId(cart), Sku("LAMP"), Quantity{1}});
  }
  std::vector<std::thread> racers;
  std::vector<Result<CommandResult>> results(5);
  for (int i = 0; i < 5; ++i) {
    racers.emplace_back([&, i] {
      const std::string n = names[i];
      results[i] = engine.execute(
          CommandEnvelope{CommandId("checkout-" + n), customer(names[i]), std::nullopt,
                          CheckOutCart{CartId("cart-" + n), OrderId("order-" + n)}});
    });
  }
  for (auto& t : racers) t.join();
  for (int i = 0; i < 5; ++i) Store::print(fmt::format("{} checks out", names[i]), results[i]);
}

void pay_ship_deliver_rate(Store& s, const std::string& who) {
  const OrderId order("order-" + who);
  fmt::print("\n3. {}'s order is paid, shipped, delivered and rated\n", who);
  (void)s.run("authorize 49.00 EUR", payments(),
              AuthorizePayment{order, PaymentId("pay-" + who), eur(4900), "psp-123"});
  (void)s.run("capture it all (the order becomes paid)", payments(),
              CapturePayment{order, PaymentId("pay-" + who), std::nullopt});
  (void)s.run("ship with DHL", staff(), ShipOrder{order, "DHL", "JD0001"});
  (void)s.run("deliver", staff(), DeliverOrder{order});
  (void)s.run("rate the lamp 5 stars", customer(who.c_str()),
              SubmitRating{order, Sku("LAMP"), 5, "bright"});
  (void)s.run("revise to 4 stars (command id rate-2)", customer(who.c_str()),
              SubmitRating{order, Sku("LAMP"), 4, "bright, a bit loud"}, "rate-2");
  (void)s.run("the client resends rate-2 (a retry)", customer(who.c_str()),
              SubmitRating{order, Sku("LAMP"), 4, "bright, a bit loud"}, "rate-2");
}

void cancel_and_expire(Engine& engine, Store& s, const std::vector<std::string>& winners) {
  fmt::print("\n4. {} cancels; {} never pays and the reservation expires\n", winners[1],
             winners[2]);
  (void)s.run(fmt::format("{} cancels (stock is released)", winners[1]),
              customer(winners[1].c_str()),
              CancelOrder{OrderId("order-" + winners[1]), "changed mind"});
  const auto ttl = std::chrono::microseconds(engine.options().reservation_ttl.micros);
  fmt::print("  waiting {} ms for the reservation TTL...\n",
             std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count() + 300);
  std::this_thread::sleep_for(ttl + std::chrono::milliseconds(300));
  auto expired = engine.expire_due();
  fmt::print("  the engine expired {} order(s) by itself\n",
             expired ? engine.stats().expired_orders : 0);
  auto h = engine.history("product-LAMP", StreamVersion{1}, 100);
  if (h) {
    fmt::print("  history of product-LAMP ({} events):\n", h->size());
    for (const auto& e : *h) {
      fmt::print("      #{:<4} v{:<3} {:<15} by {:<12} cmd {}\n", e.event.position.value,
                 e.event.version.value, event_type_name(e.event.data), e.event.actor.id.str(),
                 e.event.command_id.str());
    }
  }
}

void show_views(Engine& engine, const std::vector<std::string>& winners) {
  fmt::print("\n5. The read models, updated in the same write as the events\n");
  const auto show = [&](const char* view, const std::string& key) {
    auto v = engine.view(view, key);
    fmt::print("  {:<6} {:<14} {}\n", view, key,
               v && *v ? **v : std::string(v ? "(none)" : error_code_name(v.error().code)));
  };
  show("stock", "LAMP");
  show("rating", "LAMP");
  show("order", "order-" + winners[0]);
  show("order", "order-" + winners[2]);
  show("cart", "cart-" + winners[0]);
  // An auditor's question: what did the LAMP stock look like right after the race?
  auto lamp = engine.history("product-LAMP", StreamVersion{1}, 100);
  if (!lamp) return;
  Position race_end;
  for (const auto& e : *lamp) {
    if (std::holds_alternative<StockReserved>(e.event.data)) race_end = e.event.position;
  }
  auto then = engine.as_of("product-LAMP", race_end);
  fmt::print("  as of position {} (the race just over) product-LAMP was\n  {:<21} {}\n",
             race_end.value, "", then ? *then : std::string(error_code_name(then.error().code)));
}

std::vector<std::string> winners_of_race(Engine& engine) {
  std::vector<std::string> winners;
  for (const char* n : {"ann", "bob", "cem", "dee", "eli"}) {
    auto h = engine.history(std::string("order-order-") + n, StreamVersion{1}, 1);
    if (h && !h->empty()) winners.emplace_back(n);
  }
  return winners;
}

int run_demo(const std::string& data_dir, int ttl_ms) {
  std::string dir = data_dir;
  if (dir.empty()) {
    dir = (std::filesystem::temp_directory_path() /
           fmt::format("stockroom-demo-{}",
                       std::chrono::steady_clock::now().time_since_epoch().count()))
              .string();
  }
  engine::EngineOptions options;
  options.data_dir = dir;
  options.reservation_ttl = Duration{int64_t{ttl_ms} * 1000};
  auto opened = Engine::open(options);
  if (!opened) {
    fmt::print(stderr, "stockroom demo: cannot open {}: {}\n", dir, opened.error().message);
    return 1;
  }
  Engine& engine = **opened;
  fmt::print("Stockroom demo: the engine in this process, data in {} (durability sync)\n", dir);
  Store store(engine);
  stock_the_shelves(store);
  race_for_the_last_lamps(engine, store);
  auto winners = winners_of_race(engine);
  if (winners.size() != 3) {
    fmt::print(stderr, "stockroom demo: expected 3 winners, got {}\n", winners.size());
    return 1;
  }
  pay_ship_deliver_rate(store, winners[0]);
  cancel_and_expire(engine, store, winners);
  show_views(engine, winners);
  auto report = engine.verify(Position{1}, engine.head().position);
  if (!report || !report->ok) {
    fmt::print(stderr, "stockroom demo: the hash chain does not verify\n");
    return 1;
  }
  const auto st = engine.stats();
  fmt::print("\n6. The log: {} events, head hash {}\n", report->head.position.value,
             events::to_hex(report->head.hash));
  fmt::print(
      "   hash chain verified over {} events; {} commands accepted, {} refused, {} "
      "duplicates, {} group commits\n",
      report->checked, st.commands_accepted, st.commands_refused, st.duplicates, st.groups);
  return 0;
}

}  // namespace

Runner add_demo(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "demo", "play a small store against the engine in this process and print what happened");
  auto data = std::make_shared<std::string>();
  auto ttl_ms = std::make_shared<int>(1500);
  sub->add_option("--data", *data, "data directory (default: a new temporary one)");
  sub->add_option("--reservation-ttl-ms", *ttl_ms, "reservation TTL of the demo store")
      ->check(CLI::Range(1, 60000));
  return [data, ttl_ms] { return run_demo(*data, *ttl_ms); };
}

}  // namespace stockroom::cli

// A failing disk under the engine: the group fails whole with UNAVAILABLE, nothing of
// it is written, the engine turns read-only, reads keep working, a reopen recovers.
#include <sys/resource.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "events/support/faulty_file_system.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

// CPU time (user + system) this process has used so far.
std::chrono::microseconds process_cpu() {
  rusage usage{};
  REQUIRE(::getrusage(RUSAGE_SELF, &usage) == 0);
  auto micros = [](const timeval& t) { return t.tv_sec * 1'000'000LL + t.tv_usec; };
  return std::chrono::microseconds(micros(usage.ru_utime) + micros(usage.ru_stime));
}

// An engine on `fs` turned read-only by one failed write.
std::unique_ptr<engine::Engine> read_only_engine(
    const TempDir& dir, const std::shared_ptr<events::testing::FaultyFileSystem>& fs,
    engine::EngineOptions o = {}) {
  o.data_dir = dir.str();
  o.env = events::testing::env_over(fs);
  auto opened = engine::Engine::open(o);
  REQUIRE(opened.has_value());
  auto e = std::move(*opened);
  REQUIRE(e->execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
  fs->fail_wal(true);
  auto failed = e->execute(envelope("r", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""}));
  REQUIRE_FALSE(failed.has_value());
  fs->fail_wal(false);
  REQUIRE(e->read_only());
  return e;
}

// Places order `order` (one unit of A, 10 s reservation) for customer ann.
void place_order(engine::Engine& e, const std::string& order) {
  const Actor ann = customer("ann");
  const CartId cart("c-" + order);
  REQUIRE(e.execute(
      envelope("open-" + order, ann, OpenCart{cart, CustomerId("ann"), Currency("EUR")})));
  REQUIRE(e.execute(envelope("add-" + order, ann, AddCartItem{cart, Sku("A"), Quantity{1}})));
  REQUIRE(e.execute(envelope("co-" + order, ann, CheckOutCart{cart, OrderId(order)})));
}

// An engine clock the test moves by hand and can hold shut: every reading waits while
// it is shut, so the writer's first look for due orders waits for the test.
struct ManualClock {
  std::mutex mu;
  std::condition_variable opened;
  bool shut = false;
  int64_t now = 1'700'000'000'000'000;

  std::function<Timestamp()> reader(const std::shared_ptr<ManualClock>& self) {
    return [self] {
      std::unique_lock lock(self->mu);
      self->opened.wait(lock, [&] { return !self->shut; });
      return Timestamp{self->now};
    };
  }
  void set_shut(bool on) {
    {
      std::lock_guard lock(mu);
      shut = on;
    }
    opened.notify_all();
  }
  void advance(int64_t micros) {
    std::lock_guard lock(mu);
    now += micros;
  }
};

}  // namespace

TEST_CASE("a failed write fails the whole group, writes nothing and turns the engine read-only",
          "[engine][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.env = events::testing::env_over(fs);
  // on_fault runs on the writer thread; the futures below are completed after it.
  std::vector<Error> faults;
  o.on_fault = [&faults](const Error& e) { faults.push_back(e); };
  {
    auto opened = engine::Engine::open(o);
    REQUIRE(opened.has_value());
    auto& e = **opened;
    REQUIRE(e.execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    const auto head = e.head();

    fs->fail_wal(true);
    std::vector<std::future<Result<engine::CommandResult>>> futures;
    for (int i = 0; i < 20; ++i) {
      futures.push_back(e.submit(
          envelope("r" + std::to_string(i), staff(), ReceiveStock{Sku("A"), Quantity{1}, ""})));
    }
    for (auto& f : futures) {
      auto r = f.get();
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::kUnavailable);
    }
    CHECK(e.read_only());
    REQUIRE(faults.size() == 1);  // told once, with the reason
    CHECK(faults[0].code == ErrorCode::kUnavailable);
    CHECK_THAT(faults[0].message, Catch::Contains("storage write failed"));
    fs->fail_wal(false);
    auto later = e.execute(envelope("later", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""}));
    REQUIRE_FALSE(later.has_value());
    CHECK(later.error().code == ErrorCode::kUnavailable);
    CHECK(e.head().position == head.position);
    auto h = e.history("product-A", StreamVersion{1}, 10);  // reads keep working
    REQUIRE(h.has_value());
    CHECK(h->size() == 1);
    CHECK(faults.size() == 1);  // not again for the commands refused while read-only
  }
  o.env = nullptr;
  auto reopened = engine::Engine::open(o);
  REQUIRE(reopened.has_value());
  auto& e = **reopened;
  CHECK(e.head().position.value == 1);
  CHECK_FALSE(e.read_only());
  auto retried = e.execute(envelope("r0", staff(), ReceiveStock{Sku("A"), Quantity{1}, ""}));
  REQUIRE(retried.has_value());
  CHECK_FALSE(retried->duplicate);
  auto report = e.verify(Position{1}, e.head().position);
  REQUIRE(report.has_value());
  CHECK(report->ok);
}

TEST_CASE("a read-only engine's writer sleeps instead of spinning", "[engine][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  engine::EngineOptions o;
  o.expiry_interval = Duration{50'000};  // the writer wakes every 50 ms to look for expiries
  auto e = read_only_engine(dir, fs, o);
  const auto cpu_before = process_cpu();
  const auto wall_before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto cpu = process_cpu() - cpu_before;
  const auto wall = std::chrono::steady_clock::now() - wall_before;
  INFO("CPU " << cpu.count() << " us over "
              << std::chrono::duration_cast<std::chrono::microseconds>(wall).count() << " us");
  // A spinning writer burns a whole core: about as much CPU as wall time.
  CHECK(cpu < std::chrono::milliseconds(200));
}

TEST_CASE("a rebuild on a read-only engine returns UNAVAILABLE at once", "[engine][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  auto e = read_only_engine(dir, fs);
  // On its own thread: before the fix it waited for ever. Shared state, so that a
  // hung rebuild does not hang the test too.
  auto result = std::make_shared<std::promise<Result<engine::RebuildReport>>>();
  auto done = result->get_future();
  std::thread([&engine = *e, result] { result->set_value(engine.rebuild("")); }).detach();
  REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto report = done.get();
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().code == ErrorCode::kUnavailable);
}

TEST_CASE("expire_due reports a storage failure instead of counting it as settled",
          "[engine][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  auto clock = std::make_shared<ManualClock>();
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.env = events::testing::env_over(fs);
  o.clock = clock->reader(clock);
  o.reservation_ttl = Duration{10'000'000};
  o.expiry_interval = Duration{3600LL * 1'000'000};  // the test calls expire_due() itself
  auto opened = engine::Engine::open(o);
  REQUIRE(opened.has_value());
  auto& e = **opened;
  REQUIRE(e.execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
  REQUIRE(e.execute(envelope("rcv", staff(), ReceiveStock{Sku("A"), Quantity{5}, ""})));
  place_order(e, "o1");
  clock->advance(10'000'001);

  fs->fail_wal(true);
  auto due = e.expire_due();
  fs->fail_wal(false);
  REQUIRE_FALSE(due.has_value());
  CHECK(due.error().code == ErrorCode::kUnavailable);
  CHECK(e.stats().expired_orders == 0);
}

TEST_CASE("a failed read of the expiry schedule is counted and tried again", "[engine][fault]") {
  TempDir dir;
  auto fs = std::make_shared<events::testing::FaultyFileSystem>();
  auto clock = std::make_shared<ManualClock>();
  engine::EngineOptions o;
  o.data_dir = dir.str();
  o.env = events::testing::env_over(fs);
  o.clock = clock->reader(clock);
  o.reservation_ttl = Duration{10'000'000};
  {
    auto opened = engine::Engine::open(o);
    REQUIRE(opened.has_value());
    auto& e = **opened;
    REQUIRE(e.execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    REQUIRE(e.execute(envelope("rcv", staff(), ReceiveStock{Sku("A"), Quantity{5}, ""})));
    place_order(e, "o1");
  }
  // Reopened, the schedule is in a table file (recovery flushes the WAL) that nothing
  // has read yet; the writer's first look waits on the shut clock until reads fail.
  o.expiry_interval = Duration{20'000};
  std::atomic<int> told{0};  // what serve logs
  o.on_expiry_check_failure = [&told](const Error&) { told.fetch_add(1); };
  clock->set_shut(true);
  auto opened = engine::Engine::open(o);
  REQUIRE(opened.has_value());
  auto& e = **opened;
  fs->fail_table_reads(true);
  clock->set_shut(false);
  for (int i = 0; i < 500 && e.stats().expiry_check_failures < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(e.stats().expiry_check_failures >= 2);  // counted, and tried again
  CHECK(told.load() >= 2);
  CHECK_FALSE(e.read_only());  // a failed look writes nothing
  fs->fail_table_reads(false);
  clock->advance(10'000'001);
  for (int i = 0; i < 500 && e.stats().expired_orders == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(e.stats().expired_orders == 1);
}

}  // namespace stockroom::testing

// The metrics registry renders the Prometheus text format exactly, and its hot path
// counts exactly under concurrency.
#include "adapters/ops/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace stockroom::ops {
namespace {

TEST_CASE("a small registry renders the exact exposition text", "[ops][metrics]") {
  Registry registry;
  auto& commands = registry.counter("stockroom_commands_total", "Commands by subject and outcome.",
                                    {"subject", "outcome"});
  auto& lag = registry.gauge("stockroom_projection_lag", "Events not yet in the views.");
  registry.gauge_fn("stockroom_log_head", "Position of the last event.", [] { return 42.0; });
  auto& latency = registry.histogram("stockroom_command_seconds", "Command latency.", {"subject"},
                                     {0.001, 0.01, 0.1});

  // Created out of order: rendered sorted by label values.
  commands.with({"cart.add_item", "ok"}).inc(3);
  commands.with({"cart.add_item", "error"}).inc();
  commands.with({"cart.add_item", "ok"}).inc(2);
  lag.with().set(1.5);
  auto& add_item = latency.with({"cart.add_item"});
  add_item.observe(0.0005);
  add_item.observe(0.001);  // on a bound: le is inclusive
  add_item.observe(0.05);
  add_item.observe(7);

  CHECK(registry.render() ==
        "# HELP stockroom_commands_total Commands by subject and outcome.\n"
        "# TYPE stockroom_commands_total counter\n"
        "stockroom_commands_total{subject=\"cart.add_item\",outcome=\"error\"} 1\n"
        "stockroom_commands_total{subject=\"cart.add_item\",outcome=\"ok\"} 5\n"
        "# HELP stockroom_projection_lag Events not yet in the views.\n"
        "# TYPE stockroom_projection_lag gauge\n"
        "stockroom_projection_lag 1.5\n"
        "# HELP stockroom_log_head Position of the last event.\n"
        "# TYPE stockroom_log_head gauge\n"
        "stockroom_log_head 42\n"
        "# HELP stockroom_command_seconds Command latency.\n"
        "# TYPE stockroom_command_seconds histogram\n"
        "stockroom_command_seconds_bucket{subject=\"cart.add_item\",le=\"0.001\"} 2\n"
        "stockroom_command_seconds_bucket{subject=\"cart.add_item\",le=\"0.01\"} 2\n"
        "stockroom_command_seconds_bucket{subject=\"cart.add_item\",le=\"0.1\"} 3\n"
        "stockroom_command_seconds_bucket{subject=\"cart.add_item\",le=\"+Inf\"} 4\n"
        "stockroom_command_seconds_sum{subject=\"cart.add_item\"} 7.0515\n"
        "stockroom_command_seconds_count{subject=\"cart.add_item\"} 4\n");
}

TEST_CASE("an unlabelled histogram's buckets are cumulative and end at the count",
          "[ops][metrics]") {
  Registry registry;
  auto& h = registry.histogram("batch_size", "Commands per batch.", {}, {1, 4, 16}).with();
  for (double v : {1.0, 2.0, 3.0, 5.0, 100.0, 100.0}) h.observe(v);
  h.observe(std::numeric_limits<double>::quiet_NaN());  // counted in +Inf only

  CHECK(h.bucket_counts() == std::vector<uint64_t>{1, 2, 1, 3});
  CHECK(registry.render() ==
        "# HELP batch_size Commands per batch.\n"
        "# TYPE batch_size histogram\n"
        "batch_size_bucket{le=\"1\"} 1\n"
        "batch_size_bucket{le=\"4\"} 3\n"
        "batch_size_bucket{le=\"16\"} 4\n"
        "batch_size_bucket{le=\"+Inf\"} 7\n"
        "batch_size_sum NaN\n"
        "batch_size_count 7\n");
}

TEST_CASE("label values and help text are escaped", "[ops][metrics]") {
  Registry registry;
  registry.counter("odd_total", "Back\\slash and\nnewline; \"quotes\" stay.", {"v"})
      .with({"a\\b \"q\"\nc"})
      .inc();
  CHECK(registry.render() ==
        "# HELP odd_total Back\\\\slash and\\nnewline; \"quotes\" stay.\n"
        "# TYPE odd_total counter\n"
        "odd_total{v=\"a\\\\b \\\"q\\\"\\nc\"} 1\n");
}

TEST_CASE("a family with no series yet renders its header only", "[ops][metrics]") {
  Registry registry;
  registry.counter("nats_reconnects_total", "Reconnects.", {"server"});
  CHECK(registry.render() ==
        "# HELP nats_reconnects_total Reconnects.\n# TYPE nats_reconnects_total counter\n");
}

TEST_CASE("sample values format like Prometheus", "[ops][metrics]") {
  CHECK(format_sample_value(0) == "0");
  CHECK(format_sample_value(3) == "3");
  CHECK(format_sample_value(0.25) == "0.25");
  CHECK(format_sample_value(-2.5) == "-2.5");
  CHECK(format_sample_value(1e300) == "1e+300");
  CHECK(format_sample_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_sample_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_sample_value(std::nan("")) == "NaN");
}

TEST_CASE("with() returns the same series for the same label values", "[ops][metrics]") {
  Registry registry;
  auto& family = registry.counter("c_total", "c", {"a"});
  Counter& one = family.with({"x"});
  std::vector<std::string> dynamic{"x"};
  CHECK(&family.with(dynamic) == &one);
  CHECK(&family.with({"y"}) != &one);
}

TEST_CASE("gauges set, add, and read callbacks at scrape time", "[ops][metrics]") {
  Registry registry;
  Gauge& g = registry.gauge("g", "g").with();
  g.set(10);
  g.add(-2.5);
  CHECK(g.value() == 7.5);
  int scrapes = 0;
  registry.gauge_fn("scrapes", "s", [&] { return ++scrapes; });
  CHECK(registry.render().ends_with("scrapes 1\n"));
  CHECK(registry.render().ends_with("scrapes 2\n"));
}

TEST_CASE("a counter read at scrape time renders as a counter", "[ops][metrics]") {
  Registry registry;
  uint64_t kept_elsewhere = 7;
  registry.counter_fn("dropped_total", "Dropped elsewhere.", [&] { return kept_elsewhere; });
  CHECK(registry.render() ==
        "# HELP dropped_total Dropped elsewhere.\n# TYPE dropped_total counter\ndropped_total 7\n");
  kept_elsewhere = 12'345'678'901;
  CHECK(registry.render().ends_with("dropped_total 12345678901\n"));
  CHECK_THROWS_AS(registry.counter_fn("dropped_total", "again", [] { return uint64_t{0}; }),
                  std::invalid_argument);
}

TEST_CASE("programming errors are refused at registration", "[ops][metrics]") {
  Registry registry;
  CHECK_THROWS_AS(registry.counter("1bad", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("bad-name", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("ok_total", "h", {"bad:label"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("ok_total", "h", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("ok_total", "h", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h1", "h", {"le"}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h2", "h", {}, {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h3", "h", {}, {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h4", "h", {}, {1, INFINITY}), std::invalid_argument);

  auto& family = registry.counter("ns:ok_total", "h", {"a", "b"});  // colons are allowed
  CHECK_THROWS_AS(registry.counter("ns:ok_total", "again"), std::invalid_argument);
  CHECK_THROWS_AS(family.with({"only one"}), std::invalid_argument);
  CHECK_THROWS_AS(family.with({"1", "2", "3"}), std::invalid_argument);
}

TEST_CASE("exponential buckets multiply from the start", "[ops][metrics]") {
  CHECK(exponential_buckets(0.001, 10, 4) == std::vector<double>{0.001, 0.01, 0.1, 1.0});
  CHECK_THROWS_AS(exponential_buckets(0, 2, 3), std::invalid_argument);
  CHECK_THROWS_AS(exponential_buckets(1, 1, 3), std::invalid_argument);
}

TEST_CASE("8 threads incrementing and observing lose no update", "[ops][metrics][concurrency]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100'000;
  Registry registry;
  auto& counters = registry.counter("hits_total", "h", {"kind"});
  auto& histogram = registry.histogram("size", "s", {}, {10, 100}).with();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread looks its series up once, as callers are meant to.
      Counter& shared = counters.with({"shared"});
      Counter& own = counters.with({"t" + std::to_string(t)});
      for (int i = 0; i < kPerThread; ++i) {
        shared.inc();
        own.inc(2);
        histogram.observe(i % 3 == 0 ? 5 : 50);
      }
    });
  }
  // Scrapes while the writers run must not disturb them.
  for (int i = 0; i < 20; ++i) (void)registry.render();
  for (auto& t : threads) t.join();

  CHECK(counters.with({"shared"}).value() == uint64_t{kThreads} * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    CHECK(counters.with({"t" + std::to_string(t)}).value() == 2ull * kPerThread);
  }
  const uint64_t small = kThreads * ((kPerThread + 2) / 3);
  CHECK(histogram.bucket_counts() ==
        std::vector<uint64_t>{small, uint64_t{kThreads} * kPerThread - small, 0});
  CHECK(histogram.sum() == 5.0 * small + 50.0 * (uint64_t{kThreads} * kPerThread - small));
}

}  // namespace
}  // namespace stockroom::ops

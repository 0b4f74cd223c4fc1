// The outbox's error callback runs without the lock post() takes: a NATS outage whose
// failure report is slow (a log line, a metric) must not hold up the engine's writer,
// which posts every reply.
#include "adapters/nats/outbox.h"

#include <nats/nats.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <utility>

#include "nats/support/nats_server.h"

namespace stockroom::testing {

TEST_CASE("a slow publish-failure callback does not block post()", "[nats][outbox]") {
  NatsServer server;
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, server.url().c_str()) == NATS_OK);
  natsConnection_Close(nc);  // every publish now fails: NATS is gone for this connection

  std::promise<void> in_callback;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  bool first = true;
  {
    nats_adapter::Outbox outbox(nc, [&](const std::string&) {
      // Only the first failure waits, as a log sink stuck on a full disk would.
      if (!std::exchange(first, false)) return;
      in_callback.set_value();
      released.wait();
    });
    outbox.post(nats_adapter::Outgoing{"a", "1", {}});
    REQUIRE(in_callback.get_future().wait_for(std::chrono::seconds(5)) ==
            std::future_status::ready);

    // What the writer does next: post another reply. On a thread, so that a post()
    // blocked on the outbox's lock fails the test instead of hanging it.
    auto posted = std::make_shared<std::promise<void>>();
    auto returned = posted->get_future();
    std::thread([&outbox, posted] {
      outbox.post(nats_adapter::Outgoing{"b", "2", {}});
      posted->set_value();
    }).detach();
    const bool in_time = returned.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    release.set_value();
    CHECK(in_time);
    returned.wait();                        // the outbox must outlive the posting thread
    CHECK(outbox.drain(5000).has_value());  // closed: nothing to flush to
    CHECK(outbox.failed() == 2);
    CHECK(outbox.published() == 0);
  }
  natsConnection_Destroy(nc);
}

}  // namespace stockroom::testing

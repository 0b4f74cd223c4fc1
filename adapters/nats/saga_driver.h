// The driver of checkouts across partitions in the cart's partition (cluster mode,
// docs/scale-out.md "Checkouts across partitions"). cart.checkout logs CheckoutStarted
// on the cart (the engine decides that); this drives each started attempt to its end
// from worker threads: a stock.hold per product partition, the order.place, a
// stock.confirm_hold per partition, then the engine's cart.finish_checkout — or, on a
// refusal, a stock.release_hold per partition and the finish with the refusal. Each
// step is sent until a definite answer comes (UNAVAILABLE and silence are retried
// with a backoff); every step is idempotent, so a saga driven again from its start (a
// new owner, resume()) changes nothing that was done.
//
// A client's reply waits (wait_for) until its attempt is logged as ended, and then
// says what the single node would have said: the checkout's events, or its refusal.
//
// Threads: every method is safe from any thread; replies are called on the workers
// (or on the caller of stop()). Ownership: borrows the engine and the connection,
// which must outlive stop().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/ops/json_log.h"
#include "engine/engine.h"

struct __natsConnection;

namespace stockroom::nats_adapter {

struct SagaDriverOptions {
  std::string prefix = "stockroom";
  uint32_t partition = 0;   // the cart's partition (this one)
  uint32_t partitions = 1;  // of the cluster
  // Sagas driven at once: each waits on other partitions most of its time (a step is a
  // round trip and a replicated append there), so more than the cores.
  size_t workers = 16;
  // Sagas waiting or running at most: a checkout beyond it is refused UNAVAILABLE before
  // anything is logged (has_room), so memory stays bounded under overload.
  size_t max_sagas = 4096;
  // One request's wait. Short: a step is idempotent, so asking again costs little, and
  // a request lost with a killed NATS node or owner would otherwise hold the client's
  // checkout for the whole wait (the failover drills bound the client's gap at 10 s).
  std::chrono::milliseconds step_timeout{1000};
};

class SagaDriver {
 public:
  using Reply = std::function<void(Result<engine::CommandResult>)>;

  SagaDriver(engine::Engine& engine, __natsConnection* connection, SagaDriverOptions options,
             ops::JsonLog& log);
  ~SagaDriver();
  SagaDriver(const SagaDriver&) = delete;
  SagaDriver& operator=(const SagaDriver&) = delete;

  // Whether another saga may be taken now.
  [[nodiscard]] bool has_room() const;

  // `started`: the engine's result for a cart.checkout that logged (or, duplicate, had
  // logged) a CheckoutStarted of `cart`. `reply` gets the outcome of that attempt once
  // it is logged: the checkout's result (its command id and duplicate flag, the
  // CheckoutStarted and CartCheckedOut events, the position of the latter), or its
  // refusal; UNAVAILABLE when the driver stops first (the client resends to the next
  // owner, which resumes the saga).
  void wait_for(const CartId& cart, const engine::CommandResult& started, Reply reply);

  // Queues every cart of this partition whose checkout is running (a new owner finds
  // them in the cart projection's index): kUnavailable if it cannot be read.
  [[nodiscard]] Status resume();

  // Stops the workers (a saga in the middle of a step stops there; its steps are logged
  // where they landed and the next owner resumes it), answers every waiting reply
  // UNAVAILABLE. Idempotent.
  void stop();

  // Sagas queued or running now; sagas ended since the start, by outcome.
  struct Stats {
    size_t active = 0;
    uint64_t placed = 0;
    uint64_t failed = 0;
  };
  [[nodiscard]] Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockroom::nats_adapter

// SettleOutbox: carries the stock effects of a partition's orders placed elsewhere
// (order.place: OrderPlaced.stock_elsewhere) to the partitions that hold their stock,
// exactly once (docs/scale-out.md, "The outbox").
//
// A log-tailing outbox: an effect's entry IS its order event (OrderCancelled,
// OrderExpired, OrderShipped, OrderItemsReturned), written in the same atomic batch as
// the order's change and replicated with the log. While its partition is owned, the
// outbox reads the log after its cursor (Engine::events_from), looks up each order's
// OrderPlaced (Engine::history), and sends each settlement the event owes
// (settlement.h: one stock.settle per event and product partition, its command id
// fixed by the event's position) until the product partition answers: acknowledged
// (duplicate or not), or a definite refusal, which is logged as an error and given
// up. UNAVAILABLE, no responders and timeouts are retried, with a backoff per product
// partition; settlements to one product partition are sent in log order.
//
// The cursor — the last position whose settlements were all acknowledged — is saved
// through `CursorStore` (cluster mode: a replicated KV bucket) after acknowledgements,
// and loaded when the outbox starts, so a new owner resends only what may not have
// been acknowledged. Resends are harmless: the product partition answers a repeated
// command id `duplicate: true` (for its idempotency retention, 7 days by default).
//
// Threads: one thread of its own does all of the above; start() and stop() are the
// owner's; depth() and oldest_recorded() may be called from any thread.
// Ownership: borrows the engine, which must outlive the outbox (stop() first); owns its
// NATS connection (made on its thread from `connect`, reconnecting forever).
// Failures: none reach the caller. A connection or log read that fails is logged and
// retried; a cursor that cannot be saved is saved later (meanwhile a new owner would
// resend a little more).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapters/nats/nats_options.h"
#include "adapters/nats/settlement.h"
#include "adapters/ops/json_log.h"
#include "engine/engine.h"

struct __natsConnection;

namespace stockroom::nats_adapter {

// Where the cursor lives; it must outlive the partition's owner (cluster mode:
// cluster::OutboxCursors). Called on the outbox's thread; kUnavailable: try later.
struct CursorStore {
  std::function<Result<Position>()> load;  // Position{0} when none was saved
  std::function<Status(Position)> save;
};

struct SettleOutboxOptions {
  ConnectOptions connect;  // its own connection (a name such as stockroom-<node>-p<i>-outbox)
  std::string prefix = "stockroom";
  uint32_t partition = 0;                           // whose log it tails
  uint32_t partitions = 1;                          // of the cluster (partition_of)
  std::chrono::milliseconds request_timeout{5000};  // per stock.settle
  std::chrono::milliseconds poll_interval{50};      // how often the log's head is looked at
  std::chrono::milliseconds first_backoff{100};     // a product partition that did not answer
  std::chrono::milliseconds max_backoff{2000};
  // A quiet log's cursor is saved at most this often (an acknowledgement saves at once).
  std::chrono::milliseconds idle_save_interval{1000};
  size_t max_pending = 10'000;  // settlements read ahead of the acknowledged ones
};

class SettleOutbox {
 public:
  // Starts the thread. Never fails: what can fail happens on the thread, retried.
  [[nodiscard]] static std::unique_ptr<SettleOutbox> start(SettleOutboxOptions options,
                                                           const engine::Engine& engine,
                                                           CursorStore cursor, ops::JsonLog& log);
  ~SettleOutbox();  // stop()
  SettleOutbox(const SettleOutbox&) = delete;
  SettleOutbox& operator=(const SettleOutbox&) = delete;

  // Ends the thread: a request in flight is cut short (the connection is closed), the
  // cursor is saved once more if it moved (2 s at most). Idempotent.
  void stop();

  // Settlements read from the log and not yet acknowledged (at most about max_pending
  // ahead of the oldest; what lies beyond in the log is not counted until read).
  [[nodiscard]] uint64_t depth() const { return depth_.load(); }
  // When the oldest of them was recorded (its event's time); nullopt when there is none.
  [[nodiscard]] std::optional<Timestamp> oldest_recorded() const;

 private:
  struct Pending {
    Position position;  // of the order event
    Timestamp recorded;
    Settlement settlement;
    bool done = false;
  };
  struct Backoff {
    std::chrono::steady_clock::time_point until{};
    std::chrono::milliseconds wait{0};
    uint64_t failures = 0;
  };
  // An order's placement as the outbox needs it: its lines if placed elsewhere.
  using Placement = std::optional<std::vector<OrderLine>>;

  SettleOutbox(SettleOutboxOptions options, const engine::Engine& engine, CursorStore cursor,
               ops::JsonLog& log);

  void run();
  bool connect();
  bool load_cursor();
  bool read_log();
  bool read_failed(const Error& error);
  [[nodiscard]] Result<Placement> placement_of(const OrderId& order);
  bool send_due();
  void send(Pending& pending);
  void give_up_on(Pending& pending, const SettleReply& reply);
  void back_off(uint32_t partition, const std::string& why);
  void settle_front();
  void save_cursor(bool force);
  void wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool stopping() const;

  const SettleOutboxOptions options_;
  const engine::Engine& engine_;
  const CursorStore cursor_store_;
  ops::JsonLog& log_;

  // The thread's own state.
  std::deque<Pending> pending_;  // in log order
  Position read_to_;             // every event up to here is in pending_ or settled
  Position saved_;               // the cursor last saved
  bool acknowledged_since_save_ = false;
  uint64_t read_failures_ = 0;
  std::chrono::steady_clock::time_point saved_at_{};
  std::map<uint32_t, Backoff> backoff_;                    // per product partition
  std::unordered_map<std::string, Placement> placements_;  // by order id, bounded

  std::atomic<uint64_t> depth_{0};
  std::atomic<int64_t> oldest_micros_{-1};

  mutable std::mutex mu_;  // stopping_, connection_
  std::condition_variable wake_;
  bool stopping_ = false;
  __natsConnection* connection_ = nullptr;
  std::thread thread_;
};

}  // namespace stockroom::nats_adapter

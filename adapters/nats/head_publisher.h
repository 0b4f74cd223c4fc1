// HeadPublisher: serve's signed heads (nats-api.md, "A signed head"). Signs the
// engine's head with serve's key once at start, then every interval, and pushes each
// on <p>.audit.head (header Stockroom-Position) through the outbox; keeps the latest
// for query.head. A head is signed at every tick, also when the log did not move:
// each one says "at this time the log still ended here".
//
// Threads: one timer thread of its own signs and posts, never the engine's writer;
// latest() may be called from any thread (the query workers). The engine and the
// outbox must outlive stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "adapters/audit/signed_head.h"
#include "adapters/audit/signing_key.h"
#include "adapters/nats/outbox.h"
#include "engine/engine.h"

namespace stockroom::nats_adapter {

class HeadPublisher {
 public:
  // `subject` is "<p>.audit.head"; `interval` > 0; `partition` is the one the heads
  // name and sign (0 on a single node; a cluster node signs each partition it serves).
  HeadPublisher(audit::SigningKey key, const engine::Engine& engine, Outbox& outbox,
                std::string subject, std::chrono::milliseconds interval, uint32_t partition = 0);
  // Stops the thread without signing a last head (stop() does that).
  ~HeadPublisher();
  HeadPublisher(const HeadPublisher&) = delete;
  HeadPublisher& operator=(const HeadPublisher&) = delete;

  // Pushes a head now, then starts the timer thread, which pushes one every interval.
  void start();

  // Stops the thread, then signs and pushes a last head: the head the engine closes
  // on, so an auditor's receipts cover every event written. Call after the last
  // command is written and before the engine closes. Idempotent.
  void stop();

  // The latest head pushed; when none was yet, one signed now (and kept).
  [[nodiscard]] audit::SignedHead latest();

 private:
  void run();
  // Signs the engine's head now, keeps it as the latest, and posts it.
  void push();
  [[nodiscard]] audit::SignedHead sign_now() const;
  void halt();

  audit::SigningKey key_;
  const engine::Engine& engine_;
  Outbox& outbox_;
  std::string subject_;
  std::chrono::milliseconds interval_;
  uint32_t partition_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::optional<audit::SignedHead> latest_;
  std::thread thread_;
};

}  // namespace stockroom::nats_adapter

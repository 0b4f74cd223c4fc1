// Outbox: the one thread that publishes what the service sends — replies and pushes —
// in the order it was queued.
//
// Why a thread: replies are produced on the engine's writer thread (completions) and
// pushes by its commit listener. Publishing there would put a socket write per
// message on the writer's critical path; instead the writer queues bytes and goes
// on. One thread keeps order: the pushes of a group are queued (by the commit
// listener) before its replies, and groups are queued in position order.
//
// Threads: post() from any thread; the publisher thread owns the connection's
// publishing. The connection must outlive the outbox (stop() first).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "engine/model/error.h"

struct __natsConnection;

namespace stockroom::nats_adapter {

struct Outgoing {
  std::string subject;
  std::string data;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Work that produces messages on the outbox thread: encoding happens there, not on
// the thread that posts (the engine's writer).
using Producer = std::function<void(std::vector<Outgoing>& out)>;

class Outbox {
 public:
  // `on_error` is told about a publish that failed (NATS gone and its reconnect
  // buffer full): the message is lost, as core NATS is at-most-once; and about a last
  // flush in stop() that failed (messages may be lost). It runs on the outbox thread
  // (stop(): the caller's) without the outbox's lock, so it may be slow; it must not
  // call back into the outbox.
  Outbox(__natsConnection* connection, std::function<void(const std::string&)> on_error);
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void post(Outgoing message);
  // Runs `producer` on the outbox thread, in queue order, and publishes what it adds.
  void post(Producer producer);

  // Publishes everything queued so far and flushes the connection, each within
  // `timeout_ms`. kUnavailable when either did not finish in time (or NATS.c refused
  // the flush). Disconnected, what is published waits in NATS.c's reconnect buffer and
  // the flush is skipped.
  [[nodiscard]] Status drain(int timeout_ms);
  // Publishes what is queued, stops the thread, and flushes (2 s at most). Idempotent.
  void stop();

  [[nodiscard]] uint64_t published() const;
  [[nodiscard]] uint64_t failed() const;

 private:
  using Item = std::variant<Outgoing, Producer>;

  void run();
  void enqueue(Item item);
  void publish(const Outgoing& message);
  [[nodiscard]] Status flush(int timeout_ms);

  __natsConnection* connection_;
  std::function<void(const std::string&)> on_error_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Item> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  uint64_t published_ = 0;
  uint64_t failed_ = 0;
  std::thread thread_;
};

}  // namespace stockroom::nats_adapter

#include "adapters/nats/outbox.h"

#include <nats/nats.h>

#include <chrono>
#include <string>

#include "adapters/nats/nats_status.h"

namespace stockroom::nats_adapter {

Outbox::Outbox(natsConnection* connection, std::function<void(const std::string&)> on_error)
    : connection_(connection), on_error_(std::move(on_error)), thread_([this] { run(); }) {}

Outbox::~Outbox() { stop(); }

void Outbox::post(Outgoing message) { enqueue(Item(std::move(message))); }

void Outbox::post(Producer producer) { enqueue(Item(std::move(producer))); }

void Outbox::enqueue(Item item) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
}

void Outbox::run() {
  std::vector<Item> batch;
  std::vector<Outgoing> produced;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) break;
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    busy_ = true;
    lock.unlock();
    for (Item& item : batch) {
      if (auto* message = std::get_if<Outgoing>(&item)) {
        publish(*message);
        continue;
      }
      produced.clear();
      std::get<Producer>(item)(produced);
      for (const Outgoing& m : produced) publish(m);
    }
    batch.clear();
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

void Outbox::publish(const Outgoing& m) {
  natsStatus s = NATS_OK;
  if (m.headers.empty()) {
    s = natsConnection_Publish(connection_, m.subject.c_str(), m.data.data(),
                               static_cast<int>(m.data.size()));
  } else {
    natsMsg* msg = nullptr;
    s = natsMsg_Create(&msg, m.subject.c_str(), nullptr, m.data.data(),
                       static_cast<int>(m.data.size()));
    for (const auto& [k, v] : m.headers) {
      if (s == NATS_OK) s = natsMsgHeader_Set(msg, k.c_str(), v.c_str());
    }
    if (s == NATS_OK) s = natsConnection_PublishMsg(connection_, msg);
    natsMsg_Destroy(msg);
  }
  {
    std::lock_guard lock(mutex_);
    if (s == NATS_OK) {
      ++published_;
    } else {
      ++failed_;
    }
  }
  // Outside the lock: post() takes it on the engine's writer thread, and the callback
  // logs and counts, which must never hold the writer up.
  if (s != NATS_OK && on_error_) {
    on_error_(std::string("publish to ") + m.subject + ": " + natsStatus_GetText(s));
  }
}

Status Outbox::drain(int timeout_ms) {
  bool idle = false;
  {
    std::unique_lock lock(mutex_);
    idle = idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [&] { return queue_.empty() && !busy_; });
  }
  if (!idle) {
    return fail(ErrorCode::kUnavailable, "the outbox still had messages to publish after " +
                                             std::to_string(timeout_ms) + " ms");
  }
  return flush(timeout_ms);
}

Status Outbox::flush(int timeout_ms) {
  // Disconnected, the messages wait in NATS.c's reconnect buffer: nothing to flush to.
  if (natsConnection_Status(connection_) != NATS_CONN_STATUS_CONNECTED) return {};
  return from_nats(natsConnection_FlushTimeout(connection_, timeout_ms), "flushing to NATS");
}

void Outbox::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  // Nobody to return it to (destructors stop): the callback is how it is told.
  if (Status flushed = flush(2000); !flushed && on_error_) on_error_(flushed.error().message);
}

uint64_t Outbox::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

uint64_t Outbox::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

}  // namespace stockroom::nats_adapter

#include "adapters/nats/head_publisher.h"

#include "adapters/audit/head_json.h"

namespace stockroom::nats_adapter {
namespace {

Timestamp now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()};
}

}  // namespace

HeadPublisher::HeadPublisher(audit::SigningKey key, const engine::Engine& engine, Outbox& outbox,
                             std::string subject, std::chrono::milliseconds interval,
                             uint32_t partition)
    : key_(std::move(key)),
      engine_(engine),
      outbox_(outbox),
      subject_(std::move(subject)),
      interval_(interval),
      partition_(partition) {}

HeadPublisher::~HeadPublisher() { halt(); }

void HeadPublisher::start() {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_) return;
  }
  // The first head here, so that query.head answers a pushed head from the start.
  push();
  std::lock_guard lock(mutex_);
  thread_ = std::thread([this] { run(); });
}

void HeadPublisher::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (wake_.wait_for(lock, interval_, [&] { return stopping_; })) return;
    lock.unlock();
    push();
    lock.lock();
  }
}

void HeadPublisher::halt() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HeadPublisher::stop() {
  halt();
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  push();
}

audit::SignedHead HeadPublisher::sign_now() const {
  return audit::sign_head(key_, partition_, engine_.head(), now());
}

void HeadPublisher::push() {
  audit::SignedHead head = sign_now();
  Outgoing message{subject_,
                   audit::head_json(head),
                   {{"Stockroom-Position", std::to_string(head.head.position.value)}}};
  {
    std::lock_guard lock(mutex_);
    // A latest() that found none may have signed a newer one meanwhile: keep that.
    if (!latest_ || latest_->time <= head.time) latest_ = std::move(head);
  }
  outbox_.post(std::move(message));
}

audit::SignedHead HeadPublisher::latest() {
  std::lock_guard lock(mutex_);
  if (!latest_) latest_ = sign_now();
  return *latest_;
}

}  // namespace stockroom::nats_adapter

#include "events/internal/wal_syncer.h"

#include <utility>

namespace stockroom::events::internal {

WalSyncer::WalSyncer(std::chrono::milliseconds interval, SyncFn sync)
    : interval_(interval),
      sync_(std::move(sync)),
      thread_([this](std::stop_token stop) { run(std::move(stop)); }) {}

WalSyncer::~WalSyncer() {
  thread_.request_stop();
  thread_.join();
}

void WalSyncer::run(std::stop_token stop) {
  uint64_t synced = 0;
  std::unique_lock lock(mutex_);
  while (true) {
    // Sleeps one interval unless stopped; nothing else wakes it.
    static_cast<void>(wake_.wait_for(lock, stop, interval_, [] { return false; }));
    if (stop.stop_requested()) break;
    lock.unlock();
    const bool healthy = sync_pending(synced);
    lock.lock();
    if (!healthy) return;
  }
  lock.unlock();
  // A clean shutdown leaves nothing unsynced.
  static_cast<void>(sync_pending(synced));
}

bool WalSyncer::sync_pending(uint64_t& synced) {
  const uint64_t written = written_.load(std::memory_order_acquire);
  if (written == synced) return true;
  if (!sync_()) return false;
  synced = written;
  syncs_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

}  // namespace stockroom::events::internal

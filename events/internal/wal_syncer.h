// WalSyncer: the background flush of Durability::kBatch. Every interval it runs the
// sync function if a commit was written since the last sync, so a process crash loses
// nothing and a power cut loses at most about one interval.
//
// Threads: owns one thread, started by the constructor; the destructor stops it, runs
// a last sync if writes are pending, and joins. note_write() is for the writer thread.
// The sync function runs on the syncer's thread and must outlive the syncer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace stockroom::events::internal {

class WalSyncer {
 public:
  // Makes the written commits durable; false when it failed, which stops the syncer.
  using SyncFn = std::function<bool()>;

  WalSyncer(std::chrono::milliseconds interval, SyncFn sync);
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Tells the syncer that a commit was written and needs a sync.
  void note_write() noexcept { written_.fetch_add(1, std::memory_order_release); }
  // How many syncs ran (tests and metrics).
  [[nodiscard]] uint64_t syncs() const noexcept { return syncs_.load(std::memory_order_acquire); }

 private:
  void run(std::stop_token stop);
  // Syncs if writes are pending; false after a failure.
  [[nodiscard]] bool sync_pending(uint64_t& synced);

  std::chrono::milliseconds interval_;
  SyncFn sync_;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> syncs_{0};
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts once everything it uses exists
};

}  // namespace stockroom::events::internal

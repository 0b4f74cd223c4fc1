// open_load.h: requests offered at a fixed rate over NATS.c whether or not replies
// come back (an open loop), for bench/nats_bench.cc overload.
//
// A closed loop (nats_load.h) can never offer more than the service answers: each
// reply sends the next request. Overload needs the opposite: `senders` connections,
// each with a thread publishing its share of the rate on a fixed schedule (it catches
// up in bursts if it falls behind, never slows down for the service), each request
// with the reply subject `_INBOX.<nuid>.<n>`. Replies are judged on the connection's
// delivery thread: accepted (`{"ok":true`), refused UNAVAILABLE, or another error; the
// latency of accepted ones is kept.
//
// Threads: run() blocks the caller; the counters may be read at any time.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/support/measure.h"
#include "bench/support/nats_load.h"

namespace stockroom::bench {

class OpenLoad {
 public:
  // Builds request `n` of sender `sender` (n = 0, 1, ... per sender).
  using Make = std::function<void(int sender, uint64_t n, std::string& subject, std::string& body)>;

  OpenLoad(std::string url, int senders) : url_(std::move(url)), senders_(senders) {}
  ~OpenLoad() { close(); }
  OpenLoad(const OpenLoad&) = delete;
  OpenLoad& operator=(const OpenLoad&) = delete;

  // Opens the connections and inbox subscriptions. Empty on success, else why not.
  std::string connect() {
    for (int i = 0; i < senders_; ++i) {
      auto s = std::make_unique<Sender>();
      s->load = this;
      natsOptions* o = serve_like_options(url_, fmt::format("nats_bench-open-{}", i));
      if (o == nullptr) return "bad NATS options (URL?)";
      natsStatus st = natsConnection_Connect(&s->nc, o);
      natsOptions_Destroy(o);
      if (st != NATS_OK) return fmt::format("connect to {}: {}", url_, natsStatus_GetText(st));
      natsInbox* inbox = nullptr;
      st = natsInbox_Create(&inbox);
      if (st == NATS_OK) {
        s->inbox = inbox;
        natsInbox_Destroy(inbox);
        st = natsConnection_Subscribe(&s->sub, s->nc, (s->inbox + ".*").c_str(), on_reply, s.get());
      }
      // This client must not be the one that drops replies.
      if (st == NATS_OK) st = natsSubscription_SetPendingLimits(s->sub, 10'000'000, 1 << 30);
      if (st == NATS_OK) st = natsConnection_FlushTimeout(s->nc, 5000);
      senders_list_.push_back(std::move(s));
      if (st != NATS_OK) return fmt::format("subscribe inbox: {}", natsStatus_GetText(st));
    }
    return "";
  }

  // Offers `rate` requests/s in all for `seconds`, then waits up to `grace` for the
  // replies still due. Returns the seconds actually spent offering.
  double run(double rate, double seconds, const Make& make, std::chrono::milliseconds grace) {
    const auto per_sender = rate / senders_;
    const auto capacity = static_cast<size_t>(std::ceil(per_sender * seconds)) + 16;
    for (auto& s : senders_list_) s->prepare(capacity);
    const auto t0 = BenchClock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < senders_; ++i) {
      threads.emplace_back([&, i] {
        Sender& s = *senders_list_[static_cast<size_t>(i)];
        std::string subject, body, reply;
        for (;;) {
          const double elapsed = std::chrono::duration<double>(BenchClock::now() - t0).count();
          if (elapsed >= seconds) break;
          const auto due = std::min(capacity, static_cast<size_t>(elapsed * per_sender));
          while (s.sent < due) {
            const uint64_t n = s.sent++;
            make(i, n, subject, body);
            reply = fmt::format("{}.{}", s.inbox, n);
            s.started[n].store(BenchClock::now().time_since_epoch().count(),
                               std::memory_order_relaxed);
            if (natsConnection_PublishRequest(s.nc, subject.c_str(), reply.c_str(), body.data(),
                                              static_cast<int>(body.size())) != NATS_OK) {
              send_failures_.fetch_add(1);
            }
          }
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      });
    }
    for (auto& t : threads) t.join();
    const double offered = std::chrono::duration<double>(BenchClock::now() - t0).count();
    const auto deadline = BenchClock::now() + grace;
    while (answered() < sent() && BenchClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return offered;
  }

  [[nodiscard]] uint64_t sent() const {
    uint64_t n = 0;
    for (const auto& s : senders_list_) n += s->sent;
    return n;
  }
  [[nodiscard]] uint64_t answered() const { return ok_ + unavailable_ + other_errors_; }
  [[nodiscard]] uint64_t ok() const { return ok_; }
  [[nodiscard]] uint64_t unavailable() const { return unavailable_; }
  [[nodiscard]] uint64_t other_errors() const { return other_errors_; }
  [[nodiscard]] uint64_t send_failures() const { return send_failures_; }

  // The accepted requests' latencies, merged (after run()).
  void take_accepted(LatencyPool& pool) {
    for (auto& s : senders_list_) pool.merge(s->accepted);
  }

  void close() {
    for (auto& s : senders_list_) {
      if (s->sub != nullptr) {
        natsSubscription_Unsubscribe(s->sub);
        natsSubscription_Destroy(s->sub);
        s->sub = nullptr;
      }
      if (s->nc != nullptr) {
        natsConnection_Close(s->nc);
        natsConnection_Destroy(s->nc);
        s->nc = nullptr;
      }
    }
    senders_list_.clear();
  }

 private:
  struct Sender {
    OpenLoad* load = nullptr;
    natsConnection* nc = nullptr;
    natsSubscription* sub = nullptr;
    std::string inbox;
    std::atomic<uint64_t> sent{0};
    // Per request: when it left (steady clock ticks), and whether it was answered.
    std::unique_ptr<std::atomic<int64_t>[]> started;
    std::unique_ptr<std::atomic<bool>[]> done;
    size_t capacity = 0;
    Latencies accepted;  // the delivery thread's, read after run()

    void prepare(size_t n) {
      started = std::make_unique<std::atomic<int64_t>[]>(n);
      done = std::make_unique<std::atomic<bool>[]>(n);
      capacity = n;
      accepted.reserve(n);
    }
  };

  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    const auto now = BenchClock::now().time_since_epoch().count();
    auto* s = static_cast<Sender*>(closure);
    const std::string_view subject = natsMsg_GetSubject(msg);
    uint64_t n = 0;
    for (char c : subject.substr(subject.rfind('.') + 1))
      n = n * 10 + static_cast<uint64_t>(c - '0');
    if (n < s->capacity && !s->done[n].exchange(true)) {
      const std::string_view body(natsMsg_GetData(msg),
                                  static_cast<size_t>(natsMsg_GetDataLength(msg)));
      if (body.starts_with(R"({"ok":true)")) {
        const auto ticks = now - s->started[n].load(std::memory_order_relaxed);
        s->accepted.add(
            std::chrono::duration<double, std::micro>(BenchClock::duration(ticks)).count());
        s->load->ok_.fetch_add(1);
      } else if (body.find(R"("code":"UNAVAILABLE")") != std::string_view::npos) {
        s->load->unavailable_.fetch_add(1);
      } else {
        s->load->other_errors_.fetch_add(1);
      }
    }
    natsMsg_Destroy(msg);
  }

  std::string url_;
  int senders_;
  std::vector<std::unique_ptr<Sender>> senders_list_;
  std::atomic<uint64_t> ok_{0}, unavailable_{0}, other_errors_{0}, send_failures_{0};
};

}  // namespace stockroom::bench

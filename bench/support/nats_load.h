// nats_load.h: pipelined request load over NATS.c, for bench/nats_bench.cc.
//
// N client connections, each with W requests in flight. A client subscribes to its
// own inbox wildcard `_INBOX.<nuid>.*` and publishes each request with the reply
// subject `_INBOX.<nuid>.<seq>`, where seq % W is the window slot the request holds.
// Its message handler (NATS.c's delivery thread of that subscription) judges the
// reply, records the latency (publish -> reply) and refills the slot with the next
// request, so the window stays full without a thread per request.
//
// A client builds and publishes under its own mutex, so its requests leave in the
// order they were built (a cart is opened before items are added to it).
//
// Every connection uses serve's NATS.c settings (adapters/nats/nats_options.cc).
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/support/measure.h"

namespace stockroom::bench {

// The NATS.c options serve connects with (adapters/nats/nats_options.cc, not linked
// into the benchmarks): SendAsap, reconnect forever every 250 ms, 64 MiB reconnect
// buffer. Keep in step with that file. nullptr when NATS.c refuses one (bad URL).
inline natsOptions* serve_like_options(const std::string& url, const std::string& name) {
  natsOptions* o = nullptr;
  if (natsOptions_Create(&o) != NATS_OK) return nullptr;
  if (natsOptions_SetURL(o, url.c_str()) != NATS_OK ||
      natsOptions_SetName(o, name.c_str()) != NATS_OK ||
      natsOptions_SetSendAsap(o, true) != NATS_OK ||
      natsOptions_SetMaxReconnect(o, -1) != NATS_OK ||
      natsOptions_SetReconnectWait(o, 250) != NATS_OK ||
      natsOptions_SetReconnectBufSize(o, 64 * 1024 * 1024) != NATS_OK) {
    natsOptions_Destroy(o);
    return nullptr;
  }
  return o;
}

class NatsLoad {
 public:
  // Builds request number `n` (0, 1, ... per client) of `client` into subject and
  // body; false when there is no more work. Called under the client's mutex, from
  // the client's delivery thread or the thread calling run(): state indexed by
  // client needs no lock of its own.
  using Next = std::function<bool(int client, uint64_t n, std::string& subject, std::string& body)>;
  // Judges a reply; false counts it as an error. Called from delivery threads.
  using Check = std::function<bool(std::string_view reply)>;

  NatsLoad(std::string url, int clients, int window)
      : url_(std::move(url)), clients_(clients), window_(window) {}
  ~NatsLoad() { close(); }
  NatsLoad(const NatsLoad&) = delete;
  NatsLoad& operator=(const NatsLoad&) = delete;

  // Opens the connections and inbox subscriptions. Empty on success, else why not.
  std::string connect() {
    for (int i = 0; i < clients_; ++i) {
      auto c = std::make_unique<Client>();
      c->load = this;
      c->index = i;
      c->sent.resize(static_cast<size_t>(window_));
      c->rounds.assign(static_cast<size_t>(window_), 0);
      c->busy.assign(static_cast<size_t>(window_), 0);
      natsOptions* o = serve_like_options(url_, fmt::format("nats_bench-{}", i));
      if (o == nullptr) return "bad NATS options (URL?)";
      natsOptions_SetErrorHandler(o, on_async_error, this);
      natsStatus s = natsConnection_Connect(&c->nc, o);
      natsOptions_Destroy(o);
      if (s != NATS_OK) return fmt::format("connect to {}: {}", url_, natsStatus_GetText(s));
      natsInbox* inbox = nullptr;
      s = natsInbox_Create(&inbox);
      if (s == NATS_OK) {
        c->inbox = inbox;
        natsInbox_Destroy(inbox);
        s = natsConnection_Subscribe(&c->sub, c->nc, (c->inbox + ".*").c_str(), on_reply, c.get());
      }
      if (s == NATS_OK) s = natsConnection_FlushTimeout(c->nc, 5000);
      clients_list_.push_back(std::move(c));
      if (s != NATS_OK) return fmt::format("subscribe inbox: {}", natsStatus_GetText(s));
    }
    return "";
  }

  // Only while idle (before run(), or after pause() and wait_idle()). Request numbers
  // start again at 0: ids built from them need a tag of their own per work.
  void set_work(Next next, Check check) {
    next_ = std::move(next);
    check_ = std::move(check);
    for (auto& c : clients_list_) {
      std::lock_guard lock(c->mu);
      c->exhausted = false;
      c->n = 0;
    }
    exhausted_clients_.store(0);
  }

  // Fills every idle window slot; from then on each reply refills its slot.
  void run() {
    refill_.store(true);
    for (auto& c : clients_list_) {
      std::lock_guard lock(c->mu);
      for (int slot = 0; slot < window_; ++slot) {
        if (c->busy[static_cast<size_t>(slot)] == 0) send(*c, slot);
      }
    }
  }

  // Replies stop refilling; what is in flight still completes.
  void pause() { refill_.store(false); }

  // True once nothing is in flight; false if `timeout` passed first.
  bool wait_idle(std::chrono::milliseconds timeout) {
    const auto deadline = BenchClock::now() + timeout;
    while (inflight_.load() > 0) {
      if (BenchClock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  // Latencies are kept only while recording.
  void record(bool on) { recording_.store(on); }

  [[nodiscard]] uint64_t replies() const { return replies_.load(); }
  [[nodiscard]] uint64_t errors() const { return errors_.load(); }
  [[nodiscard]] uint64_t send_failures() const { return send_failures_.load(); }
  [[nodiscard]] uint64_t async_errors() const { return async_errors_.load(); }
  [[nodiscard]] int64_t inflight() const { return inflight_.load(); }
  // True when every client's Next said there is no more work.
  [[nodiscard]] bool exhausted() const {
    return exhausted_clients_.load() == static_cast<int>(clients_list_.size());
  }
  std::string first_error() {
    std::lock_guard lock(error_mu_);
    return first_error_;
  }

  // Moves the recorded latencies into `pool` (while idle or not recording).
  void take_latencies(LatencyPool& pool) {
    for (auto& c : clients_list_) {
      std::lock_guard lock(c->mu);
      pool.merge(c->latencies);
      c->latencies = Latencies();
    }
  }

  void close() {
    refill_.store(false);
    for (auto& c : clients_list_) {
      if (c->sub != nullptr) {
        natsSubscription_Unsubscribe(c->sub);
        natsSubscription_Destroy(c->sub);
        c->sub = nullptr;
      }
      if (c->nc != nullptr) {
        natsConnection_Close(c->nc);
        natsConnection_Destroy(c->nc);
        c->nc = nullptr;
      }
    }
    clients_list_.clear();
  }

 private:
  struct Client {
    NatsLoad* load = nullptr;
    int index = 0;
    natsConnection* nc = nullptr;
    natsSubscription* sub = nullptr;
    std::string inbox;
    std::mutex mu;                             // everything below
    std::vector<BenchClock::time_point> sent;  // per slot: when its request left
    std::vector<uint64_t> rounds;              // per slot: requests it has sent
    std::vector<char> busy;                    // per slot: a request is in flight
    uint64_t n = 0;                            // requests built
    bool exhausted = false;
    std::string subject, body, reply_to;
    Latencies latencies;  // appended on the delivery thread only
  };

  // Under c.mu.
  void send(Client& c, int slot) {
    if (c.exhausted) return;
    if (!next_(c.index, c.n, c.subject, c.body)) {
      c.exhausted = true;
      exhausted_clients_.fetch_add(1);
      return;
    }
    ++c.n;
    const auto s = static_cast<size_t>(slot);
    const uint64_t seq = static_cast<uint64_t>(slot) + static_cast<uint64_t>(window_) * c.rounds[s];
    ++c.rounds[s];
    c.reply_to = fmt::format("{}.{}", c.inbox, seq);
    c.busy[s] = 1;
    inflight_.fetch_add(1);
    c.sent[s] = BenchClock::now();
    const natsStatus st =
        natsConnection_PublishRequest(c.nc, c.subject.c_str(), c.reply_to.c_str(), c.body.data(),
                                      static_cast<int>(c.body.size()));
    if (st != NATS_OK) {
      c.busy[s] = 0;
      inflight_.fetch_sub(1);
      send_failures_.fetch_add(1);
    }
  }

  void handle(Client& c, natsMsg* msg) {
    const auto now = BenchClock::now();
    const std::string_view subject = natsMsg_GetSubject(msg);
    const auto dot = subject.rfind('.');
    uint64_t seq = 0;
    for (char ch : subject.substr(dot + 1)) seq = seq * 10 + static_cast<uint64_t>(ch - '0');
    const auto slot = static_cast<size_t>(seq % static_cast<uint64_t>(window_));
    BenchClock::time_point t0;
    {
      std::lock_guard lock(c.mu);
      // A reply to a slot's earlier request would be a duplicate: ignore it.
      if (slot >= c.busy.size() || c.busy[slot] == 0 ||
          seq / static_cast<uint64_t>(window_) + 1 != c.rounds[slot]) {
        return;
      }
      c.busy[slot] = 0;
      t0 = c.sent[slot];
    }
    const std::string_view body(natsMsg_GetData(msg),
                                static_cast<size_t>(natsMsg_GetDataLength(msg)));
    if (!check_(body)) {
      if (errors_.fetch_add(1) == 0) {
        std::lock_guard lock(error_mu_);
        first_error_ = std::string(body.substr(0, 300));
      }
    }
    if (recording_.load(std::memory_order_relaxed)) {
      c.latencies.add(std::chrono::duration<double, std::micro>(now - t0).count());
    }
    replies_.fetch_add(1);
    if (refill_.load()) {
      std::lock_guard lock(c.mu);
      if (c.busy[slot] == 0) send(c, static_cast<int>(slot));  // run() may have filled it
    }
    // After the refill, so a load being waited idle never reads 0 while a refill is due.
    inflight_.fetch_sub(1);
  }

  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* c = static_cast<Client*>(closure);
    c->load->handle(*c, msg);
    natsMsg_Destroy(msg);
  }

  static void on_async_error(natsConnection*, natsSubscription*, natsStatus, void* closure) {
    static_cast<NatsLoad*>(closure)->async_errors_.fetch_add(1);
  }

  std::string url_;
  int clients_;
  int window_;
  std::vector<std::unique_ptr<Client>> clients_list_;
  Next next_;
  Check check_;
  std::atomic<bool> refill_{false};
  std::atomic<bool> recording_{false};
  std::atomic<int64_t> inflight_{0};
  std::atomic<uint64_t> replies_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> send_failures_{0};
  std::atomic<uint64_t> async_errors_{0};
  std::atomic<int> exhausted_clients_{0};
  std::mutex error_mu_;
  std::string first_error_;
};

}  // namespace stockroom::bench

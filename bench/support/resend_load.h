// resend_load.h: the failover load of bench/cluster_bench.cc, as the failover drills
// send it (tests/cluster/drill_test.cc): `clients` threads, each with its own NATS
// connection and one request at a time, that resend a command with the same command
// id until it is answered — after a 1 s request timeout (no reply: a dead owner), after
// 50 ms on "no responders" (nobody serves the partition yet) or an UNAVAILABLE reply.
// Any other reply counts as answered. Each client keeps the time of its last answer;
// the longest gap between two successive answers of one client (the open gap of a
// client still waiting when it stops included) is what a client saw of a failover.
#pragma once

#include <fmt/format.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/support/measure.h"
#include "bench/support/nats_load.h"
#include "bench/support/reply.h"

namespace stockroom::bench {

class ResendLoad {
 public:
  // Builds command `n` (0, 1, ...) of `client`; its id must be the same for every resend,
  // which is why a command is built once and sent until answered.
  using Next = std::function<void(int client, uint64_t n, std::string& subject, std::string& body)>;

  // Client c connects to urls[c % urls.size()].
  ResendLoad(std::vector<std::string> urls, int clients, std::chrono::milliseconds timeout)
      : urls_(std::move(urls)), clients_(clients), timeout_(timeout) {}
  ~ResendLoad() { stop(); }
  ResendLoad(const ResendLoad&) = delete;
  ResendLoad& operator=(const ResendLoad&) = delete;

  // Connects every client. Empty on success, else why not.
  std::string connect() {
    for (int c = 0; c < clients_; ++c) {
      auto cl = std::make_unique<Client>();
      natsOptions* o = serve_like_options(urls_[static_cast<size_t>(c) % urls_.size()],
                                          fmt::format("cluster_bench-resend-{}", c));
      if (o == nullptr) return "bad NATS options (URL?)";
      const natsStatus s = natsConnection_Connect(&cl->nc, o);
      natsOptions_Destroy(o);
      if (s != NATS_OK) return fmt::format("connect: {}", natsStatus_GetText(s));
      clients_list_.push_back(std::move(cl));
    }
    return "";
  }

  void start(Next next) {
    next_ = std::move(next);
    started_ = BenchClock::now();
    for (int c = 0; c < clients_; ++c) {
      Client& cl = *clients_list_[static_cast<size_t>(c)];
      cl.last_answer_ns.store(ns_since_start(started_));
      threads_.emplace_back([this, c, &cl] { run(c, cl); });
    }
  }

  // Stops the threads (a request in flight ends within the timeout) and closes.
  void stop() {
    stopping_.store(true);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
    if (!closed_) {
      stopped_at_ = BenchClock::now();
      closed_ = true;
    }
    for (auto& c : clients_list_) {
      if (c->nc == nullptr) continue;
      natsConnection_Close(c->nc);
      natsConnection_Destroy(c->nc);
      c->nc = nullptr;
    }
  }

  // Marks an instant (the kill): gap_across_mark() is then the longest gap spanning it.
  void mark(BenchClock::time_point t) { mark_ns_.store(ns_since_start(t)); }

  // True when every client has been answered after `t`.
  [[nodiscard]] bool all_answered_since(BenchClock::time_point t) const {
    const int64_t at = ns_since_start(t);
    for (const auto& c : clients_list_) {
      if (c->last_answer_ns.load() <= at) return false;
    }
    return true;
  }

  struct Gap {
    double seconds = 0;
    double began_at = 0;  // seconds since start()
  };
  // After stop(): the longest gap of any client.
  [[nodiscard]] Gap longest_gap() const {
    Gap longest;
    for (const auto& c : clients_list_) {
      const Gap g = gap_of(*c);
      if (g.seconds > longest.seconds) longest = g;
    }
    return longest;
  }
  // After stop(): the longest gap of any client that spans the mark (the open gap of a
  // client not answered since included); 0 without a mark.
  [[nodiscard]] double gap_across_mark() const {
    const int64_t mark = mark_ns_.load();
    if (mark < 0) return 0;
    int64_t longest = 0;
    for (const auto& c : clients_list_) {
      const int64_t last = c->last_answer_ns.load();
      const int64_t open = last <= mark ? ns_since_start(stopped_at_) - last : 0;
      longest = std::max({longest, c->across_mark_ns, open});
    }
    return static_cast<double>(longest) / 1e9;
  }

  // After stop(): every answered command's latency from its first send.
  void take_latencies(LatencyPool& pool) {
    for (auto& c : clients_list_) pool.merge(c->latencies);
  }
  [[nodiscard]] BenchClock::time_point started() const { return started_; }
  [[nodiscard]] uint64_t answered() const { return answered_.load(); }
  [[nodiscard]] uint64_t ok() const { return ok_.load(); }
  [[nodiscard]] uint64_t duplicates() const { return duplicates_.load(); }
  [[nodiscard]] uint64_t timeouts() const { return timeouts_.load(); }
  [[nodiscard]] uint64_t no_responders() const { return no_responders_.load(); }
  [[nodiscard]] uint64_t unavailable() const { return unavailable_.load(); }
  [[nodiscard]] uint64_t errors() const { return errors_.load(); }
  std::string first_error() {
    std::lock_guard lock(mu_);
    return first_error_;
  }

 private:
  struct Client {
    natsConnection* nc = nullptr;
    std::atomic<int64_t> last_answer_ns{0};  // since start()
    int64_t longest_ns = 0;                  // the client thread's, read after stop()
    int64_t gap_began_ns = 0;
    int64_t across_mark_ns = 0;  // the gap that spans the mark
    Latencies latencies;         // first send -> answer (resends included), the client thread's
  };

  static int64_t ns_since_start(BenchClock::time_point t0, BenchClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - t0).count();
  }
  int64_t ns_since_start(BenchClock::time_point t) const { return ns_since_start(started_, t); }

  // The client's longest closed gap, or the open one at stop() if longer.
  Gap gap_of(const Client& c) const {
    const int64_t last = c.last_answer_ns.load();
    const int64_t open = ns_since_start(stopped_at_) - last;
    if (open > c.longest_ns)
      return {static_cast<double>(open) / 1e9, static_cast<double>(last) / 1e9};
    return {static_cast<double>(c.longest_ns) / 1e9, static_cast<double>(c.gap_began_ns) / 1e9};
  }

  void answered(Client& c, BenchClock::time_point first_sent) {
    const auto at = BenchClock::now();
    c.latencies.add(std::chrono::duration<double, std::micro>(at - first_sent).count());
    const int64_t now = ns_since_start(at);
    const int64_t last = c.last_answer_ns.load();
    const int64_t mark = mark_ns_.load();
    if (mark >= 0 && last <= mark && mark < now) c.across_mark_ns = now - last;
    if (now - last > c.longest_ns) {
      c.longest_ns = now - last;
      c.gap_began_ns = last;
    }
    c.last_answer_ns.store(now);
    answered_.fetch_add(1);
  }

  void run(int client, Client& c) {
    std::string subject, body;
    for (uint64_t n = 0; !stopping_.load(); ++n) {
      next_(client, n, subject, body);
      const auto first_sent = BenchClock::now();
      while (!stopping_.load()) {
        natsMsg* reply = nullptr;
        const natsStatus s = natsConnection_Request(&reply, c.nc, subject.c_str(), body.data(),
                                                    static_cast<int>(body.size()),
                                                    static_cast<int64_t>(timeout_.count()));
        if (s == NATS_TIMEOUT) {
          timeouts_.fetch_add(1);
          continue;
        }
        if (s != NATS_OK) {
          no_responders_.fetch_add(1);  // NATS_NO_RESPONDERS, or the connection is away
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        const std::string_view text(natsMsg_GetData(reply),
                                    static_cast<size_t>(natsMsg_GetDataLength(reply)));
        if (text.find(R"("code":"UNAVAILABLE")") != std::string_view::npos) {
          natsMsg_Destroy(reply);
          unavailable_.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        if (reply_ok(text)) {
          ok_.fetch_add(1);
          if (text.find(R"("duplicate":true)") != std::string_view::npos) duplicates_.fetch_add(1);
        } else if (errors_.fetch_add(1) == 0) {
          std::lock_guard lock(mu_);
          first_error_ = std::string(text.substr(0, 300));
        }
        natsMsg_Destroy(reply);
        answered(c, first_sent);
        break;
      }
    }
  }

  std::vector<std::string> urls_;
  int clients_;
  std::chrono::milliseconds timeout_;
  Next next_;
  std::vector<std::unique_ptr<Client>> clients_list_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> mark_ns_{-1};
  bool closed_ = false;
  BenchClock::time_point started_{};
  BenchClock::time_point stopped_at_{};
  std::atomic<uint64_t> answered_{0}, ok_{0}, duplicates_{0}, timeouts_{0}, no_responders_{0},
      unavailable_{0}, errors_{0};
  std::mutex mu_;
  std::string first_error_;
};

}  // namespace stockroom::bench

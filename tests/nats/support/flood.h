// Flood: many requests published at once from one NATS.c connection, their replies
// collected asynchronously on an inbox — load that does not wait for each answer, as
// a busy fleet of clients would offer it.
//
// Threads: send() and the readers from the test thread; replies arrive on NATS.c's
// delivery thread (under the mutex).
#pragma once

#include <nats/nats.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stockroom::testing {

class Flood {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Flood(const std::string& url) {
    REQUIRE(natsConnection_ConnectTo(&nc_, url.c_str()) == NATS_OK);
    natsInbox* inbox = nullptr;
    REQUIRE(natsInbox_Create(&inbox) == NATS_OK);
    inbox_ = inbox;
    natsInbox_Destroy(inbox);
    REQUIRE(natsConnection_Subscribe(&sub_, nc_, (inbox_ + ".*").c_str(), on_reply, this) ==
            NATS_OK);
    // Every reply is kept: this client must never be the one that drops.
    REQUIRE(natsSubscription_SetPendingLimits(sub_, 1'000'000, 512 * 1024 * 1024) == NATS_OK);
    REQUIRE(natsConnection_FlushTimeout(nc_, 5000) == NATS_OK);
  }
  ~Flood() {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  // Publishes requests number first .. first + n - 1 (numbers are never reused): `make`
  // gives each one's subject and body. Returns once the server has them all.
  void send(size_t n, const std::function<std::pair<std::string, std::string>(size_t)>& make) {
    size_t first = 0;
    {
      std::lock_guard lock(mu_);
      first = sent_.size();
      sent_.resize(first + n);
      replies_.resize(first + n);
      answered_at_.resize(first + n);
    }
    for (size_t i = first; i < first + n; ++i) {
      const auto [subject, body] = make(i);
      const std::string reply = inbox_ + "." + std::to_string(i);
      {
        std::lock_guard lock(mu_);
        sent_[i] = Clock::now();
      }
      REQUIRE(natsConnection_PublishRequest(nc_, subject.c_str(), reply.c_str(), body.data(),
                                            static_cast<int>(body.size())) == NATS_OK);
    }
    REQUIRE(natsConnection_FlushTimeout(nc_, 10'000) == NATS_OK);
  }

  // True once `n` replies have come, false if `timeout` passed first.
  bool wait_replies(size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (replied() < n) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  [[nodiscard]] size_t replied() {
    std::lock_guard lock(mu_);
    return count_;
  }
  // Request i's reply body, if it came.
  [[nodiscard]] std::optional<std::string> reply(size_t i) {
    std::lock_guard lock(mu_);
    return replies_.at(i);
  }
  // From publishing request i to its reply (REQUIRES: it came).
  [[nodiscard]] std::chrono::duration<double> latency(size_t i) {
    std::lock_guard lock(mu_);
    return answered_at_.at(i) - sent_.at(i);
  }

 private:
  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<Flood*>(closure);
    const std::string subject = natsMsg_GetSubject(msg);
    const size_t i = std::stoull(subject.substr(subject.rfind('.') + 1));
    {
      std::lock_guard lock(self->mu_);
      if (i < self->replies_.size() && !self->replies_[i]) {
        self->replies_[i] =
            std::string(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
        self->answered_at_[i] = Clock::now();
        ++self->count_;
      }
    }
    natsMsg_Destroy(msg);
  }

  natsConnection* nc_ = nullptr;
  natsSubscription* sub_ = nullptr;
  std::string inbox_;
  std::mutex mu_;
  std::vector<Clock::time_point> sent_;
  std::vector<std::optional<std::string>> replies_;
  std::vector<Clock::time_point> answered_at_;
  size_t count_ = 0;
};

}  // namespace stockroom::testing

// Client: a small NATS.c client for the command line (`send`, `demo`), tests and
// benchmarks: request/reply with an optional Content-Type, and subscriptions read
// with a timeout.
//
// Threads: request() may be called from several threads at once (NATS.c
// multiplexes requests over one inbox subscription).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/nats/nats_options.h"
#include "engine/model/error.h"

struct __natsConnection;
struct __natsSubscription;

namespace stockroom::nats_adapter {

struct Message {
  std::string subject;
  std::string data;
  std::map<std::string, std::string> headers;
};

class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  // The next message, or nullopt after `timeout`.
  [[nodiscard]] std::optional<Message> next(std::chrono::milliseconds timeout);

 private:
  friend class Client;
  explicit Subscription(__natsSubscription* sub) : sub_(sub) {}
  __natsSubscription* sub_;
};

class Client {
 public:
  // kUnavailable when no server answers at the URL; kForbidden when it refuses the
  // credentials, kInvalidArgument when TLS fails (connect_failure.h).
  [[nodiscard]] static Result<std::unique_ptr<Client>> connect(const ConnectOptions& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `data` to `subject` and waits for the reply. kUnavailable on a timeout or
  // when no service listens (NATS "no responders"); kForbidden with the server's
  // "Permissions Violation for Publish to ..." when it refused the publish (or the
  // reply inbox subscription) and no reply came.
  [[nodiscard]] Result<Message> request(
      std::string_view subject, std::string_view data, std::string_view content_type = {},
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  [[nodiscard]] Result<std::unique_ptr<Subscription>> subscribe(std::string_view subject);

  // Makes sure the server has seen every subscription and publish so far.
  [[nodiscard]] Status flush(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

 private:
  explicit Client(__natsConnection* nc) : nc_(nc) {}
  __natsConnection* nc_;
};

}  // namespace stockroom::nats_adapter

// HttpServer: the operations endpoints on a local port, on its own thread.
//
//   GET /healthz  200 "ok\n"               the process is alive
//   GET /readyz   200 "ready\n" | 503 "not ready\n"   Handlers::ready()
//   GET /metrics  200, Content-Type "text/plain; version=0.0.4; charset=utf-8",
//                 Handlers::metrics()
//   an unknown path 404; a known path with another method than GET 405;
//   an unparsable request 400, headers over the limit 431, a body over the limit 413
//   (each then closes the connection); a handler that throws 500.
//
// HTTP/1.1 keep-alive is supported. A connection waiting for a request must receive
// its request line and headers within Limits::header_timeout (a kept-alive one waits
// that long for its next request), and the rest of the request within
// Limits::read_timeout, or it is closed: a slow client cannot hold it. At
// max_connections, a new connection evicts one that is not being answered — the one
// lingering after its last response first, then the one idle longest (no byte of a
// request yet), then the slowest partial request — so idle or slow clients cannot
// lock health checks out. Only when every connection is being answered is the new
// one closed at once.
//
// Threads: one I/O thread owned by the server; the handlers run on it, one at a time,
// so they must be safe to call concurrently with the owner's other threads.
//
// Deliberately independent of the engine: errors come back as StartError, and the
// caller translates them into its own error type.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace stockroom::ops {

struct HttpHandlers {
  std::function<bool()> ready;           // required
  std::function<std::string()> metrics;  // required: Prometheus text
  // Optional: told, in one line, when a handler throws (the client gets a 500).
  std::function<void(std::string_view)> on_error;
  // Optional: a line /readyz adds after "ready" or "not ready" (a cluster node lists
  // the partitions it owns and follows).
  std::function<std::string()> ready_detail;
};

struct HttpLimits {
  size_t max_header_bytes = 8 * 1024;               // over it: 431
  size_t max_body_bytes = 64 * 1024;                // over it: 413; these endpoints take no body
  std::chrono::milliseconds header_timeout{2'000};  // request line and headers
  std::chrono::milliseconds read_timeout{10'000};   // the body; writing the response
  size_t max_connections = 64;  // beyond it a waiting connection is evicted (above)
};

// Why start() failed. kBadAddress: fix the configuration; kBindFailed: the address is
// in use or not available on this host.
struct StartError {
  enum class Kind : uint8_t { kBadAddress, kBindFailed };
  Kind kind;
  std::string message;  // one line a person can act on
};

// A parsed "host:port": an IPv4 literal, "[IPv6 literal]" or "localhost"; port 0..65535.
struct HostPort {
  std::string host;  // the IP literal ("localhost" becomes "127.0.0.1")
  uint16_t port = 0;
};
[[nodiscard]] std::expected<HostPort, StartError> parse_host_port(std::string_view text);

class HttpServer {
 public:
  // Binds `host_port` (port 0: any free port) and starts serving. Never throws for a bad
  // address or a failed bind: those come back as StartError.
  // REQUIRES: handlers.ready and handlers.metrics are set.
  [[nodiscard]] static std::expected<std::unique_ptr<HttpServer>, StartError> start(
      std::string_view host_port, HttpHandlers handlers, HttpLimits limits = {});

  // stop(), then frees everything.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound (useful with port 0).
  [[nodiscard]] uint16_t port() const noexcept;

  // Closes the listener and every connection and joins the I/O thread; requests in
  // flight are dropped. Idempotent. REQUIRES: not called from a handler.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockroom::ops

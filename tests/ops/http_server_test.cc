// The ops HTTP server over real loopback sockets: routes, keep-alive, limits, bad input,
// and start-up errors.
#include "adapters/ops/http_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adapters/ops/metrics.h"

namespace stockroom::ops {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;
using namespace std::chrono_literals;

// A blocking test client on raw bytes; every operation gives up after 5 s, so a broken
// server fails the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    stream_.expires_after(5s);
    beast::error_code ec = asio::error::would_block;
    stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                          [&](beast::error_code e) { ec = e; });
    run();
    REQUIRE_FALSE(ec);
  }

  void send(const std::string& raw) {
    stream_.expires_after(5s);
    beast::error_code ec = asio::error::would_block;
    asio::async_write(stream_, asio::buffer(raw), [&](beast::error_code e, size_t) { ec = e; });
    run();
    REQUIRE_FALSE(ec);
  }

  // The next response, or nothing if the connection ended first.
  std::optional<Response> read() {
    stream_.expires_after(5s);
    Response res;
    beast::error_code ec = asio::error::would_block;
    http::async_read(stream_, buffer_, res, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) return std::nullopt;
    return res;
  }

  // True if the server closes the connection within `within` (any bytes it sends first
  // are skipped).
  bool closed_within(std::chrono::milliseconds within) {
    stream_.expires_after(within);
    for (;;) {
      char byte[512];
      beast::error_code ec = asio::error::would_block;
      stream_.async_read_some(asio::buffer(byte), [&](beast::error_code e, size_t) { ec = e; });
      run();
      if (ec == beast::error::timeout) return false;
      if (ec) return true;  // eof or reset
    }
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

std::string request(std::string_view method, std::string_view target,
                    std::string_view extra_headers = "") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
         std::string(extra_headers) + "\r\n";
}

// One request on a fresh connection.
Response get(uint16_t port, std::string_view target, std::string_view method = "GET") {
  Client client(port);
  client.send(request(method, target, "Connection: close\r\n"));
  auto res = client.read();
  REQUIRE(res.has_value());
  return *res;
}

std::string header(const Response& res, http::field f) {
  auto v = res[f];
  return std::string(v.data(), v.size());
}

struct Fixture {
  std::atomic<bool> ready{false};
  Registry registry;
  std::unique_ptr<HttpServer> server;

  explicit Fixture(HttpLimits limits = {}) {
    registry.counter("requests_total", "Requests.", {"route"}).with({"/x"}).inc(3);
    auto started = HttpServer::start(
        "127.0.0.1:0",
        {.ready = [this] { return ready.load(); }, .metrics = [this] { return registry.render(); }},
        limits);
    REQUIRE(started.has_value());
    server = std::move(*started);
    REQUIRE(server->port() != 0);
  }
  [[nodiscard]] uint16_t port() const { return server->port(); }
};

TEST_CASE("healthz answers ok while the process runs", "[ops][http]") {
  Fixture f;
  auto res = get(f.port(), "/healthz");
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() == "ok\n");
  CHECK(header(res, http::field::content_type).starts_with("text/plain"));
}

TEST_CASE("readyz follows the ready callback", "[ops][http]") {
  Fixture f;
  auto before = get(f.port(), "/readyz");
  CHECK(before.result() == http::status::service_unavailable);
  CHECK(before.body() == "not ready\n");
  f.ready = true;
  auto after = get(f.port(), "/readyz");
  CHECK(after.result() == http::status::ok);
  CHECK(after.body() == "ready\n");
}

TEST_CASE("metrics serves the registry in the Prometheus text format", "[ops][http]") {
  Fixture f;
  auto res = get(f.port(), "/metrics");
  CHECK(res.result() == http::status::ok);
  CHECK(header(res, http::field::content_type).starts_with("text/plain; version=0.0.4"));
  CHECK(res.body() == f.registry.render());
  CHECK(res.body().find("requests_total{route=\"/x\"} 3\n") != std::string::npos);
  CHECK(get(f.port(), "/metrics?debug=1").result() == http::status::ok);  // query ignored
}

TEST_CASE("unknown paths get 404 and other methods 405", "[ops][http]") {
  Fixture f;
  CHECK(get(f.port(), "/nope").result() == http::status::not_found);
  CHECK(get(f.port(), "/").result() == http::status::not_found);
  auto post = get(f.port(), "/metrics", "POST");
  CHECK(post.result() == http::status::method_not_allowed);
  CHECK(header(post, http::field::allow) == "GET");
  CHECK(get(f.port(), "/healthz", "DELETE").result() == http::status::method_not_allowed);
}

TEST_CASE("one keep-alive connection serves several requests", "[ops][http]") {
  Fixture f;
  Client client(f.port());
  for (const char* target : {"/healthz", "/metrics", "/nope", "/readyz"}) {
    client.send(request("GET", target));
    auto res = client.read();
    REQUIRE(res.has_value());
    CHECK(res->keep_alive());
  }
  // Two pipelined requests in one write are both answered, in order.
  client.send(request("GET", "/healthz") + request("GET", "/nope"));
  CHECK(client.read()->result() == http::status::ok);
  CHECK(client.read()->result() == http::status::not_found);
  // Connection: close is honoured.
  client.send(request("GET", "/healthz", "Connection: close\r\n"));
  auto last = client.read();
  REQUIRE(last.has_value());
  CHECK_FALSE(last->keep_alive());
  CHECK(client.closed_within(2s));
}

TEST_CASE("a garbage request gets 400 and the server keeps serving", "[ops][http]") {
  Fixture f;
  for (std::string garbage : {std::string("GARBAGE\r\n\r\n"), std::string("GET /healthz\r\n\r\n"),
                              std::string("GET / HTTP/9.9\r\n\r\n"),
                              std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
                              std::string("GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    INFO(garbage);
    Client client(f.port());
    client.send(garbage);
    auto res = client.read();
    if (res) CHECK(res->result() == http::status::bad_request);
    CHECK(client.closed_within(2s));
  }
  CHECK(get(f.port(), "/healthz").result() == http::status::ok);
}

TEST_CASE("an oversized body gets 413", "[ops][http]") {
  Fixture f(HttpLimits{.max_body_bytes = 1024});
  Client client(f.port());
  // The declared length alone is over the limit: refused before the body is read.
  client.send(request("GET", "/metrics", "Content-Length: 10000000\r\n") +
              std::string(64 * 1024, 'x'));
  auto res = client.read();
  REQUIRE(res.has_value());
  CHECK(res->result() == http::status::payload_too_large);
  CHECK_FALSE(res->keep_alive());
  CHECK(client.closed_within(3s));

  // A chunked body that grows past the limit.
  Client chunked(f.port());
  std::string chunk = "800\r\n" + std::string(0x800, 'y') + "\r\n";
  chunked.send(request("GET", "/healthz", "Transfer-Encoding: chunked\r\n") + chunk);
  auto res2 = chunked.read();
  REQUIRE(res2.has_value());
  CHECK(res2->result() == http::status::payload_too_large);

  // A small body is fine.
  Client small(f.port());
  small.send(request("GET", "/healthz", "Content-Length: 5\r\n") + "hello");
  CHECK(small.read()->result() == http::status::ok);
}

TEST_CASE("oversized headers get 431", "[ops][http]") {
  Fixture f(HttpLimits{.max_header_bytes = 1024});
  Client client(f.port());
  client.send(request("GET", "/healthz", "X-Big: " + std::string(4096, 'h') + "\r\n"));
  auto res = client.read();
  REQUIRE(res.has_value());
  CHECK(res->result() == http::status::request_header_fields_too_large);
}

TEST_CASE("a client too slow to send its request is disconnected", "[ops][http]") {
  Fixture f(HttpLimits{.header_timeout = 200ms, .read_timeout = 200ms});
  Client silent(f.port());
  Client trickle(f.port());
  trickle.send("GET /healthz HTTP/1.1\r\n");  // and never the rest
  CHECK(silent.closed_within(3s));
  CHECK(trickle.closed_within(3s));
  CHECK(get(f.port(), "/healthz").result() == http::status::ok);
}

TEST_CASE("connections beyond the limit are closed at once while every one is being answered",
          "[ops][http]") {
  Fixture f(HttpLimits{.max_connections = 1});
  Client first(f.port());
  // Headers complete, body half sent: the server is reading this request's body.
  first.send(request("GET", "/healthz", "Content-Length: 10\r\n") + "hello");
  std::this_thread::sleep_for(200ms);  // (closed_within would close it on its timeout)
  Client second(f.port());
  CHECK(second.closed_within(3s));
  first.send("world");
  CHECK(first.read()->result() == http::status::ok);
}

TEST_CASE("at the limit a new connection evicts the one idle longest", "[ops][http]") {
  Fixture f(HttpLimits{.max_connections = 2});
  Client older(f.port());
  older.send(request("GET", "/healthz"));
  REQUIRE(older.read().has_value());  // kept alive, idle since
  Client newer(f.port());
  CHECK(get(f.port(), "/healthz").result() == http::status::ok);
  CHECK(older.closed_within(1s));
  newer.send(request("GET", "/healthz"));
  CHECK(newer.read()->result() == http::status::ok);
}

TEST_CASE("64 idle connections do not lock health checks out", "[ops][http]") {
  Fixture f;  // the default limits: 64 connections
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 64; ++i) idle.push_back(std::make_unique<Client>(f.port()));
  const auto t0 = std::chrono::steady_clock::now();
  for (const char* target : {"/healthz", "/readyz", "/metrics"}) {
    INFO(target);
    const auto res = get(f.port(), target);
    CHECK((res.result() == http::status::ok || res.result() == http::status::service_unavailable));
  }
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  // The oldest made room; the newest is still open.
  CHECK(idle.front()->closed_within(1s));
  CHECK_FALSE(idle.back()->closed_within(100ms));
}

TEST_CASE("slow clients trickling headers are cut at the header deadline and make room",
          "[ops][http]") {
  Fixture f(HttpLimits{.header_timeout = 300ms, .max_connections = 4});
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::make_unique<Client>(f.port()));
    slow.back()->send("GET /healthz HTTP/1.1\r\nHost: t");  // and never the rest
  }
  CHECK(get(f.port(), "/healthz").result() == http::status::ok);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& c : slow) CHECK(c->closed_within(2s));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);  // not the 10 s read_timeout
}

TEST_CASE("a handler that throws gives 500 and is reported", "[ops][http]") {
  std::string reported;
  auto started = HttpServer::start(
      "127.0.0.1:0", {.ready = []() -> bool { throw std::runtime_error("storage probe failed"); },
                      .metrics = [] { return std::string(); },
                      .on_error = [&](std::string_view what) { reported = what; }});
  REQUIRE(started.has_value());
  auto& server = **started;
  CHECK(get(server.port(), "/readyz").result() == http::status::internal_server_error);
  CHECK(get(server.port(), "/healthz").result() == http::status::ok);
  server.stop();  // `reported` is written on the server's thread: read it after the join
  CHECK(reported.find("storage probe failed") != std::string::npos);
}

TEST_CASE("stop closes idle connections and returns promptly", "[ops][http]") {
  Fixture f(HttpLimits{.read_timeout = 60s});
  Client idle(f.port());
  idle.send(request("GET", "/healthz"));
  REQUIRE(idle.read().has_value());
  const auto t0 = std::chrono::steady_clock::now();
  f.server->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(idle.closed_within(2s));
  f.server->stop();  // idempotent
}

TEST_CASE("a port already in use is an error value", "[ops][http]") {
  Fixture f;
  auto second = HttpServer::start("127.0.0.1:" + std::to_string(f.port()),
                                  {.ready = [] { return true; }, .metrics = [] { return ""; }});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().kind == StartError::Kind::kBindFailed);
  CHECK(second.error().message.find(std::to_string(f.port())) != std::string::npos);
  CHECK(get(f.port(), "/healthz").result() == http::status::ok);  // the first one is unharmed
}

TEST_CASE("an address this host does not have is a bind error", "[ops][http]") {
  auto started = HttpServer::start("192.0.2.1:0",  // TEST-NET-1, never local
                                   {.ready = [] { return true; }, .metrics = [] { return ""; }});
  REQUIRE_FALSE(started.has_value());
  CHECK(started.error().kind == StartError::Kind::kBindFailed);
}

TEST_CASE("bad listen addresses are refused with a clear error", "[ops][http]") {
  for (const char* bad : {"", "8223", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:80x", "127.0.0.1: 80", ":8223", "example.com:80", "::1:8223",
                          "[::1]8223", "[::1:8223", "[127.0.0.1]:80", "256.0.0.1:80"}) {
    INFO(bad);
    auto parsed = parse_host_port(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().kind == StartError::Kind::kBadAddress);
    CHECK(parsed.error().message.find("host:port") != std::string::npos);
    auto started =
        HttpServer::start(bad, {.ready = [] { return true; }, .metrics = [] { return ""; }});
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error().kind == StartError::Kind::kBadAddress);
  }
}

TEST_CASE("good listen addresses parse", "[ops][http]") {
  auto v4 = parse_host_port("127.0.0.1:8223");
  REQUIRE(v4.has_value());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8223);
  auto any = parse_host_port("0.0.0.0:0");
  REQUIRE(any.has_value());
  CHECK(any->port == 0);
  auto v6 = parse_host_port("[::1]:65535");
  REQUIRE(v6.has_value());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);
  auto local = parse_host_port("localhost:9");
  REQUIRE(local.has_value());
  CHECK(local->host == "127.0.0.1");
}

}  // namespace
}  // namespace stockroom::ops

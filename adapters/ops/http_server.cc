#include "adapters/ops/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace stockroom::ops {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";
// After the last response on a connection, how long and how much of the client's unread
// input is read and dropped before closing, so that closing does not reset the
// connection (and lose the response) while the client is still sending.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kLingerBytes = 1 << 20;
// Pause before accepting again after an accept error (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptBackoff{50};

std::unexpected<StartError> bad_address(std::string_view text, std::string_view why) {
  return std::unexpected(
      StartError{StartError::Kind::kBadAddress, "bad listen address \"" + std::string(text) +
                                                    "\": " + std::string(why) +
                                                    " (want host:port, e.g. " + "127.0.0.1:8223)"});
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_version).category();
}

}  // namespace

std::expected<HostPort, StartError> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return bad_address(text, "missing ']'");
    host = text.substr(1, close - 1);
    if (text.substr(close + 1, 1) != ":") return bad_address(text, "missing port");
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad_address(text, "missing port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad_address(text, "an IPv6 address goes in brackets");
    }
  }
  if (host.empty()) return bad_address(text, "missing host (0.0.0.0 means every interface)");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return bad_address(text, "port must be a number from 0 to 65535");
  }
  std::string ip = host == "localhost" ? "127.0.0.1" : std::string(host);
  beast::error_code parse_error;
  const auto address = asio::ip::make_address(ip, parse_error);
  if (parse_error || (address.is_v6() != text.starts_with('['))) {
    return bad_address(text, "host must be an IP address or localhost");
  }
  return HostPort{std::move(ip), static_cast<uint16_t>(value)};
}

class Session;

// Everything below runs on the I/O thread, except start() and stop().
struct HttpServer::Impl {
  Impl(HttpHandlers h, HttpLimits l) : handlers(std::move(h)), limits(l) {}

  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Closes the connection that can best be spared (http_server.h); false if none can.
  bool evict_one();
  void run();
  void close_all();

  HttpHandlers handlers;
  HttpLimits limits;
  uint16_t port = 0;
  std::unordered_set<Session*> sessions;  // each removes itself when closed or destroyed
  // Declared after the fields above and before the I/O objects: destroying io_context
  // destroys pending handlers, and with them sessions that still use `sessions`.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer backoff{ioc};
  std::thread thread;
  std::mutex stop_mu;
};

using Response = http::response<http::string_body>;

Response make_response(http::status status, std::string body,
                       std::string_view content_type = kTextPlain) {
  Response res{status, 11};
  res.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
  res.body() = std::move(body);
  return res;
}

// One connection: read a request, answer, repeat while keep-alive. Owned by shared_ptrs
// held in its pending operation's handler, so it lives exactly as long as it has work.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;

  Session(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)) {
    server_.sessions.insert(this);
  }
  ~Session() { server_.sessions.erase(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { read_request(); }
  // Aborts whatever the session is waiting for; its handler then drops the last owner.
  // It no longer counts against max_connections from here on.
  void close() {
    server_.sessions.erase(this);
    stream_.close();
  }

  // How readily it is evicted at the connection limit: lower first, and within a rank
  // the one waiting longest; nullopt while it is being answered.
  [[nodiscard]] std::optional<std::pair<int, Clock::time_point>> eviction_rank() const {
    switch (phase_) {
      case Phase::kLingering:
        return std::pair{0, since_};
      case Phase::kWaiting:
        return std::pair{buffer_.size() == 0 && !parser_->got_some() ? 1 : 2, since_};
      case Phase::kAnswering:
        return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  enum class Phase : uint8_t { kWaiting, kAnswering, kLingering };

  void read_request();
  void on_header(beast::error_code ec);
  void on_read(beast::error_code ec);
  [[nodiscard]] Response route(const http::request<http::string_body>& req);
  [[nodiscard]] Response call(std::string_view what, const std::function<Response()>& handler);
  void respond(Response res, unsigned version, bool keep_alive);
  void on_write(beast::error_code ec, bool keep_alive);
  void linger();
  void on_linger(beast::error_code ec, size_t n);

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response res_;
  std::array<char, 4096> drain_{};
  size_t drained_ = 0;
  Phase phase_ = Phase::kWaiting;
  Clock::time_point since_ = Clock::now();  // when phase_ began
};

void Session::read_request() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.limits.max_header_bytes));
  parser_->body_limit(server_.limits.max_body_bytes);
  phase_ = Phase::kWaiting;
  since_ = Clock::now();
  // One deadline for the whole header block, however slowly its bytes trickle in.
  stream_.expires_after(server_.limits.header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_header(beast::error_code ec) {
  if (ec || parser_->is_done()) return on_read(ec);
  phase_ = Phase::kAnswering;
  stream_.expires_after(server_.limits.read_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

void Session::on_read(beast::error_code ec) {
  phase_ = Phase::kAnswering;
  if (ec == http::error::body_limit) {
    return respond(make_response(http::status::payload_too_large, "request body too large\n"), 11,
                   false);
  }
  if (ec == http::error::header_limit) {
    return respond(
        make_response(http::status::request_header_fields_too_large, "request headers too large\n"),
        11, false);
  }
  // end_of_stream and partial_message mean the client went away: nobody to answer.
  if (ec && is_http_parse_error(ec) && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return respond(make_response(http::status::bad_request, "bad request\n"), 11, false);
  }
  if (ec) return close();  // timed out (the stream closed itself), reset or aborted
  const auto& req = parser_->get();
  respond(route(req), req.version(), req.keep_alive());
}

Response Session::route(const http::request<http::string_body>& req) {
  std::string_view target(req.target().data(), req.target().size());
  target = target.substr(0, target.find('?'));
  const bool known = target == "/healthz" || target == "/readyz" || target == "/metrics";
  if (!known) return make_response(http::status::not_found, "not found\n");
  if (req.method() != http::verb::get) {
    Response res = make_response(http::status::method_not_allowed, "method not allowed\n");
    res.set(http::field::allow, "GET");
    return res;
  }
  if (target == "/healthz") return make_response(http::status::ok, "ok\n");
  if (target == "/readyz") {
    return call("readyz", [this] {
      const std::string detail =
          server_.handlers.ready_detail ? server_.handlers.ready_detail() + "\n" : "";
      return server_.handlers.ready()
                 ? make_response(http::status::ok, "ready\n" + detail)
                 : make_response(http::status::service_unavailable, "not ready\n" + detail);
    });
  }
  return call("metrics", [this] {
    return make_response(http::status::ok, server_.handlers.metrics(), kPrometheusText);
  });
}

Response Session::call(std::string_view what, const std::function<Response()>& handler) {
  std::string why;
  try {
    return handler();
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown exception";
  }
  if (server_.handlers.on_error) {
    server_.handlers.on_error("http " + std::string(what) + " handler failed: " + why);
  }
  return make_response(http::status::internal_server_error, "internal error\n");
}

void Session::respond(Response res, unsigned version, bool keep_alive) {
  res_ = std::move(res);
  res_.version(version);
  res_.keep_alive(keep_alive);
  res_.prepare_payload();
  stream_.expires_after(server_.limits.read_timeout);
  http::async_write(stream_, res_,
                    [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                      self->on_write(ec, keep_alive);
                    });
}

void Session::on_write(beast::error_code ec, bool keep_alive) {
  if (ec) return close();
  if (keep_alive) return read_request();
  linger();
}

void Session::linger() {
  phase_ = Phase::kLingering;
  since_ = Clock::now();
  beast::error_code ignored;  // the peer may be gone already; closing follows regardless
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(
      std::min<std::chrono::milliseconds>(kLingerTime, server_.limits.read_timeout));
  stream_.async_read_some(
      asio::buffer(drain_),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_linger(ec, n); });
}

void Session::on_linger(beast::error_code ec, size_t n) {
  drained_ += n;
  if (ec || drained_ >= kLingerBytes) return close();
  stream_.async_read_some(
      asio::buffer(drain_),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_linger(ec, n); });
}

// ---- HttpServer::Impl ----

void HttpServer::Impl::accept() {
  acceptor.async_accept(
      [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // stopping
  if (ec) {
    backoff.expires_after(kAcceptBackoff);
    backoff.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) accept();
    });
    return;
  }
  if (sessions.size() >= limits.max_connections && !evict_one()) {
    beast::error_code ignored;  // refusing this connection is the point
    socket.close(ignored);
  } else {
    std::make_shared<Session>(*this, std::move(socket))->start();
  }
  accept();
}

bool HttpServer::Impl::evict_one() {
  Session* victim = nullptr;
  std::pair<int, Session::Clock::time_point> best{};
  for (Session* s : sessions) {
    const auto rank = s->eviction_rank();
    if (rank && (victim == nullptr || *rank < best)) {
      victim = s;
      best = *rank;
    }
  }
  if (victim != nullptr) victim->close();
  return victim != nullptr;
}

void HttpServer::Impl::run() {
  // Handlers catch their own exceptions; this loop is the last line that keeps one
  // from ending the process.
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      if (handlers.on_error) handlers.on_error(std::string("http server: ") + e.what());
    }
  }
}

void HttpServer::Impl::close_all() {
  beast::error_code ignored;  // closing on the way out: nothing to do about a failure
  acceptor.close(ignored);
  backoff.cancel();
  // close() erases the session from `sessions`; its handler, run later, frees it.
  const std::vector<Session*> open(sessions.begin(), sessions.end());
  for (Session* s : open) s->close();
}

// ---- HttpServer ----

std::expected<std::unique_ptr<HttpServer>, StartError> HttpServer::start(std::string_view host_port,
                                                                         HttpHandlers handlers,
                                                                         HttpLimits limits) {
  if (!handlers.ready || !handlers.metrics) {
    throw std::invalid_argument("HttpServer::start: handlers.ready and .metrics are required");
  }
  auto parsed = parse_host_port(host_port);
  if (!parsed) return std::unexpected(parsed.error());
  auto impl = std::make_unique<Impl>(std::move(handlers), limits);
  const tcp::endpoint endpoint(asio::ip::make_address(parsed->host), parsed->port);
  beast::error_code ec;
  auto& acceptor = impl->acceptor;
  auto fail = [&](std::string_view step) {
    return std::unexpected(StartError{StartError::Kind::kBindFailed,
                                      "cannot listen on " + std::string(host_port) + ": " +
                                          std::string(step) + ": " + ec.message()});
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("socket");
  // Lets a restarted process bind while old connections sit in TIME_WAIT; on Linux it
  // does not allow two listeners on one port.
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("setsockopt");
  }
  if (acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return fail("getsockname");
  impl->port = local.port();
  impl->accept();
  impl->thread = std::thread([raw = impl.get()] { raw->run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const noexcept { return impl_->port; }

void HttpServer::stop() {
  std::lock_guard lock(impl_->stop_mu);
  if (!impl_->thread.joinable()) return;
  // Closing everything leaves the io_context without work, so run() returns on its own
  // once the aborted handlers have run.
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->close_all(); });
  impl_->thread.join();
}

}  // namespace stockroom::ops

#include "adapters/nats/service.h"

#include <nats/nats.h>

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/nats/actor_map.h"
#include "adapters/nats/admin_handler.h"
#include "adapters/nats/connect_failure.h"
#include "adapters/nats/head_publisher.h"
#include "adapters/nats/nats_status.h"
#include "adapters/nats/outbox.h"
#include "adapters/nats/product_quote.h"
#include "adapters/nats/query_handler.h"
#include "adapters/nats/query_lane.h"
#include "adapters/nats/rating_forward.h"
#include "adapters/nats/reply_limit.h"
#include "adapters/nats/saga_driver.h"
#include "adapters/wire/keyed_subject.h"
#include "adapters/wire/wire.h"
#include "engine/domain/product_decider.h"
#include "engine/model/routing.h"

namespace stockroom::nats_adapter {
namespace {

constexpr std::string_view kContentType = "Content-Type";
const std::vector<double> kLatencyBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
const std::vector<double> kGroupBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

// What a queued query holds beyond its request: the job, its reply subject, the
// decoded query.
constexpr size_t kQueuedQueryOverhead = 512;
// How long a rating forwarded to its product's partition waits for the answer (a
// takeover there takes a few seconds; the client resends after this).
constexpr std::chrono::milliseconds kForwardTimeout{5000};

// A NATS.c pending limit (an int) of at least `floor`.
int pending_limit(size_t bound, size_t floor) {
  return static_cast<int>(std::min<size_t>(std::max(bound, floor), INT32_MAX));
}

size_t saturating_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What a command's reply needs, from its arrival to its reply on the outbox thread.
struct CommandTicket {
  std::string reply_to;
  std::string name;  // the subject tail, e.g. "cart.add_item" (metrics, messages)
  CommandId id;
  wire::Encoding encoding;
  std::chrono::steady_clock::time_point start;
  double seconds = 0;  // from arrival to completion
  Result<engine::CommandResult> result;
};

}  // namespace

struct Service::Impl {
  ServiceOptions options;
  ops::Registry& registry;
  ops::JsonLog& log;
  natsConnection* nc = nullptr;
  natsSubscription* cmd_sub = nullptr;
  natsSubscription* query_sub = nullptr;
  natsSubscription* admin_sub = nullptr;  // no queue group: see admin_handler.h
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<AdminHandler> admin;
  engine::Engine* engine = nullptr;
  std::unique_ptr<HeadPublisher> heads;  // with ServiceOptions::signing_key
  HeadSource head_source;
  std::string cmd_prefix;          // "<p>.cmd."
  std::string query_prefix;        // "<p>.query."
  std::string checkpoint_subject;  // "<p>.admin.checkpoint"

  std::atomic<bool> connected{false};
  std::atomic<bool> draining{false};
  // NATS.c runs connection callbacks on its own thread, also after Close returns:
  // the destructor waits for the closed callback (the last one) before freeing.
  std::mutex closed_mutex;
  std::condition_variable closed_cv;
  bool closed = false;
  std::atomic<int64_t> inflight{0};
  std::mutex idle_mutex;
  std::condition_variable idle;

  // Query lanes (ServiceOptions::point_queries, long_queries), made by start().
  std::unique_ptr<QueryLane> point_lane;
  std::unique_ptr<QueryLane> long_lane;
  // Cluster mode: drives the checkouts across partitions this partition coordinates
  // (saga_driver.h), made by start().
  std::unique_ptr<SagaDriver> sagas;
  // Messages NATS.c dropped as a slow consumer: read from the subscriptions while they
  // live, kept here for after (metrics), and when the last log line said so.
  std::atomic<int64_t> dropped_cmd{0}, dropped_query{0};
  std::atomic<int64_t> last_slow_log_ms{0};

  // Metrics.
  ops::CounterFamily* commands = nullptr;
  ops::CounterFamily* queries_total = nullptr;
  ops::Histogram* command_latency = nullptr;
  ops::Histogram* group_size = nullptr;
  ops::Counter* reconnects = nullptr;
  ops::Counter* disconnects = nullptr;
  ops::Counter* publish_failures = nullptr;
  ops::GaugeFamily* projection_position = nullptr;
  ops::Gauge* head_position = nullptr;
  ops::Gauge* wal_syncs = nullptr;
  ops::Gauge* groups_pipelined = nullptr;
  ops::GaugeFamily* writer_queue = nullptr;
  ops::GaugeFamily* query_queue = nullptr;
  ops::Gauge* expiry_check_failures = nullptr;

  // Where requests arrive: <p>, or <p>.p.<index> for one partition of a cluster.
  [[nodiscard]] std::string listen_prefix() const {
    if (!options.partition) return options.prefix;
    return options.prefix + ".p." + std::to_string(options.partition->index);
  }

  // In a cluster a request must carry its key, and the key must be this partition's:
  // the server's mapping routes keyed subjects only, so anything else was sent to the
  // partition subject by hand and would land an aggregate in the wrong partition.
  [[nodiscard]] Status check_partition(std::optional<std::string_view> key) const {
    if (!options.partition) return {};
    if (!key) {
      return fail(ErrorCode::kInvalidArgument,
                  "a cluster answers keyed subjects only: add the aggregate's id as the "
                  "subject's last token (docs/api.md, keyed subjects)");
    }
    const uint32_t home = partition_of(*key, options.partition->count);
    if (home == options.partition->index) return {};
    return fail(ErrorCode::kInvalidArgument,
                "key '" + std::string(*key) + "' belongs to partition " + std::to_string(home) +
                    ", not " + std::to_string(options.partition->index),
                {{"partition", int64_t{home}}});
  }

  // In a cluster, whether this node may answer from its copy (read_gate.h): a query or
  // a refusal decided on a copy a newer owner has moved past would be a wrong answer
  // that nothing in the stream fences, so it is UNAVAILABLE (retried) instead.
  [[nodiscard]] Status vouched() const {
    if (!options.partition || options.partition->reads == nullptr ||
        options.partition->reads->open()) {
      return {};
    }
    return fail(ErrorCode::kUnavailable,
                "partition " + std::to_string(options.partition->index) +
                    ": this node's lease on it is being renewed, so it cannot vouch that its "
                    "copy is the latest; retry shortly");
  }

  // Ownership is in doubt while the connection is down (read_gate.h).
  void close_reads() const {
    if (options.partition && options.partition->reads != nullptr) options.partition->reads->close();
  }

  Impl(ServiceOptions o, ops::Registry& r, ops::JsonLog& l)
      : options(std::move(o)), registry(r), log(l) {
    cmd_prefix = listen_prefix() + ".cmd.";
    query_prefix = listen_prefix() + ".query.";
    checkpoint_subject = listen_prefix() + "." + std::string(wire::kCheckpointSubject);
    commands = &registry.counter("stockroom_commands_total",
                                 "Commands answered, by subject and outcome (ok or error code).",
                                 {"command", "outcome"});
    queries_total = &registry.counter(
        "stockroom_queries_total", "Queries answered, by name and outcome.", {"query", "outcome"});
    command_latency =
        &registry
             .histogram("stockroom_command_seconds",
                        "Time from receiving a command to queuing its reply (durable).", {},
                        kLatencyBounds)
             .with();
    group_size = &registry
                      .histogram("stockroom_group_commands",
                                 "Commands per group commit (one write, one fsync in sync mode).",
                                 {}, kGroupBounds)
                      .with();
    wal_syncs = &registry.gauge("stockroom_wal_syncs", "WAL syncs (fsyncs) since start.").with();
    groups_pipelined = &registry
                            .gauge("stockroom_groups_pipelined",
                                   "Groups decided while the group before them was being made "
                                   "durable (pipelined group commit), since start.")
                            .with();
    expiry_check_failures =
        &registry
             .gauge("stockroom_expiry_check_failures",
                    "Looks for expired reservations that could not read the schedule, since "
                    "start (each is tried again at the next look).")
             .with();
    head_position =
        &registry.gauge("stockroom_log_head_position", "The log's last position.").with();
    projection_position = &registry.gauge("stockroom_projection_position",
                                          "The last position each view reflects.", {"view"});
    registry.gauge_fn("stockroom_ready", "1 when connected, subscribed and writable.",
                      [this] { return ready() ? 1.0 : 0.0; });
    reconnects = &registry.counter("stockroom_nats_reconnects_total", "NATS reconnections.").with();
    disconnects =
        &registry.counter("stockroom_nats_disconnects_total", "NATS disconnections.").with();
    publish_failures = &registry
                            .counter("stockroom_publish_failures_total",
                                     "Replies or pushes NATS.c could not take (lost).")
                            .with();
    writer_queue = &registry.gauge("stockroom_writer_queue",
                                   "The engine writer's queue: commands and bytes waiting now, "
                                   "and the most commands it held since start.",
                                   {"measure"});
    registry.counter_fn("stockroom_commands_busy_total",
                        "Commands refused at once with UNAVAILABLE: the writer's queue was full.",
                        [this] { return engine == nullptr ? 0 : engine->stats().commands_busy; });
    query_queue = &registry.gauge(
        "stockroom_query_queue",
        "Queries waiting per lane (point, long): now, and the most that waited at once.",
        {"lane", "measure"});
    registry.counter_fn("stockroom_nats_dropped_total",
                        "Requests NATS.c dropped as a slow consumer (never seen, never answered).",
                        [this] { return static_cast<uint64_t>(dropped()); });
  }

  ~Impl() {
    stop_lanes();
    sagas.reset();  // its last replies go to the outbox
    heads.reset();  // before the outbox it posts to
    if (outbox) outbox->stop();
    if (cmd_sub) natsSubscription_Destroy(cmd_sub);
    if (query_sub) natsSubscription_Destroy(query_sub);
    if (admin_sub) natsSubscription_Destroy(admin_sub);
    if (nc) {
      natsConnection_Close(nc);
      std::unique_lock lock(closed_mutex);
      closed_cv.wait_for(lock, std::chrono::seconds(10), [&] { return closed; });
      lock.unlock();
      natsConnection_Destroy(nc);
    }
  }

  [[nodiscard]] bool ready() const {
    return connected.load() && cmd_sub != nullptr && !draining.load() && engine != nullptr &&
           !engine->read_only();
  }

  void stop_lanes() {
    for (QueryLane* lane : {long_lane.get(), point_lane.get()}) {
      if (lane != nullptr) lane->stop();
    }
  }

  // What NATS.c has dropped on both request subscriptions so far.
  int64_t dropped() {
    for (auto [sub, seen] :
         {std::pair{cmd_sub, &dropped_cmd}, std::pair{query_sub, &dropped_query}}) {
      int64_t n = 0;
      // A subscription already drained answers an error: its last count stands.
      if (sub != nullptr && natsSubscription_GetDropped(sub, &n) == NATS_OK) seen->store(n);
    }
    return dropped_cmd.load() + dropped_query.load();
  }

  // NATS.c reports each start of dropping (it may start again after every message it
  // keeps): one line a second at most, with the running total.
  void on_slow_consumer(natsSubscription* sub) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    int64_t last = last_slow_log_ms.load();
    if (now_ms - last < 1000 || !last_slow_log_ms.compare_exchange_strong(last, now_ms)) return;
    int limit_msgs = 0, limit_bytes = 0;
    (void)natsSubscription_GetPendingLimits(sub, &limit_msgs, &limit_bytes);  // zeros if gone
    log.warn("nats_slow_consumer", {{"subscription", sub == cmd_sub     ? "cmd"
                                                     : sub == query_sub ? "query"
                                                                        : "other"},
                                    {"dropped_total", dropped()},
                                    {"pending_limit_msgs", int64_t{limit_msgs}},
                                    {"pending_limit_bytes", int64_t{limit_bytes}}});
  }

  // A step of drain() that NATS.c refused or that timed out: the drain goes on (what
  // is left is bounded by its deadline), and the log says which step.
  void note_drain_step(natsStatus status, std::string_view step) {
    if (Status s = from_nats(status, step); !s)
      log.warn("drain_step", {{"message", s.error().message}});
  }

  void begin_request() { inflight.fetch_add(1); }
  void end_request() {
    if (inflight.fetch_sub(1) == 1) {
      std::lock_guard lock(idle_mutex);
      idle.notify_all();
    }
  }

  static Outgoing reply_message(const std::string& reply_to, wire::Encoding encoding,
                                std::string data) {
    Outgoing out{reply_to, std::move(data), {}};
    if (encoding == wire::Encoding::kFlatBuffers) {
      out.headers.emplace_back(kContentType, wire::kFlatBuffersContentType);
    }
    return out;
  }

  // The limit of the server connected now (its INFO; it may differ after a
  // reconnect); unknown (no limit) before the first connection.
  [[nodiscard]] ReplyLimit reply_limit(wire::Encoding encoding) const {
    const int64_t max = natsConnection_GetMaxPayload(nc);
    ReplyLimit limit;
    if (max > 0) limit.max_payload = static_cast<size_t>(max);
    limit.header_bytes = encoded_size(reply_message("", encoding, ""));
    return limit;
  }

  // Logs a reply that did not fit and what was sent instead.
  void note_oversized(std::string_view what, size_t body_size, const ReplyLimit& limit,
                      std::string_view sent) {
    log.warn("reply_too_large", {{"request", what},
                                 {"size", body_size + limit.header_bytes},
                                 {"max_payload", limit.max_payload},
                                 {"sent", sent}});
  }

  // The last guard of every reply: one above the server's max_payload would be lost
  // in NATS.c's publish, so a bare PAYLOAD_TOO_LARGE goes instead.
  // In a cluster every JSON reply, event and view names its partition (nats-api.md):
  // `"partition":<i>` goes first into the object this service just wrote. A single
  // node leaves its documents as they are (partition 0 is implied).
  void mark_partition(std::string& json) const {
    if (!options.partition || json.size() < 2 || json.front() != '{') return;
    const std::string field = "\"partition\":" + std::to_string(options.partition->index);
    json.insert(1, json[1] == '}' ? field : field + ",");
  }

  Outgoing fitted_reply(const std::string& reply_to, wire::Encoding encoding, std::string data,
                        std::string_view what) {
    if (encoding == wire::Encoding::kJson) mark_partition(data);
    const ReplyLimit limit = reply_limit(encoding);
    if (!limit.fits(data.size())) {
      note_oversized(what, data.size(), limit, "PAYLOAD_TOO_LARGE");
      const Error error = reply_too_large(what, data.size(), limit);
      wire::codec_for(encoding).error_reply(error, data);
      if (encoding == wire::Encoding::kJson) mark_partition(data);
    }
    return reply_message(reply_to, encoding, std::move(data));
  }

  void reply(const char* reply_to, wire::Encoding encoding, std::string data,
             std::string_view what) {
    if (reply_to == nullptr || *reply_to == '\0') return;  // nobody to answer
    outbox->post(fitted_reply(reply_to, encoding, std::move(data), what));
  }

  // An accepted command's reply without its event list, a refusal without its
  // details: what is left is what the client acts on (reply_limit.h).
  void shrink_command_reply(const wire::Codec& codec, const CommandId& id,
                            const Result<engine::CommandResult>& r, const ReplyLimit& limit,
                            std::string_view what, std::string& data) {
    note_oversized(what, data.size(), limit, r ? "events_omitted" : "details_omitted");
    if (r) return codec.command_reply_without_events(id.str(), *r, data);
    codec.command_reply(id.str(), std::unexpected(without_details(r.error())), data);
  }

  static wire::Encoding encoding_of(natsMsg* msg) {
    const char* value = nullptr;
    if (natsMsgHeader_Get(msg, kContentType.data(), &value) != NATS_OK || value == nullptr) {
      return wire::Encoding::kJson;
    }
    return wire::encoding_for(value);
  }

  // The Nats-Request-Info header (actor_map.h), read only when an actor map binds
  // actors: without one a command pays nothing for it. nullopt: no header.
  [[nodiscard]] std::optional<std::string_view> request_info_of(natsMsg* msg) const {
    const char* value = nullptr;
    if (!options.actors || natsMsgHeader_Get(msg, kRequestInfoHeader, &value) != NATS_OK ||
        value == nullptr) {
      return std::nullopt;
    }
    return value;
  }

  void on_message(natsMsg* msg) {
    const std::string_view subject = natsMsg_GetSubject(msg);
    const char* reply_ptr = natsMsg_GetReply(msg);
    const std::string reply_to = reply_ptr != nullptr ? reply_ptr : "";
    const wire::Encoding encoding = encoding_of(msg);
    const std::string_view body(natsMsg_GetData(msg),
                                static_cast<size_t>(natsMsg_GetDataLength(msg)));
    if (subject.starts_with(cmd_prefix)) {
      // The header's text lives in `msg`, which outlives on_command.
      on_command(subject.substr(cmd_prefix.size()), body, reply_to, encoding, request_info_of(msg));
    } else if (subject.starts_with(query_prefix)) {
      on_query(subject.substr(query_prefix.size()), body, reply_to, encoding);
    } else if (subject == checkpoint_subject) {
      on_checkpoint(body, reply_to);
    }
    natsMsg_Destroy(msg);
  }

  Error too_large(size_t size) const {
    return Error{ErrorCode::kPayloadTooLarge,
                 "request of " + std::to_string(size) + " bytes is above the limit of " +
                     std::to_string(options.max_payload),
                 {{"size", static_cast<int64_t>(size)},
                  {"limit", static_cast<int64_t>(options.max_payload)}},
                 {}};
  }

  // With an actor map, the command's actor must be one its sender may claim; checked
  // before anything else looks at the command, so a refused sender learns nothing more.
  [[nodiscard]] Status check_actor(std::optional<std::string_view> request_info,
                                   const Actor& actor) const {
    if (!options.actors) return {};
    Result<Sender> sender = sender_of(request_info);
    if (!sender) return std::unexpected(std::move(sender.error()));
    return check_sender(*options.actors, *sender, actor);
  }

  void on_command(std::string_view tail, std::string_view body, const std::string& reply_to,
                  wire::Encoding encoding, std::optional<std::string_view> request_info) {
    const auto start = std::chrono::steady_clock::now();
    const wire::Codec& codec = wire::codec_for(encoding);
    // A keyed subject (<group>.<name>.<key>): the name labels metrics, the key must be
    // the body's.
    const wire::KeyedName keyed = wire::split_command_subject(tail);
    const std::string_view name = keyed.name;
    Result<CommandEnvelope> decoded = body.size() > options.max_payload
                                          ? std::unexpected(too_large(body.size()))
                                          : codec.decode_command(name, body);
    if (decoded) {
      if (Status may = check_actor(request_info, decoded->actor); !may) {
        decoded = std::unexpected(std::move(may.error()));
      }
    }
    if (decoded && keyed.key) {
      if (Status same = wire::check_command_key(decoded->command, *keyed.key); !same) {
        decoded = std::unexpected(same.error());
      }
    }
    if (decoded) {
      if (Status here = check_partition(keyed.key); !here) decoded = std::unexpected(here.error());
    }
    if (!decoded) {
      std::string out;
      const std::string id = body.size() > options.max_payload ? "" : codec.command_id_of(body);
      codec.command_reply(id, std::unexpected(decoded.error()), out);
      const bool known = decoded.error().code != ErrorCode::kUnknownCommand;
      commands
          ->with(
              {known ? name : std::string_view("unknown"), error_code_name(decoded.error().code)})
          .inc();
      reply(reply_to.c_str(), encoding, std::move(out), "cmd." + std::string(name));
      return;
    }
    begin_request();
    // One allocation per command carries what its reply needs from here to the outbox:
    // the two callbacks below capture only its pointer, which fits std::function's own
    // storage. The engine calls the completion exactly once and the outbox runs every
    // producer it was given (stop() drains), so the ticket is always freed.
    auto* ticket =
        new CommandTicket{reply_to, std::string(name),       decoded->command_id, encoding, start,
                          {},       std::unexpected(Error{})};
    if (rating_lives_elsewhere(decoded->command)) {
      forward_rating(std::move(*decoded), ticket, body.size());
      return;
    }
    if (product_lives_elsewhere(decoded->command)) {
      quote_item(std::move(*decoded), ticket, body.size());
      return;
    }
    const auto* checkout = std::get_if<CheckOutCart>(&decoded->command);
    if (checkout != nullptr && sagas != nullptr) {
      if (!sagas->has_room()) {
        ticket->result = std::unexpected(Error{
            ErrorCode::kUnavailable, "busy: too many checkouts across partitions running", {}, {}});
        finish(ticket);
        return;
      }
      submit_checkout(std::move(*decoded), ticket, body.size());
      return;
    }
    // Refused at once, on this thread, when the engine is busy (its queue is full).
    engine->submit(
        std::move(*decoded),
        [this, ticket](Result<engine::CommandResult> r) {
          // On the writer thread: only hand over; encoding and metrics run on the outbox.
          ticket->result = std::move(r);
          finish(ticket);
        },
        body.size());
  }

  // cart.add_item of a product of another partition (cluster mode).
  [[nodiscard]] bool product_lives_elsewhere(const Command& command) const {
    const auto* add = std::get_if<AddCartItem>(&command);
    return options.partition && add != nullptr &&
           partition_of(add->sku.str(), options.partition->count) != options.partition->index;
  }

  // Reads the product from its partition (product_quote.h) on a long-query worker (a
  // blocking request must not hold NATS.c's delivery thread), refuses as the single node
  // does when it is not defined or retired, else submits the item with the price read:
  // the engine checks the rest (the cart, the currency, the line bounds). A full lane
  // is UNAVAILABLE, as a full writer queue is.
  void quote_item(CommandEnvelope envelope, CommandTicket* ticket, size_t bytes) {
    auto item = std::make_shared<CommandEnvelope>(std::move(envelope));
    const bool queued = long_lane->post(
        [this, ticket, item, bytes](const QueryBudget&) {
          auto& add = std::get<AddCartItem>(item->command);
          Result<ProductState> product = read_product(nc, options.prefix, add.sku, kForwardTimeout);
          Status active =
              product ? check_active(add.sku, *product) : Status(std::unexpected(product.error()));
          if (!active) {
            ticket->result = std::unexpected(std::move(active.error()));
            finish(ticket);
            return;
          }
          add.quoted_price = product->price;
          engine->submit(
              std::move(*item),
              [this, ticket](Result<engine::CommandResult> r) {
                ticket->result = std::move(r);
                finish(ticket);
              },
              bytes);
        },
        kQueuedQueryOverhead + bytes);
    if (!queued) {
      ticket->result = std::unexpected(busy("long"));
      finish(ticket);
    }
  }

  // cart.checkout in cluster mode: decided as any command; when it started a checkout
  // across partitions (CheckoutStarted, now or, for a duplicate, before), the reply
  // waits for that saga's end (saga_driver.h).
  void submit_checkout(CommandEnvelope envelope, CommandTicket* ticket, size_t bytes) {
    const CartId cart = std::get<CheckOutCart>(envelope.command).cart_id;
    engine->submit(
        std::move(envelope),
        [this, ticket, cart](Result<engine::CommandResult> r) {
          const bool started =
              r && std::any_of(r->events.begin(), r->events.end(), [](const engine::EventRef& e) {
                return e.type == "CheckoutStarted";
              });
          if (!started) {
            ticket->result = std::move(r);
            finish(ticket);
            return;
          }
          sagas->wait_for(cart, *r, [this, ticket](Result<engine::CommandResult> end) {
            ticket->result = std::move(end);
            finish(ticket);
          });
        },
        bytes);
  }

  // Answers the command of `ticket` with its result, on the outbox thread, and frees it.
  void finish(CommandTicket* ticket) {
    ticket->seconds = seconds_since(ticket->start);
    outbox->post([this, ticket](std::vector<Outgoing>& out) {
      const std::unique_ptr<CommandTicket> t(ticket);
      // A refusal was decided on this node's copy and left nothing in the stream to
      // fence it: said only while the copy is vouched for. An ok is in the stream.
      if (!t->result && t->result.error().code != ErrorCode::kUnavailable) {
        if (Status ours = vouched(); !ours) t->result = std::unexpected(std::move(ours.error()));
      }
      std::string data;
      const wire::Codec& codec = wire::codec_for(t->encoding);
      codec.command_reply(t->id.str(), t->result, data);
      const std::string what = "cmd." + t->name;
      if (const ReplyLimit limit = reply_limit(t->encoding); !limit.fits(data.size())) {
        shrink_command_reply(codec, t->id, t->result, limit, what, data);
      }
      commands
          ->with({t->name,
                  t->result ? std::string_view("ok") : error_code_name(t->result.error().code)})
          .inc();
      command_latency->observe(t->seconds);
      if (!t->reply_to.empty()) {
        out.push_back(fitted_reply(t->reply_to, t->encoding, std::move(data), what));
      }
      end_request();
    });
  }

  // A rating.submit whose product lives in another partition of the cluster.
  [[nodiscard]] bool rating_lives_elsewhere(const Command& command) const {
    const auto* rating = std::get_if<SubmitRating>(&command);
    return options.partition && rating != nullptr &&
           partition_of(rating->sku.str(), options.partition->count) != options.partition->index;
  }

  // rating_forward.h: checked here where the order lives (nothing written), then sent
  // as rating.record to the product's partition from a long-query worker (a blocking
  // request must not hold the writer), and its reply relayed as it came, partition
  // and all. A full lane is UNAVAILABLE, as a full writer queue is.
  void forward_rating(CommandEnvelope envelope, CommandTicket* ticket, size_t bytes) {
    auto submitted = std::make_shared<const CommandEnvelope>(envelope);
    engine->check(
        std::move(envelope),
        [this, ticket, submitted, bytes](Result<engine::CommandResult> checked) {
          if (!checked) {
            ticket->result = std::move(checked);
            finish(ticket);
            return;
          }
          const bool queued = long_lane->post(
              [this, ticket, submitted](const QueryBudget&) { relay_rating(*submitted, ticket); },
              kQueuedQueryOverhead + bytes);
          if (!queued) {
            ticket->result = std::unexpected(busy("long"));
            finish(ticket);
          }
        },
        bytes);
  }

  void relay_rating(const CommandEnvelope& submitted, CommandTicket* ticket) {
    const auto& rating = std::get<SubmitRating>(submitted.command);
    const ActorId forwarder("stockroom-p" + std::to_string(options.partition->index));
    Result<std::string> relayed =
        request_reply(nc, rating_record_subject(options.prefix, rating.sku),
                      rating_record_request(submitted, forwarder, ticket->encoding),
                      ticket->encoding, kForwardTimeout);
    if (!relayed) {
      ticket->result = std::unexpected(std::move(relayed.error()));
      finish(ticket);
      return;
    }
    ticket->seconds = seconds_since(ticket->start);
    outbox->post([this, ticket, data = std::move(*relayed)](std::vector<Outgoing>& out) mutable {
      const std::unique_ptr<CommandTicket> t(ticket);
      // The product partition's own answer; its outcome is counted there.
      commands->with({t->name, "forwarded"}).inc();
      command_latency->observe(t->seconds);
      if (!t->reply_to.empty())
        out.push_back(reply_message(t->reply_to, t->encoding, std::move(data)));
      end_request();
    });
  }

  void on_query(std::string_view tail, std::string_view body, const std::string& reply_to,
                wire::Encoding encoding) {
    const wire::Codec& codec = wire::codec_for(encoding);
    const wire::KeyedName keyed = wire::split_query_subject(tail);
    const std::string_view name = keyed.name;
    Result<wire::Query> decoded = body.size() > options.max_payload
                                      ? std::unexpected(too_large(body.size()))
                                      : codec.decode_query(name, body);
    if (decoded && keyed.key) {
      if (Status same = wire::check_query_key(*decoded, *keyed.key); !same) {
        decoded = std::unexpected(same.error());
      }
    }
    if (decoded && wire::query_routing_key(*decoded)) {
      if (Status here = check_partition(keyed.key); !here) decoded = std::unexpected(here.error());
    }
    if (!decoded) {
      std::string out;
      codec.error_reply(decoded.error(), out);
      const bool known = decoded.error().code != ErrorCode::kUnknownCommand;
      queries_total
          ->with(
              {known ? name : std::string_view("unknown"), error_code_name(decoded.error().code)})
          .inc();
      reply(reply_to.c_str(), encoding, std::move(out), "query." + std::string(name));
      return;
    }
    begin_request();
    QueryLane& lane = is_point_query(decoded->kind) ? *point_lane : *long_lane;
    const bool queued = lane.post(
        [this, query = std::move(*decoded), reply_to, encoding,
         name = std::string(name)](const QueryBudget& budget) {
          std::string out;
          const wire::Codec& codec = wire::codec_for(encoding);
          const ReplyLimit limit = reply_limit(encoding);
          const std::string what = "query." + name;
          if (Status ours = vouched(); !ours) {
            codec.error_reply(ours.error(), out);
            queries_total->with({name, error_code_name(ErrorCode::kUnavailable)}).inc();
            reply(reply_to.c_str(), encoding, std::move(out), what);
            end_request();
            return;
          }
          const QueryEnd end = answer_query(*engine, codec, query, limit, out, head_source, budget);
          std::string_view outcome = end == QueryEnd::kCutShort ? "cut_short" : "answered";
          if (!limit.fits(out.size())) {
            note_oversized(what, out.size(), limit, "PAYLOAD_TOO_LARGE");
            codec.error_reply(reply_too_large(what, out.size(), limit), out);
            outcome = error_code_name(ErrorCode::kPayloadTooLarge);
          }
          queries_total->with({name, outcome}).inc();
          reply(reply_to.c_str(), encoding, std::move(out), what);
          end_request();
        },
        kQueuedQueryOverhead + body.size() + reply_to.size());
    if (!queued) {
      std::string out;
      codec.error_reply(busy(&lane == point_lane.get() ? "point" : "long"), out);
      queries_total->with({name, error_code_name(ErrorCode::kUnavailable)}).inc();
      reply(reply_to.c_str(), encoding, std::move(out), "query." + std::string(name));
      end_request();
    }
  }

  static Error busy(std::string_view lane) {
    return Error{ErrorCode::kUnavailable,
                 "busy: the " + std::string(lane) + " query queue is full; retry shortly",
                 {},
                 {}};
  }

  // Decided here (cheap); the copy itself runs on a query worker.
  void on_checkpoint(std::string_view body, const std::string& reply_to) {
    Result<std::optional<wire::CheckpointRequest>> request = admin->addressed(body);
    if (!request) {
      std::string out;
      wire::json_codec().error_reply(request.error(), out);
      reply(reply_to.c_str(), wire::Encoding::kJson, std::move(out), checkpoint_subject);
      return;
    }
    if (!*request) return;  // another serve's data directory
    begin_request();
    const bool queued = long_lane->post(
        [this, r = std::move(**request), reply_to](const QueryBudget&) {
          std::optional<Error> failed;
          std::string out = admin->checkpoint(r, failed);
          if (failed) {
            log.warn("checkpoint_failed", {{"dir", r.dir}, {"message", failed->message}});
          } else {
            log.info("checkpoint", {{"dir", r.dir}});
          }
          reply(reply_to.c_str(), wire::Encoding::kJson, std::move(out), checkpoint_subject);
          end_request();
        },
        kQueuedQueryOverhead + body.size() + reply_to.size());
    if (!queued) {
      std::string out;
      wire::json_codec().error_reply(busy("long"), out);
      reply(reply_to.c_str(), wire::Encoding::kJson, std::move(out), checkpoint_subject);
      end_request();
    }
  }

  // Hands one durable group to the outbox, which builds its pushes (nats-api.md,
  // "Pushes") off the writer thread. Queued before the group's replies: in order.
  void on_commit(engine::CommittedGroup&& group) {
    if (!outbox) return;
    outbox->post(
        [this, g = std::move(group)](std::vector<Outgoing>& out) mutable { build_pushes(g, out); });
  }

  void build_pushes(engine::CommittedGroup& group, std::vector<Outgoing>& out) {
    group_size->observe(static_cast<double>(group.commands));
    out.reserve(group.events.size() + group.views.size());
    for (const engine::LoggedEvent& e : group.events) {
      const auto kind = wire::stream_kind(e.event.stream);
      if (!kind) continue;
      Outgoing m;
      m.subject =
          options.prefix + ".events." + std::string(kind->kind) + "." + std::string(kind->id);
      wire::event_json(e, m.data);
      mark_partition(m.data);
      m.headers = {{"Stockroom-Position", std::to_string(e.event.position.value)},
                   {"Stockroom-Type", std::string(event_type_name(e.event.data))},
                   {"Stockroom-Stream", e.event.stream}};
      out.push_back(std::move(m));
    }
    for (engine::ViewChange& v : group.views) {
      if (!wire::view_is_pushed(v.view)) continue;
      Outgoing m;
      m.subject = options.prefix + ".view." + v.view + "." + v.key;
      m.headers = {{"Stockroom-Position", std::to_string(v.position.value)}};
      m.data = std::move(v.json);
      mark_partition(m.data);
      out.push_back(std::move(m));
    }
  }
};

namespace {

void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  static_cast<Service::Impl*>(closure)->on_message(msg);
}

void on_disconnected(natsConnection*, void* closure) {
  auto* impl = static_cast<Service::Impl*>(closure);
  impl->connected.store(false);
  impl->close_reads();
  impl->disconnects->inc();
  impl->log.warn("nats_disconnected", {});
}

void on_reconnected(natsConnection*, void* closure) {
  auto* impl = static_cast<Service::Impl*>(closure);
  impl->close_reads();  // a standby may have taken the partition meanwhile
  impl->connected.store(true);
  impl->reconnects->inc();
  impl->log.info("nats_reconnected", {});
}

void on_connected(natsConnection*, void* closure) {
  auto* impl = static_cast<Service::Impl*>(closure);
  impl->connected.store(true);
  impl->log.info("nats_connected", {{"url", printable_url(impl->options.connect.url)}});
}

void on_closed(natsConnection* nc, void* closure) {
  auto* impl = static_cast<Service::Impl*>(closure);
  // NATS.c gives up reconnecting when a server refuses the credentials twice (a server
  // that came up after serve with other credentials, or ones revoked): serve stays up,
  // never ready again, so say why, once, as an error.
  const char* why = nullptr;
  const natsStatus last = natsConnection_GetLastError(nc, &why);
  if (last == NATS_CONNECTION_AUTH_FAILED) {
    impl->log.error(
        "nats_closed",
        {{"url", printable_url(impl->options.connect.url)},
         {"message", std::string("NATS closed the connection for good: ") +
                         (why != nullptr && *why != '\0' ? why : natsStatus_GetText(last)) +
                         " (serve is not ready until restarted)"}});
  }
  std::lock_guard lock(impl->closed_mutex);
  impl->closed = true;
  impl->closed_cv.notify_all();
}

void on_async_error(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure) {
  auto* impl = static_cast<Service::Impl*>(closure);
  if (err == NATS_SLOW_CONSUMER) return impl->on_slow_consumer(sub);
  // The server's own words ("Permissions Violation for Publish to ...") say what was
  // refused; the status alone ("Not Permitted") does not.
  const char* text = nullptr;
  natsConnection_GetLastError(nc, &text);
  impl->log.error("nats_error",
                  {{"status", natsStatus_GetText(err)}, {"message", text != nullptr ? text : ""}});
}

}  // namespace

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::connect(ServiceOptions options, ops::Registry& metrics,
                                                  ops::JsonLog& log) {
  auto impl = std::make_unique<Impl>(std::move(options), metrics, log);
  auto opts = make_nats_options(impl->options.connect);
  if (!opts) return std::unexpected(opts.error());
  Impl* raw = impl.get();
  // Without its callbacks the service would not know when NATS comes and goes.
  Status callbacks =
      from_nats(natsOptions_SetDisconnectedCB(*opts, on_disconnected, raw), "disconnect callback");
  if (callbacks) {
    callbacks =
        from_nats(natsOptions_SetReconnectedCB(*opts, on_reconnected, raw), "reconnect callback");
  }
  if (callbacks) {
    callbacks = from_nats(natsOptions_SetClosedCB(*opts, on_closed, raw), "closed callback");
  }
  if (callbacks) {
    callbacks = from_nats(natsOptions_SetErrorHandler(*opts, on_async_error, raw), "error handler");
  }
  if (!callbacks) {
    natsOptions_Destroy(*opts);
    return std::unexpected(callbacks.error());
  }
  // Once without retrying: a server that answers but refuses (credentials, TLS) will
  // refuse again, so that ends serve now; only a server not up yet is worth waiting
  // for, in the background (not ready meanwhile).
  const std::string url = printable_url(impl->options.connect.url);
  natsStatus s = natsOptions_SetRetryOnFailedConnect(*opts, false, nullptr, nullptr);
  if (s == NATS_OK) s = natsConnection_Connect(&impl->nc, *opts);
  if (s != NATS_OK) {
    ConnectFailure why = classify_connect_failure(s, url);
    if (!why.server_not_up) {
      natsOptions_Destroy(*opts);
      return std::unexpected(std::move(why.error));
    }
    s = natsOptions_SetRetryOnFailedConnect(*opts, true, on_connected, raw);
    if (s == NATS_OK) s = natsConnection_Connect(&impl->nc, *opts);
  }
  natsOptions_Destroy(*opts);
  if (s == NATS_OK) {
    impl->connected.store(true);
    log.info("nats_connected", {{"url", url}});
  } else if (s == NATS_NOT_YET_CONNECTED) {
    log.warn("nats_not_yet_connected", {{"url", url}});
  } else {
    return std::unexpected(classify_connect_failure(s, url).error);
  }
  impl->outbox = std::make_unique<Outbox>(impl->nc, [raw](const std::string& what) {
    raw->publish_failures->inc();
    raw->log.warn("publish_failed", {{"detail", what}});
  });
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

engine::CommitListener Service::commit_listener() {
  return [impl = impl_.get()](engine::CommittedGroup&& g) { impl->on_commit(std::move(g)); };
}

engine::FaultListener Service::fault_listener() {
  return [impl = impl_.get()](const Error& e) {
    impl->log.error("engine_read_only", {{"reason", e.message}, {"code", error_code_name(e.code)}});
  };
}

Status Service::start(engine::Engine& engine) {
  Impl& i = *impl_;
  i.engine = &engine;
  if (i.options.signing_key) {
    i.heads = std::make_unique<HeadPublisher>(
        *i.options.signing_key, engine, *i.outbox, i.options.prefix + ".audit.head",
        i.options.head_interval, i.options.partition ? i.options.partition->index : 0);
    i.head_source = [heads = i.heads.get()] { return heads->latest(); };
  }
  i.point_lane = std::make_unique<QueryLane>(i.options.point_queries);
  i.long_lane = std::make_unique<QueryLane>(i.options.long_queries);
  if (i.options.partition) {
    // Before the first command can arrive: a checkout decided as CheckoutStarted must
    // find the driver, or its client would be answered before the saga ends (the
    // failover drills caught an acknowledged checkout whose saga then failed).
    SagaDriverOptions so;
    so.prefix = i.options.prefix;
    so.partition = i.options.partition->index;
    so.partitions = i.options.partition->count;
    i.sagas = std::make_unique<SagaDriver>(engine, i.nc, so, i.log);
  }
  const std::string cmd = i.listen_prefix() + ".cmd.>";
  const std::string query = i.listen_prefix() + ".query.>";
  natsStatus s = natsConnection_QueueSubscribe(&i.cmd_sub, i.nc, cmd.c_str(),
                                               i.options.queue_group.c_str(), on_msg, &i);
  if (s == NATS_OK) {
    s = natsConnection_QueueSubscribe(&i.query_sub, i.nc, query.c_str(),
                                      i.options.queue_group.c_str(), on_msg, &i);
  }
  if (s == NATS_OK) {
    i.admin = std::make_unique<AdminHandler>(engine);
    s = natsConnection_Subscribe(&i.admin_sub, i.nc, i.checkpoint_subject.c_str(), on_msg, &i);
  }
  if (s == NATS_OK) {
    // What waits in NATS.c waits as long as what waits in the queues behind it: bound
    // it alike (a request beyond it is dropped, counted and logged; one refused by a
    // full queue is answered UNAVAILABLE at once, so the delivery thread keeps up).
    const engine::EngineOptions& eo = engine.options();
    const LaneOptions& pl = i.options.point_queries;
    const LaneOptions& ll = i.options.long_queries;
    s = natsSubscription_SetPendingLimits(
        i.cmd_sub, pending_limit(eo.max_queued_commands, i.options.min_pending_msgs),
        pending_limit(eo.max_queued_bytes, i.options.min_pending_bytes));
    if (s == NATS_OK) {
      s = natsSubscription_SetPendingLimits(
          i.query_sub,
          pending_limit(saturating_add(pl.max_queued, ll.max_queued), i.options.min_pending_msgs),
          pending_limit(saturating_add(pl.max_queued_bytes, ll.max_queued_bytes),
                        i.options.min_pending_bytes));
    }
  }
  if (s != NATS_OK) {
    return fail(ErrorCode::kUnavailable, std::string("cannot subscribe: ") + natsStatus_GetText(s));
  }
  if (i.heads) i.heads->start();
  if (i.sagas) {
    // A new owner drives the checkouts its predecessor left running.
    if (Status resumed = i.sagas->resume(); !resumed) {
      i.log.error("sagas_resume_failed", {{"message", resumed.error().message}});
    }
  }
  i.log.info("serving", {{"prefix", i.options.prefix}, {"queue_group", i.options.queue_group}});
  return {};
}

bool Service::ready() const { return impl_->ready(); }

bool Service::drain(std::chrono::milliseconds timeout) {
  Impl& i = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
  };
  i.draining.store(true);
  // A long query would hold the drain for its whole deadline, and those queued behind
  // it longer: they stop now, each still answered.
  if (i.long_lane) i.long_lane->cancel();
  if (i.connected.load()) {
    // Connected: NATS drains the subscriptions (the server stops sending, what was
    // delivered is still handled).
    for (natsSubscription* sub : {i.cmd_sub, i.query_sub, i.admin_sub}) {
      if (sub != nullptr) i.note_drain_step(natsSubscription_Drain(sub), "drain");
    }
    for (natsSubscription* sub : {i.cmd_sub, i.query_sub, i.admin_sub}) {
      if (sub != nullptr) {
        i.note_drain_step(natsSubscription_WaitForDrainCompletion(sub, left_ms()),
                          "wait for drain");
      }
    }
  } else {
    // Disconnected: a drain needs the server and would wait out the timeout. Stop
    // deliveries and handle only what NATS.c already queued.
    for (natsSubscription* sub : {i.cmd_sub, i.query_sub, i.admin_sub}) {
      if (sub == nullptr) continue;
      int pending = 0;
      while (natsSubscription_GetPending(sub, &pending, nullptr) == NATS_OK && pending > 0 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  // Nothing may reach the engine after this returns (it is closed next).
  // A subscription whose drain completed is already gone: NATS.c answers
  // NATS_INVALID_SUBSCRIPTION, which is the outcome wanted, not a failed step.
  for (natsSubscription* sub : {i.cmd_sub, i.query_sub, i.admin_sub}) {
    if (sub == nullptr) continue;
    const natsStatus unsubscribed = natsSubscription_Unsubscribe(sub);
    if (unsubscribed != NATS_INVALID_SUBSCRIPTION) i.note_drain_step(unsubscribed, "unsubscribe");
  }
  // A saga waits on other partitions: it stops where it is (the next owner resumes it)
  // and its waiting replies are answered UNAVAILABLE, so the drain does not wait on it.
  if (i.sagas) i.sagas->stop();
  bool done = false;
  {
    std::unique_lock lock(i.idle_mutex);
    done = i.idle.wait_until(lock, deadline, [&] { return i.inflight.load() == 0; });
  }
  // The last signed head: every command is written by now, and the engine is still open.
  if (i.heads) i.heads->stop();
  // Replies queued while disconnected stay in NATS.c's reconnect buffer: no flush wait.
  if (Status flushed = i.outbox->drain(
          i.connected.load() ? static_cast<int>(std::max<int64_t>(100, left_ms())) : 1);
      !flushed) {
    i.log.warn("drain_outbox", {{"message", flushed.error().message}});
  }
  i.log.info("drained", {{"complete", done}, {"in_flight", i.inflight.load()}});
  return done;
}

void Service::refresh_metrics() {
  Impl& i = *impl_;
  if (i.engine == nullptr) return;
  const auto stats = i.engine->stats();
  i.wal_syncs->set(static_cast<double>(stats.syncs));
  i.groups_pipelined->set(static_cast<double>(stats.groups_pipelined));
  i.writer_queue->with({"commands"}).set(static_cast<double>(stats.queued_commands));
  i.writer_queue->with({"bytes"}).set(static_cast<double>(stats.queued_bytes));
  i.writer_queue->with({"peak_commands"}).set(static_cast<double>(stats.queue_peak_commands));
  for (auto [name, lane] :
       {std::pair{"point", i.point_lane.get()}, std::pair{"long", i.long_lane.get()}}) {
    if (lane == nullptr) continue;
    const LaneStats l = lane->stats();
    i.query_queue->with({name, "queries"}).set(static_cast<double>(l.queued));
    i.query_queue->with({name, "peak_queries"}).set(static_cast<double>(l.peak_queued));
  }
  i.expiry_check_failures->set(static_cast<double>(stats.expiry_check_failures));
  i.head_position->set(static_cast<double>(i.engine->head().position.value));
  for (const auto& projection : i.engine->options().projections) {
    const std::string_view view = projection->name();
    if (auto p = i.engine->view_position(view)) {
      i.projection_position->with({view}).set(static_cast<double>(p->value));
    }
  }
}

}  // namespace stockroom::nats_adapter

#include "adapters/nats/settle_outbox.h"

#include <nats/nats.h>

#include <algorithm>
#include <set>
#include <utility>

#include "adapters/nats/rating_forward.h"

namespace stockroom::nats_adapter {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadBatch = 256;       // order events per log read
constexpr size_t kMaxPlacements = 4096;  // orders whose placement is kept in memory
constexpr uint64_t kLogEveryNth = 50;    // of a repeated failure, after its first

// A repeated failure is logged the first time and then every kLogEveryNth.
bool worth_logging(uint64_t failures) { return failures == 1 || failures % kLogEveryNth == 0; }

std::chrono::milliseconds doubled(std::chrono::milliseconds wait, std::chrono::milliseconds first,
                                  std::chrono::milliseconds most) {
  return wait.count() == 0 ? first : std::min(wait * 2, most);
}

}  // namespace

std::unique_ptr<SettleOutbox> SettleOutbox::start(SettleOutboxOptions options,
                                                  const engine::Engine& engine, CursorStore cursor,
                                                  ops::JsonLog& log) {
  std::unique_ptr<SettleOutbox> outbox(
      new SettleOutbox(std::move(options), engine, std::move(cursor), log));
  SettleOutbox* raw = outbox.get();
  outbox->thread_ = std::thread([raw] { raw->run(); });
  return outbox;
}

SettleOutbox::SettleOutbox(SettleOutboxOptions options, const engine::Engine& engine,
                           CursorStore cursor, ops::JsonLog& log)
    : options_(std::move(options)), engine_(engine), cursor_store_(std::move(cursor)), log_(log) {}

SettleOutbox::~SettleOutbox() { stop(); }

void SettleOutbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // Cuts a request in flight short; the thread sees stopping_ next.
    if (connection_ != nullptr) natsConnection_Close(connection_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (connection_ != nullptr) natsConnection_Destroy(connection_);
  connection_ = nullptr;
}

std::optional<Timestamp> SettleOutbox::oldest_recorded() const {
  const int64_t micros = oldest_micros_.load();
  if (micros < 0) return std::nullopt;
  return Timestamp{micros};
}

bool SettleOutbox::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void SettleOutbox::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, timeout, [this] { return stopping_; });
}

void SettleOutbox::run() {
  if (!connect() || !load_cursor()) return;
  log_.info("outbox_started",
            {{"partition", int64_t{options_.partition}}, {"cursor", saved_.value}});
  while (!stopping()) {
    const bool read = read_log();
    const bool sent = send_due();
    settle_front();
    save_cursor(false);
    if (!read && !sent) wait(options_.poll_interval);
  }
  save_cursor(true);
}

bool SettleOutbox::connect() {
  auto opts = make_nats_options(options_.connect);
  if (!opts) {
    log_.error("outbox_connect_failed",
               {{"partition", int64_t{options_.partition}}, {"message", opts.error().message}});
    return false;
  }
  std::chrono::milliseconds pause{0};
  for (uint64_t failures = 1; !stopping(); ++failures) {
    natsConnection* nc = nullptr;
    const natsStatus s = natsConnection_Connect(&nc, *opts);
    if (s == NATS_OK) {
      natsOptions_Destroy(*opts);
      std::lock_guard lock(mu_);
      if (stopping_) {
        natsConnection_Destroy(nc);
        return false;
      }
      connection_ = nc;
      return true;
    }
    if (worth_logging(failures)) {
      log_.warn("outbox_connect_failed",
                {{"partition", int64_t{options_.partition}}, {"message", natsStatus_GetText(s)}});
    }
    pause = doubled(pause, options_.first_backoff, options_.max_backoff);
    wait(pause);
  }
  natsOptions_Destroy(*opts);
  return false;
}

bool SettleOutbox::load_cursor() {
  std::chrono::milliseconds pause{0};
  for (uint64_t failures = 1; !stopping(); ++failures) {
    Result<Position> loaded = cursor_store_.load();
    if (loaded) {
      saved_ = read_to_ = *loaded;
      saved_at_ = SteadyClock::now();
      return true;
    }
    if (worth_logging(failures)) {
      log_.warn("outbox_cursor_unavailable",
                {{"partition", int64_t{options_.partition}}, {"message", loaded.error().message}});
    }
    pause = doubled(pause, options_.first_backoff, options_.max_backoff);
    wait(pause);
  }
  return false;
}

// Reads the order events after read_to_ into pending_. True when it read any.
bool SettleOutbox::read_log() {
  if (pending_.size() >= options_.max_pending) return false;
  const Position head = engine_.head().position;
  if (head <= read_to_) return false;
  auto events =
      engine_.events_from(Position{read_to_.value + 1}, kReadBatch, settle_event_types(), head);
  if (!events) return read_failed(events.error());
  for (const engine::LoggedEvent& logged : *events) {
    const RecordedEvent& event = logged.event;
    const std::optional<OrderId> order = settled_order(event.data);
    if (!order) continue;
    Result<Placement> placed = placement_of(*order);
    if (!placed) {
      read_to_ = Position{event.position.value - 1};
      return read_failed(placed.error());
    }
    if (*placed) {
      for (Settlement& s :
           settlements_of(event, **placed, options_.partition, options_.partitions)) {
        pending_.push_back(Pending{event.position, event.time, std::move(s)});
        depth_.fetch_add(1);
      }
    }
    read_to_ = event.position;
  }
  // Fewer than asked: the read went up to the head.
  if (events->size() < kReadBatch) read_to_ = head;
  read_failures_ = 0;
  return !events->empty();
}

// Logged now and then; read_log() tries again at the next poll.
bool SettleOutbox::read_failed(const Error& error) {
  if (worth_logging(++read_failures_)) {
    log_.warn("outbox_read_failed", {{"partition", int64_t{options_.partition}},
                                     {"failures", read_failures_},
                                     {"message", error.message}});
  }
  return false;
}

Result<SettleOutbox::Placement> SettleOutbox::placement_of(const OrderId& order) {
  if (auto it = placements_.find(order.str()); it != placements_.end()) return it->second;
  auto first = engine_.history(order_stream(order), StreamVersion{0}, 1);
  if (!first) return std::unexpected(first.error());
  Placement placement;
  if (!first->empty()) {
    const auto* placed = std::get_if<OrderPlaced>(&first->front().event.data);
    if (placed != nullptr && placed->stock_elsewhere) placement = placed->lines;
  }
  if (placements_.size() >= kMaxPlacements) placements_.clear();
  placements_.emplace(order.str(), placement);
  return placement;
}

// Sends what is due: per product partition in log order, stopping at the first that is
// not acknowledged or waits out a backoff. True when any was settled.
bool SettleOutbox::send_due() {
  bool settled = false;
  std::set<uint32_t> blocked;
  const auto now = SteadyClock::now();
  for (Pending& pending : pending_) {
    const uint32_t to = pending.settlement.partition;
    if (pending.done || blocked.contains(to)) continue;
    if (auto b = backoff_.find(to); b != backoff_.end() && now < b->second.until) {
      blocked.insert(to);
      continue;
    }
    if (stopping()) break;
    send(pending);
    if (pending.done) {
      settled = true;
    } else {
      blocked.insert(to);
    }
  }
  return settled;
}

void SettleOutbox::send(Pending& pending) {
  const uint32_t to = pending.settlement.partition;
  Result<std::string> reply = request_reply(
      connection_, settle_subject(options_.prefix, pending.settlement),
      settle_request(pending.settlement), wire::Encoding::kJson, options_.request_timeout);
  if (!reply) return back_off(to, reply.error().message);
  const SettleReply judged = judge_settle_reply(*reply);
  if (judged.outcome == SettleOutcome::kRetry) return back_off(to, judged.message);
  if (judged.outcome == SettleOutcome::kRefused) give_up_on(pending, judged);
  pending.done = true;
  depth_.fetch_sub(1);
  acknowledged_since_save_ = true;
  if (auto b = backoff_.find(to); b != backoff_.end()) {
    log_.info("outbox_reached", {{"partition", int64_t{options_.partition}},
                                 {"to_partition", int64_t{to}},
                                 {"failures", b->second.failures}});
    backoff_.erase(b);
  }
}

void SettleOutbox::give_up_on(Pending& pending, const SettleReply& reply) {
  const auto& settle = std::get<SettleStock>(pending.settlement.envelope.command);
  log_.error("outbox_settle_refused", {{"partition", int64_t{options_.partition}},
                                       {"to_partition", int64_t{pending.settlement.partition}},
                                       {"command_id", pending.settlement.envelope.command_id.str()},
                                       {"order_id", settle.order_id.str()},
                                       {"effect", stock_effect_name(settle.effect)},
                                       {"code", reply.code},
                                       {"message", reply.message}});
}

void SettleOutbox::back_off(uint32_t partition, const std::string& why) {
  Backoff& b = backoff_[partition];
  b.wait = doubled(b.wait, options_.first_backoff, options_.max_backoff);
  b.until = SteadyClock::now() + b.wait;
  if (worth_logging(++b.failures)) {
    log_.warn("outbox_retrying", {{"partition", int64_t{options_.partition}},
                                  {"to_partition", int64_t{partition}},
                                  {"failures", b.failures},
                                  {"message", why}});
  }
}

// Drops the settled front of pending_ and publishes the depth and the oldest's time.
void SettleOutbox::settle_front() {
  while (!pending_.empty() && pending_.front().done) pending_.pop_front();
  oldest_micros_ = pending_.empty() ? -1 : pending_.front().recorded.micros;
}

// The cursor is the last position all of whose settlements are acknowledged: just
// before the oldest pending one, or all that was read.
void SettleOutbox::save_cursor(bool force) {
  const Position cursor =
      pending_.empty() ? read_to_ : Position{pending_.front().position.value - 1};
  if (cursor <= saved_) return;
  const auto now = SteadyClock::now();
  if (!force && !acknowledged_since_save_ && now - saved_at_ < options_.idle_save_interval) return;
  saved_at_ = now;
  acknowledged_since_save_ = false;  // a failed save is tried again an interval later
  if (Status saved = cursor_store_.save(cursor); !saved) {
    log_.warn("outbox_cursor_unsaved", {{"partition", int64_t{options_.partition}},
                                        {"cursor", cursor.value},
                                        {"message", saved.error().message}});
    return;
  }
  saved_ = cursor;
}

}  // namespace stockroom::nats_adapter

#include "engine/internal/writer.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include "engine/domain/decide.h"
#include "engine/internal/expiry_schedule.h"
#include "engine/internal/result_codec.h"
#include "events/journal_batch.h"
#include "events/record_codec.h"

namespace stockroom::engine::internal {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Timestamp system_now() {
  using namespace std::chrono;
  return Timestamp{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

Error unavailable(std::string_view why) {
  return Error{ErrorCode::kUnavailable, std::string(why), {}, {}};
}

// The engine's own commands (expiry) are not recorded for idempotency: no caller
// will ever resend them, and their id is derived from the order.
bool is_internal(const CommandEnvelope& envelope) { return is_engine_command(envelope.command); }

}  // namespace

Pending prepare(CommandEnvelope envelope, Completion done) {
  Pending p{std::move(envelope), std::move(done), {}, {}, {}};
  p.checked = check_stateless(p.envelope);
  if (!is_internal(p.envelope)) p.fingerprint = events::command_fingerprint(p.envelope);
  return p;
}

Writer::Writer(events::EventLog& log, ProjectionRuntime& views, const EngineOptions& options)
    : log_(log),
      views_(views),
      options_(options),
      cache_(log, options.cache_capacity, options.snapshot_every),
      committer_([this](events::LogBatch& batch) { return make_durable(batch); }) {
  if (!options_.clock) options_.clock = system_now;
  if (options_.max_group == 0) options_.max_group = 1;
}

Writer::~Writer() { stop(); }

void Writer::start(Timestamp last_logged) {
  last_now_ = last_logged;
  next_expiry_check_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

void Writer::submit(Pending pending) {
  std::string refused;
  {
    std::lock_guard lock(mu_);
    refused = refusal(static_cast<bool>(pending.task), pending.bytes);
    if (refused.empty()) {
      const bool was_empty = queue_.empty();
      queued_bytes_ += pending.bytes;
      queue_.push_back(std::move(pending));
      peak_commands_ = std::max(peak_commands_, queue_.size());
      peak_bytes_ = std::max(peak_bytes_, queued_bytes_);
      if (was_empty) cv_.notify_one();
      return;
    }
  }
  if (pending.task) {
    pending.task(false);  // its owner waits for an answer (writer.h)
    return;
  }
  if (pending.done) pending.done(std::unexpected(unavailable(refused)));
}

std::optional<Error> Writer::refuse_early(size_t bytes) {
  std::string refused;
  {
    std::lock_guard lock(mu_);
    refused = refusal(false, bytes);
  }
  if (refused.empty()) return std::nullopt;
  return unavailable(refused);
}

std::string Writer::refusal(bool task, size_t bytes) {
  if (read_only_.load()) return "the engine is read-only after a storage failure; reopen it";
  if (stopping_) return "the engine is shutting down; retry on another instance";
  // A command that finds the queue empty is always taken, however large: it would never
  // fit otherwise.
  if (task || queue_.empty()) return "";
  if (queue_.size() < options_.max_queued_commands &&
      queued_bytes_ + bytes <= options_.max_queued_bytes) {
    return "";
  }
  busy_.fetch_add(1);
  return "busy: the engine's queue is full (" + std::to_string(queue_.size()) + " commands, " +
         std::to_string(queued_bytes_) + " bytes); nothing was written, retry shortly";
}

void Writer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  committer_.stop();  // the writer drained it before leaving; joins its thread
}

Timestamp Writer::now() const { return options_.clock(); }

EngineStats Writer::stats() const {
  EngineStats s;
  s.commands_accepted = accepted_.load();
  s.commands_refused = refused_.load();
  s.duplicates = duplicates_.load();
  s.groups = groups_.load();
  s.events = events_.load();
  s.expired_orders = expired_.load();
  s.cache_misses = cache_.misses();
  s.expiry_check_failures = expiry_check_failures_.load();
  s.snapshot_loads = cache_.snapshot_loads();
  s.snapshots_ignored = cache_.snapshots_ignored();
  s.commands_busy = busy_.load();
  s.groups_pipelined = pipelined_.load();
  std::lock_guard lock(mu_);
  s.queued_commands = queue_.size();
  s.queued_bytes = queued_bytes_;
  s.queue_peak_commands = peak_commands_;
  s.queue_peak_bytes = peak_bytes_;
  return s;
}

void Writer::run() {
  std::vector<Pending> group;
  for (;;) {
    take_work(group);
    if (group.empty()) {
      std::lock_guard lock(mu_);
      if (stopping_ && queue_.empty()) break;
    }
    add_due_expiries(group);
    if (!group.empty()) process_work(group);
    group.clear();
    // What the group in flight changed stays: the log does not hold it yet.
    cache_.trim(committer_.in_flight() ? in_flight_group_ : std::numeric_limits<uint64_t>::max());
  }
  static_cast<void>(drain());  // the last group's callers are answered by its finish
}

size_t group_cut(const std::vector<Pending>& queue, size_t max_commands, size_t max_bytes) {
  const size_t limit = std::min(queue.size(), std::max<size_t>(max_commands, 1));
  size_t bytes = 0;
  for (size_t n = 0; n < limit; ++n) {
    bytes += queue[n].bytes;
    if (n > 0 && bytes > max_bytes) return n;
  }
  return limit;
}

void Writer::take_work(std::vector<Pending>& group) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, next_expiry_check_, [&] { return !queue_.empty() || stopping_; });
  const size_t cut = group_cut(queue_, options_.max_group, options_.max_group_bytes);
  if (cut == queue_.size()) {
    group.swap(queue_);
    queued_bytes_ = 0;
    return;
  }
  auto first = queue_.begin();
  auto last = first + static_cast<std::ptrdiff_t>(cut);
  group.assign(std::make_move_iterator(first), std::make_move_iterator(last));
  queue_.erase(first, last);
  for (const Pending& p : group) queued_bytes_ -= p.bytes;
}

void Writer::add_due_expiries(std::vector<Pending>& group) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_expiry_check_) return;
  // Set before any return: take_work() sleeps until it, and spins when it is past.
  next_expiry_check_ = now + std::chrono::microseconds(options_.expiry_interval.micros);
  if (read_only_.load()) return;
  auto due = due_expiries(options_.clock());
  if (!due) {
    expiry_check_failures_.fetch_add(1);  // the next check tries again
    if (options_.on_expiry_check_failure) options_.on_expiry_check_failure(due.error());
    return;
  }
  for (CommandEnvelope& e : *due) group.push_back(prepare(std::move(e), {}));
}

Result<std::vector<CommandEnvelope>> Writer::due_expiries(Timestamp now) const {
  constexpr size_t kMaxPerCheck = 1024;
  auto due = log_.scan(kExpirySpace, "", expiry_key_after(now), kMaxPerCheck);
  if (!due) return std::unexpected(due.error());
  std::vector<CommandEnvelope> out;
  out.reserve(due->size());
  for (const auto& [key, value] : *due) {
    std::optional<Command> command = expiry_command(key);
    if (!command) continue;
    // Named after the whole order (and sku), so that an auditor sees which expiry it was.
    CommandId id = engine_command_id(*command);
    out.push_back(
        CommandEnvelope{std::move(id), engine_actor(), std::nullopt, std::move(*command)});
  }
  return out;
}

void Writer::process_work(std::vector<Pending>& work) {
  // Commands between two tasks form one group; a task runs alone, in queue order.
  std::vector<Pending> group;
  for (Pending& p : work) {
    if (!p.task) {
      group.push_back(std::move(p));
      continue;
    }
    if (!group.empty()) process_group(group);
    group.clear();
    // A task (a rebuild) reads and writes the log alone: nothing may be in flight.
    static_cast<void>(drain());
    p.task(!read_only_.load());
  }
  if (!group.empty()) process_group(group);
}

void Writer::process_group(std::vector<Pending>& pendings) {
  auto g = std::make_shared<Group>();
  g->pendings = std::move(pendings);
  g->results.reserve(g->pendings.size());
  // A group already durable is collected first, so that this one begins at the log's
  // head. If it failed, the writer is read-only now and this group is refused below.
  if (committer_.finished()) static_cast<void>(drain());
  if (read_only_.load()) {
    // Queued before the failure: refused without staging anything.
    static_cast<void>(drain());
    cache_.clear();
    fail(*g, unavailable("the engine is read-only after a storage failure; reopen it"));
    return;
  }
  // With a group still in flight, this one begins at its tip and reads through its
  // writes.
  const bool overlapped = committer_.in_flight();
  if (overlapped) pipelined_.fetch_add(1);
  g->id = ++group_seq_;
  g->batch = begin_group_batch(overlapped);
  views_.begin(g->batch.get(), overlapped);
  if (!overlapped) in_flight_seen_.clear();
  cache_.begin_group(g->id);
  g->now = std::max(options_.clock(), last_now_);  // event time never goes backwards
  last_now_ = g->now;
  g->next = Position{g->batch->tip().position.value + 1};
  for (Pending& p : g->pendings) {
    if (g->failure) {
      g->results.push_back(std::unexpected(*g->failure));
      continue;
    }
    g->results.push_back(process_one(p, *g));
  }
  g->events = g->batch->event_count();
  if (!g->failure && g->events > 0) {
    views_.finish(*g->batch, Position{g->next.value - 1});
    if (options_.on_commit) views_.changes(g->committed.views);
  }
  // Nothing of this group is answered or written before the group in flight is
  // durable: a refusal or a duplicate here may rest on what that group changed.
  if (Status before = drain(); !before && !g->failure) {
    g->failure = unavailable(
        "the group before this one was not made durable, so nothing of "
        "this one was written: " +
        before.error().message);
  }
  if (g->failure) {
    cache_.clear();  // it holds this group's changes, never to be written
    fail(*g, *g->failure);
    return;
  }
  if (g->events == 0) {
    answer(*g);  // refusals and duplicates only: nothing to make durable
    return;
  }
  in_flight_seen_ = std::move(g->seen);
  in_flight_tip_ = g->batch->tip();
  in_flight_group_ = g->id;
  std::unique_ptr<events::LogBatch> batch = std::move(g->batch);
  committer_.start({std::move(batch), [this, g](const Status& made) { finish_durable(*g, made); }});
}

// One node: the RocksDB write. Cluster mode: the stream first (the quorum ack), then
// the RocksDB write with the applied sequence, so the local log is always a prefix of
// the stream.
Status Writer::make_durable(events::LogBatch& batch) {
  if (!options_.replicate) return log_.commit(batch);
  auto& journaled = static_cast<events::JournalBatch&>(batch);  // begin_group made it
  if (Status replicated = options_.replicate(journaled.journal(), journaled.inner()); !replicated) {
    return replicated;
  }
  return log_.commit(journaled.inner());
}

std::unique_ptr<events::LogBatch> Writer::begin_group_batch(bool overlapped) {
  std::unique_ptr<events::LogBatch> batch =
      overlapped ? log_.begin_batch_after(in_flight_tip_) : log_.begin_batch();
  if (!options_.replicate) return batch;
  return std::make_unique<events::JournalBatch>(std::move(batch));
}

Status Writer::drain() {
  Status made = committer_.wait();
  if (!made) {
    cache_.clear();
    in_flight_seen_.clear();
  }
  return made;
}

Result<CommandResult> Writer::process_one(const Pending& pending, Group& g) {
  const CommandEnvelope& envelope = pending.envelope;
  const bool internal = is_internal(envelope);
  const events::Hash& fingerprint = pending.fingerprint;
  if (pending.check_only) {
    auto decided = decide_one(pending, g);
    if (!decided) return std::unexpected(std::move(decided.error()));
    return CommandResult{envelope.command_id, false, {}, {}};
  }
  if (!internal) {
    // Idempotency first: a reused command id is CONFLICT (or the original result)
    // whatever is wrong with the new body.
    if (auto known = check_idempotency(envelope, fingerprint, g)) return std::move(*known);
  }
  auto decided = decide_one(pending, g);
  if (!decided) return std::unexpected(std::move(decided.error()));

  CommandResult result{envelope.command_id, false, {}, {}};
  for (const EventData& event : *decided) {
    if (auto staged = stage_event(event, envelope, g, result); !staged) {
      g.failure = staged.error();
      return std::unexpected(*g.failure);
    }
  }
  if (!internal) {
    encode_result(result, result_buffer_);
    g.batch->put_command(envelope.command_id,
                         events::CommandRecord{fingerprint, g.now, result_buffer_});
    g.seen[envelope.command_id.str()] = Seen{fingerprint, result};
  }
  return result;
}

Result<std::vector<EventData>> Writer::decide_one(const Pending& pending, Group& g) {
  if (!pending.checked) return std::unexpected(pending.checked.error());
  const DecideContext context{g.now, options_.reservation_ttl, options_.max_cart_lines,
                              options_.partition};
  auto decided = decide_checked(pending.envelope, cache_, context);
  if (auto error = cache_.take_error()) {
    g.failure = unavailable("storage read failed: " + error->message);
    return std::unexpected(*g.failure);
  }
  return decided;
}

std::optional<Result<CommandResult>> Writer::check_idempotency(const CommandEnvelope& envelope,
                                                               const events::Hash& fingerprint,
                                                               Group& g) {
  auto conflict = [&] {
    return Result<CommandResult>(std::unexpected(
        Error{ErrorCode::kConflict,
              "command_id " + envelope.command_id.str() + " was already used for another command",
              {{"command_id", envelope.command_id.str()}},
              {}}));
  };
  // This group's commands, then those of the group in flight, then the log's.
  for (const auto* seen : {&g.seen, &in_flight_seen_}) {
    if (auto it = seen->find(envelope.command_id.str()); it != seen->end()) {
      if (it->second.fingerprint != fingerprint) return conflict();
      CommandResult again = it->second.result;
      again.duplicate = true;
      return again;
    }
  }
  auto stored = log_.find_command(envelope.command_id);
  if (!stored) {
    g.failure = unavailable("storage read failed: " + stored.error().message);
    return std::unexpected(*g.failure);
  }
  if (!*stored) return std::nullopt;
  if ((*stored)->fingerprint != fingerprint) return conflict();
  auto original = load_result((*stored)->result, log_);
  if (!original) return std::unexpected(original.error());
  original->command_id = envelope.command_id;
  original->duplicate = true;
  return std::move(*original);
}

Status Writer::stage_event(const EventData& event, const CommandEnvelope& envelope, Group& g,
                           CommandResult& result) {
  RecordedEvent recorded{g.next,
                         stream_of(event),
                         StreamVersion{},
                         g.now,
                         envelope.command_id,
                         envelope.actor,
                         kEventSchemaVersion,
                         event};
  // A hold that stops being held leaves the schedule: its key has the deadline the
  // state holds before this event.
  std::optional<std::string> unscheduled = held_expiry_key(event);
  recorded.version = cache_.apply(event, g.now);
  if (auto error = cache_.take_error()) return std::unexpected(*error);
  if (unscheduled) g.batch->remove(kExpirySpace, *unscheduled);
  events::encode_event(recorded, record_buffer_);
  // The cache gave the version: the batch need not seek the stream index for it.
  auto appended =
      g.batch->append(recorded.position, recorded.stream, recorded.version, g.now,
                      bytes_of(record_buffer_), events::LogBatch::VersionCheck::kCaller);
  if (!appended) return std::unexpected(appended.error());
  cache_.stage_snapshot(recorded.stream, recorded.version, recorded.position, *appended, *g.batch);
  if (options_.on_commit) g.committed.events.push_back(LoggedEvent{recorded, *appended});
  if (auto viewed = views_.apply(recorded); !viewed) return viewed;
  schedule_expiry(event, g);
  result.position = recorded.position;
  result.events.push_back(EventRef{std::string(event_type_name(event)), std::move(recorded.stream),
                                   recorded.version, recorded.position});
  ++g.next.value;
  return {};
}

std::optional<std::string> Writer::held_expiry_key(const EventData& event) {
  const Sku* sku = nullptr;
  const OrderId* order = nullptr;
  if (const auto* e = std::get_if<HoldConfirmed>(&event)) {
    sku = &e->sku;
    order = &e->order_id;
  } else if (const auto* e = std::get_if<HoldReleased>(&event)) {
    sku = &e->sku;
    order = &e->order_id;
  } else {
    return std::nullopt;
  }
  const HoldEntry* held = cache_.product(*sku).hold(*order);
  if (held == nullptr || held->status != HoldStatus::kHeld) return std::nullopt;
  return hold_expiry_key(held->expires_at, *sku, *order);
}

void Writer::schedule_expiry(const EventData& event, Group& g) {
  if (const auto* hold = std::get_if<HoldPlaced>(&event)) {
    g.batch->put(kExpirySpace, hold_expiry_key(hold->expires_at, hold->sku, hold->order_id), "");
    return;
  }
  if (const auto* placed = std::get_if<OrderPlaced>(&event)) {
    g.batch->put(kExpirySpace, expiry_key(placed->expires_at, placed->order_id), "");
    return;
  }
  const OrderId* settled = nullptr;
  if (const auto* e = std::get_if<OrderPaid>(&event)) settled = &e->order_id;
  if (const auto* e = std::get_if<OrderCancelled>(&event)) settled = &e->order_id;
  if (const auto* e = std::get_if<OrderExpired>(&event)) {
    settled = &e->order_id;
    ++g.expired;
  }
  if (settled != nullptr) {
    g.batch->remove(kExpirySpace, expiry_key(cache_.order(*settled).expires_at, *settled));
  }
}

void Writer::fail(Group& g, const Error& error) {
  if (!read_only_.exchange(true) && options_.on_fault) options_.on_fault(error);
  g.results.resize(g.pendings.size(), std::unexpected(error));
  for (auto& r : g.results) r = std::unexpected(error);
  answer(g);
}

void Writer::finish_durable(Group& g, const Status& made) {
  if (!made) {
    // A failed fsync may still leave the group's bytes on disk: the callers learn that
    // it was not acknowledged, and a resend with the same command_id is safe either way.
    fail(g, unavailable("storage write failed, the group was not acknowledged (resend with "
                        "the same command_id): " +
                        made.error().message));
    return;
  }
  groups_.fetch_add(1);
  events_.fetch_add(g.events);
  expired_.fetch_add(g.expired);
  if (options_.on_commit) {
    g.committed.commands = g.pendings.size();
    options_.on_commit(std::move(g.committed));
  }
  answer(g);
}

void Writer::answer(Group& g) {
  for (size_t i = 0; i < g.pendings.size(); ++i) {
    count(g.results[i]);
    if (g.pendings[i].done) g.pendings[i].done(std::move(g.results[i]));
  }
}

void Writer::count(const Result<CommandResult>& r) {
  if (!r) {
    refused_.fetch_add(1);
  } else if (r->duplicate) {
    duplicates_.fetch_add(1);
  } else {
    accepted_.fetch_add(1);
  }
}

}  // namespace stockroom::engine::internal

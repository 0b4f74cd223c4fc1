#include "engine/engine.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <optional>
#include <utility>

#include "engine/internal/expiry_schedule.h"
#include "engine/internal/follower_log.h"
#include "engine/internal/snapshot_codec.h"
#include "engine/internal/writer.h"
#include "engine/offline.h"
#include "events/journal_batch.h"
#include "events/record_codec.h"

namespace stockroom::engine {

struct Engine::Impl {
  EngineOptions options;
  std::unique_ptr<events::EventLog> log;
  std::unique_ptr<internal::ProjectionRuntime> views;
  std::unique_ptr<internal::Writer> writer;
};

namespace internal {

events::LogOptions writable_log_options(const EngineOptions& options) {
  events::LogOptions log_options;
  log_options.durability = options.durability;
  log_options.batch_sync_interval_ms = options.batch_sync_interval_ms;
  log_options.idempotency_retention = options.idempotency_retention;
  log_options.clock = options.clock;
  log_options.spaces = ProjectionRuntime::spaces(options.projections);
  log_options.spaces.emplace_back(kExpirySpace);
  log_options.spaces.emplace_back(kSnapshotSpace);
  log_options.spaces.emplace_back(events::kReplicationSpace);
  log_options.env = options.env;
  return log_options;
}

// The time of the head event (0 for an empty log).
Result<Timestamp> last_event_time(const events::EventLog& log) {
  const events::Head head = log.head();
  if (head.position.value == 0) return Timestamp{};
  auto stored = log.read(head.position);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) {
    return std::unexpected(
        Error{ErrorCode::kInvalidState,
              "the head event " + std::to_string(head.position.value) + " is missing from the log",
              {},
              {}});
  }
  const std::string& record = (*stored)->record;
  auto event =
      events::decode_event({reinterpret_cast<const uint8_t*>(record.data()), record.size()});
  if (!event) return std::unexpected(event.error());
  return event->time;
}

}  // namespace internal

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options) {
  auto log = events::EventLog::open(options.data_dir, internal::writable_log_options(options));
  if (!log) return std::unexpected(log.error());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->log = std::move(*log);
  impl->views = std::make_unique<internal::ProjectionRuntime>(*impl->log, options.projections,
                                                              options.view_cache_bytes);
  if (auto s = impl->views->open(); !s) return std::unexpected(s.error());
  // A projection registered since the last run (or behind for any reason) catches up
  // before the first command, so every view is at the head when commands start.
  if (auto caught = impl->views->catch_up({}); !caught) return std::unexpected(caught.error());
  auto last_logged = internal::last_event_time(*impl->log);
  if (!last_logged) return std::unexpected(last_logged.error());
  impl->writer = std::make_unique<internal::Writer>(*impl->log, *impl->views, options);
  impl->writer->start(*last_logged);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  // The writer finishes what was submitted before the log closes under it.
  impl_->writer->stop();
  impl_->writer.reset();
  impl_->views.reset();
  impl_->log.reset();
}

namespace {

// What a queued command holds: the Pending itself (envelope, completion) and its
// variable parts, measured by the request it was decoded from (decoded fields take no
// more than their encoding), or by its ids when there is none.
size_t queued_size(const CommandEnvelope& envelope, size_t request_bytes) {
  const size_t ids = envelope.command_id.str().size() + envelope.actor.id.str().size();
  return sizeof(internal::Pending) + std::max(request_bytes, ids);
}

// submit() and check(): the same queue, the same refusals.
void enqueue(internal::Writer& writer, CommandEnvelope envelope, Completion done,
             size_t request_bytes, bool check_only) {
  const size_t bytes = queued_size(envelope, request_bytes);
  // Refused before the checks and the fingerprint when the queue has no room: under
  // overload a refusal must cost as little as it can. submit() decides again.
  if (std::optional<Error> busy = writer.refuse_early(bytes)) {
    if (done) done(std::unexpected(std::move(*busy)));
    return;
  }
  // The checks that need no state and the fingerprint run here, on the caller's
  // thread: the single writer only does what needs the states.
  internal::Pending pending = internal::prepare(std::move(envelope), std::move(done));
  pending.bytes = bytes;
  pending.check_only = check_only;
  writer.submit(std::move(pending));
}

}  // namespace

void Engine::submit(CommandEnvelope envelope, Completion done, size_t request_bytes) {
  enqueue(*impl_->writer, std::move(envelope), std::move(done), request_bytes, false);
}

void Engine::check(CommandEnvelope envelope, Completion done, size_t request_bytes) {
  enqueue(*impl_->writer, std::move(envelope), std::move(done), request_bytes, true);
}

std::future<Result<CommandResult>> Engine::submit(CommandEnvelope envelope) {
  auto promise = std::make_shared<std::promise<Result<CommandResult>>>();
  auto future = promise->get_future();
  submit(std::move(envelope),
         [promise](Result<CommandResult> r) { promise->set_value(std::move(r)); });
  return future;
}

Result<CommandResult> Engine::execute(CommandEnvelope envelope) {
  return submit(std::move(envelope)).get();
}

Result<size_t> Engine::expire_due() {
  auto due = impl_->writer->due_expiries(impl_->writer->now());
  if (!due) return std::unexpected(due.error());
  std::vector<std::future<Result<CommandResult>>> waiting;
  waiting.reserve(due->size());
  for (CommandEnvelope& e : *due) waiting.push_back(submit(std::move(e)));
  size_t expired = 0;
  std::optional<Error> failure;
  for (auto& f : waiting) {
    Result<CommandResult> r = f.get();
    if (r) {
      ++expired;
    } else if (r.error().code == ErrorCode::kUnavailable) {
      // Not a settlement: the order may still be due.
      if (!failure) failure = std::move(r.error());
    }
    // Any other refusal means the order was settled in the meantime: nothing to expire.
  }
  if (failure) return std::unexpected(std::move(*failure));
  return expired;
}

Result<std::vector<LoggedEvent>> decode_all(const std::vector<events::StoredEvent>& stored) {
  std::vector<LoggedEvent> out;
  out.reserve(stored.size());
  for (const events::StoredEvent& s : stored) {
    auto decoded =
        events::decode_event({reinterpret_cast<const uint8_t*>(s.record.data()), s.record.size()});
    if (!decoded) return std::unexpected(decoded.error());
    out.push_back(LoggedEvent{std::move(*decoded), s.hash});
  }
  return out;
}

namespace {

// Reads and decodes [from, to] (at most `limit`) into `out`.
Status decode_range(const events::EventLog& log, Position from, Position to, size_t limit,
                    std::vector<LoggedEvent>& out) {
  auto visited = log.visit_range(
      from, to, limit, [&](Position, std::string_view record, const events::Hash& hash) -> Status {
        auto decoded =
            events::decode_event({reinterpret_cast<const uint8_t*>(record.data()), record.size()});
        if (!decoded) return std::unexpected(decoded.error());
        out.push_back(LoggedEvent{std::move(*decoded), hash});
        return {};
      });
  if (!visited) return std::unexpected(visited.error());
  return {};
}

// Below this many events a second thread costs more than it saves.
constexpr uint64_t kParallelReadMin = 512;

}  // namespace

Result<std::vector<LoggedEvent>> read_decoded(const events::EventLog& log, Position from,
                                              Position to, size_t limit) {
  std::vector<LoggedEvent> out;
  // Positions are gap-free, so the range holds exactly last - first + 1 events: a long
  // one is read and decoded in two halves at once, the upper half on a second thread
  // (reading and decoding are CPU work on a log in the page cache).
  const uint64_t first = std::max<uint64_t>(from.value, 1);
  const uint64_t last =
      std::min({to.value, log.head().position.value, first + std::max<size_t>(limit, 1) - 1});
  if (limit == 0 || first > last) return out;
  const uint64_t count = last - first + 1;
  out.reserve(static_cast<size_t>(count));
  if (count < kParallelReadMin) {
    if (Status s = decode_range(log, Position{first}, Position{last}, count, out); !s) {
      return std::unexpected(s.error());
    }
    return out;
  }
  const uint64_t middle = first + count / 2;
  std::vector<LoggedEvent> upper;
  auto upper_done = std::async(std::launch::async, [&] {
    upper.reserve(static_cast<size_t>(last - middle + 1));
    return decode_range(log, Position{middle}, Position{last}, last - middle + 1, upper);
  });
  Status lower = decode_range(log, Position{first}, Position{middle - 1}, middle - first, out);
  Status higher = upper_done.get();
  if (!lower) return std::unexpected(lower.error());
  if (!higher) return std::unexpected(higher.error());
  std::move(upper.begin(), upper.end(), std::back_inserter(out));
  return out;
}

Result<std::vector<LoggedEvent>> Engine::history(const std::string& stream,
                                                 StreamVersion from_version, size_t limit) const {
  auto stored = impl_->log->read_stream(stream, from_version, limit);
  if (!stored) return std::unexpected(stored.error());
  return decode_all(*stored);
}

Result<std::vector<LoggedEvent>> Engine::events_from(Position from, size_t limit,
                                                     const std::vector<std::string>& types,
                                                     std::optional<Position> to) const {
  const Position head = std::min(impl_->log->head().position, to.value_or(Position{UINT64_MAX}));
  if (types.empty()) return read_decoded(*impl_->log, from, head, limit);
  std::vector<LoggedEvent> out;
  constexpr size_t kChunk = 1024;
  for (Position next = from; next <= head && out.size() < limit;) {
    auto decoded = read_decoded(*impl_->log, next, head, kChunk);
    if (!decoded) return std::unexpected(decoded.error());
    if (decoded->empty()) break;
    next = Position{decoded->back().event.position.value + 1};
    for (LoggedEvent& e : *decoded) {
      const auto type = event_type_name(e.event.data);
      if (out.size() < limit && std::find(types.begin(), types.end(), type) != types.end()) {
        out.push_back(std::move(e));
      }
    }
  }
  return out;
}

Result<std::optional<std::string>> Engine::view(std::string_view name, std::string_view key) const {
  return impl_->views->get(name, key);
}

Result<std::vector<std::pair<std::string, std::string>>> Engine::scan_view(
    std::string_view name, std::string_view after_key, size_t limit) const {
  return impl_->views->scan(name, after_key, limit);
}

Result<Position> Engine::view_position(std::string_view name) const {
  return impl_->views->checkpoint(name);
}

Result<std::string> Engine::as_of(const std::string& stream, Position position) const {
  return fold_as_of(*impl_->log, stream, position);
}

Result<std::string> Engine::as_of(const std::string& stream, Timestamp time) const {
  return fold_as_of(*impl_->log, stream, time);
}

Result<RebuildReport> Engine::rebuild(const std::string& name, ProgressFn progress) {
  auto promise = std::make_shared<std::promise<Result<RebuildReport>>>();
  auto future = promise->get_future();
  internal::Writer* writer = impl_->writer.get();
  internal::ProjectionRuntime* views = impl_->views.get();
  internal::Pending task;
  task.task = [=](bool run) {
    if (!run || writer->read_only()) {
      promise->set_value(
          fail(ErrorCode::kUnavailable, "the engine is read-only or shutting down; reopen it"));
      return;
    }
    promise->set_value(views->rebuild(name, progress));
  };
  writer->submit(std::move(task));
  return future.get();
}

Result<events::VerifyReport> Engine::verify(Position from, Position to) const {
  return impl_->log->verify(from, to);
}

events::Head Engine::head() const { return impl_->log->head(); }

Result<events::Head> Engine::checkpoint(const std::string& target) const {
  return impl_->log->checkpoint(target);
}

bool Engine::read_only() const { return impl_->writer->read_only(); }

EngineStats Engine::stats() const {
  EngineStats stats = impl_->writer->stats();
  stats.syncs = impl_->log->syncs();
  stats.view_cache_hits = impl_->views->view_cache_hits();
  return stats;
}

const EngineOptions& Engine::options() const { return impl_->options; }

}  // namespace stockroom::engine

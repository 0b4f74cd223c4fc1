#include "engine/engine.h"

#include <utility>

#include "engine/internal/expiry_schedule.h"
#include "engine/internal/writer.h"
#include "events/record_codec.h"

namespace stockroom::engine {

struct Engine::Impl {
  EngineOptions options;
  std::unique_ptr<events::EventLog> log;
  std::unique_ptr<internal::Writer> writer;
};

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options) {
  events::LogOptions log_options;
  log_options.durability = options.durability;
  log_options.batch_sync_interval_ms = options.batch_sync_interval_ms;
  log_options.idempotency_retention = options.idempotency_retention;
  log_options.clock = options.clock;
  log_options.spaces = {std::string(internal::kExpirySpace)};
  log_options.env = options.env;
  auto log = events::EventLog::open(options.data_dir, log_options);
  if (!log) return std::unexpected(log.error());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->log = std::move(*log);
  impl->writer = std::make_unique<internal::Writer>(*impl->log, options);
  impl->writer->start();
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  // The writer finishes what was submitted before the log closes under it.
  impl_->writer->stop();
  impl_->writer.reset();
  impl_->log.reset();
}

void Engine::submit(CommandEnvelope envelope, Completion done) {
  impl_->writer->submit(internal::Pending{std::move(envelope), std::move(done)});
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
  for (auto& f : waiting) {
    // A refusal means the order was settled in the meantime: nothing to expire.
    if (f.get().has_value()) ++expired;
  }
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

Result<std::vector<LoggedEvent>> Engine::history(const std::string& stream,
                                                 StreamVersion from_version, size_t limit) const {
  auto stored = impl_->log->read_stream(stream, from_version, limit);
  if (!stored) return std::unexpected(stored.error());
  return decode_all(*stored);
}

Result<std::vector<LoggedEvent>> Engine::events_from(Position from, size_t limit) const {
  auto stored = impl_->log->read_range(from, impl_->log->head().position, limit);
  if (!stored) return std::unexpected(stored.error());
  return decode_all(*stored);
}

Result<events::VerifyReport> Engine::verify(Position from, Position to) const {
  return impl_->log->verify(from, to);
}

events::Head Engine::head() const { return impl_->log->head(); }

bool Engine::read_only() const { return impl_->writer->read_only(); }

EngineStats Engine::stats() const { return impl_->writer->stats(); }

const EngineOptions& Engine::options() const { return impl_->options; }

}  // namespace stockroom::engine

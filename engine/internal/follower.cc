#include "engine/follower.h"

#include <string>
#include <utility>

#include "engine/internal/follower_log.h"
#include "events/journal_batch.h"

namespace stockroom::engine {

std::string encode_applied_sequence(uint64_t sequence) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return out;
}

Result<uint64_t> Follower::applied_sequence_of(const events::EventLog& log) {
  auto stored = log.get(events::kReplicationSpace, events::kAppliedSequenceKey);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return uint64_t{0};
  if ((*stored)->size() != 8) {
    return fail(ErrorCode::kMalformed, "the applied stream sequence is not 8 bytes");
  }
  uint64_t v = 0;
  for (const char c : **stored) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

Result<std::unique_ptr<Follower>> Follower::open(const EngineOptions& options) {
  auto log = events::EventLog::open(options.data_dir, internal::writable_log_options(options));
  if (!log) return std::unexpected(log.error());
  auto applied = applied_sequence_of(**log);
  if (!applied) return std::unexpected(applied.error());
  return std::unique_ptr<Follower>(new Follower(std::move(*log), *applied));
}

Follower::Follower(std::unique_ptr<events::EventLog> log, uint64_t applied)
    : log_(std::move(log)), applied_(applied) {}

Follower::~Follower() = default;

events::Head Follower::head() const { return log_->head(); }

Status Follower::apply(uint64_t sequence, std::string_view journal) {
  if (sequence <= applied_) {
    return fail(ErrorCode::kConflict, "stream message " + std::to_string(sequence) +
                                          " is applied already (at " + std::to_string(applied_) +
                                          ")");
  }
  std::unique_ptr<events::LogBatch> batch = log_->begin_batch();
  if (Status s = events::apply_journal(journal, *batch); !s) return s;
  batch->put(events::kReplicationSpace, events::kAppliedSequenceKey,
             encode_applied_sequence(sequence));
  if (Status s = log_->commit(*batch); !s) return s;
  applied_ = sequence;
  return {};
}

}  // namespace stockroom::engine

#include "adapters/tools/replay.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "adapters/tools/csv.h"
#include "adapters/wire/wire.h"
#include "engine/model/event.h"
#include "events/record_codec.h"

namespace stockroom::tools {
namespace {

constexpr size_t kChunk = 4096;          // events per read
constexpr size_t kFlushBytes = 1 << 20;  // output block size
constexpr size_t kChunksAhead = 2;       // decoded chunks waiting to be written, at most

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::ranges::find(names, name) != names.end();
}

// One event that passed the filter, ready to be written.
struct Selected {
  engine::LoggedEvent event;
  std::string record;                 // with_raw only
  events::Hash prev{};                // with_raw only: the chain hash before it
  std::optional<uint32_t> partition;  // a merged replay of a cluster's partitions
};

// A chunk of the log as read: what passed the filter and how far the read got.
struct Chunk {
  std::vector<Selected> events;
  uint64_t read = 0;
  Position last;
};

Result<events::Hash> hash_before(const events::EventLog& log, Position position) {
  if (position.value <= 1) return events::Hash{};
  auto stored = log.read(Position{position.value - 1});
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) {
    return fail(ErrorCode::kNotFound,
                "the log has no position before " + std::to_string(position.value));
  }
  return (*stored)->hash;
}

// Decodes what was read and keeps what the filter lets through (everything but the
// position range, which the readers decide), with the hash before each event.
class Selector {
 public:
  Selector(const events::EventLog& log, const ReplayOptions& options)
      : log_(log), options_(options) {}

  [[nodiscard]] Status take(Position p, std::string_view record, const events::Hash& hash,
                            Chunk& chunk) {
    ++chunk.read;
    chunk.last = p;
    auto decoded =
        events::decode_event({reinterpret_cast<const uint8_t*>(record.data()), record.size()});
    if (!decoded) {
      return fail(ErrorCode::kMalformed, "position " + std::to_string(p.value) +
                                             " cannot be decoded: " + decoded.error().message);
    }
    if (matches(*decoded)) {
      Selected s{engine::LoggedEvent{std::move(*decoded), hash}, {}, {}};
      if (options_.with_raw) {
        s.record.assign(record);
        if (prev_ && prev_->first.value + 1 == p.value) {
          s.prev = prev_->second;
        } else {
          auto before = hash_before(log_, p);
          if (!before) return std::unexpected(before.error());
          s.prev = *before;
        }
      }
      chunk.events.push_back(std::move(s));
    }
    prev_ = {p, hash};
    return {};
  }

 private:
  [[nodiscard]] bool matches(const RecordedEvent& e) const {
    const ReplayFilter& f = options_.filter;
    if (f.since && e.time < *f.since) return false;
    if (f.until && e.time >= *f.until) return false;
    if (!f.types.empty() && !contains(f.types, event_type_name(e.data))) return false;
    if (!f.kinds.empty()) {
      auto kind = wire::stream_kind(e.stream);
      if (!kind || !contains(f.kinds, kind->kind)) return false;
    }
    return true;
  }

  const events::EventLog& log_;
  const ReplayOptions& options_;
  // The hash of the last position taken: the next one's prev_hash without a read.
  std::optional<std::pair<Position, events::Hash>> prev_;
};

// Formats events into blocks and hands full blocks to the sink.
class Output {
 public:
  Output(const ReplayOptions& options, const Sink& sink, bool partitioned = false)
      : options_(options), sink_(sink) {
    if (options_.format != ReplayFormat::kCsv) return;
    if (partitioned) buffer_ += "partition,";
    buffer_ += csv_header(options_.with_raw);
  }

  [[nodiscard]] Status write(const Chunk& chunk) {
    for (const Selected& s : chunk.events) {
      if (options_.format == ReplayFormat::kJsonLines) {
        const wire::RawRecord raw{s.record, s.prev};
        const size_t start = buffer_.size();
        wire::append_event_json(s.event, options_.with_raw ? &raw : nullptr, buffer_);
        // As the service marks what a partition pushes (nats-api.md): the first field.
        if (s.partition) {
          buffer_.insert(start + 1, "\"partition\":" + std::to_string(*s.partition) + ",");
        }
      } else {
        csv_row(s);
      }
      buffer_.push_back('\n');
      ++written_;
      if (buffer_.size() >= kFlushBytes) {
        if (Status f = flush(); !f) return f;
      }
    }
    return {};
  }

  [[nodiscard]] Status flush() {
    if (buffer_.empty()) return {};
    Status s = sink_(buffer_);
    buffer_.clear();
    return s;
  }

  [[nodiscard]] uint64_t written() const { return written_; }

 private:
  void csv_row(const Selected& s) {
    const RecordedEvent& e = s.event.event;
    auto field = [&](std::string_view text, bool last = false) {
      append_csv_field(buffer_, text);
      if (!last) buffer_.push_back(',');
    };
    if (s.partition) field(std::to_string(*s.partition));
    field(std::to_string(e.position.value));
    field(wire::time_text(e.time));
    field(e.stream);
    field(std::to_string(e.version.value));
    field(event_type_name(e.data));
    field(e.command_id.str());
    field(e.actor.id.str());
    field(role_name(e.actor.role));
    field(events::to_hex(s.event.hash));
    wire::event_data_json(s.event, line_);
    field(line_, !options_.with_raw);
    if (options_.with_raw) {
      field(events::to_hex(s.prev));
      line_.clear();
      wire::append_base64(s.record, line_);
      field(line_, true);
    }
  }

  const ReplayOptions& options_;
  const Sink& sink_;
  std::string buffer_;
  std::string line_;
  uint64_t written_ = 0;
};

// The state of one replay, shared by the readers.
struct Run {
  events::EventLog& log;
  const ReplayOptions& options;
  Selector select;  // the stream reader's; each range reader thread has its own
  Output out;
  ReplayStats stats;

  // Writes a chunk and counts what was read.
  [[nodiscard]] Status write(const Chunk& chunk) {
    stats.read += chunk.read;
    if (chunk.read > 0) stats.last = chunk.last;
    return out.write(chunk);
  }

  void progress(Position head) {
    if (options.progress) options.progress(out.written(), stats.last, head);
  }

  [[nodiscard]] bool stopped() const {
    return options.stop != nullptr && options.stop->load(std::memory_order_relaxed);
  }
};

// Hands chunks from a reading thread to the writing one, a few at most, so that memory
// stays bounded.
class ChunkQueue {
 public:
  // False once the consumer has cancelled: the producer stops.
  bool push(Chunk chunk) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return cancelled_ || chunks_.size() < kChunksAhead; });
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    ready_.notify_one();
    return true;
  }
  // The next chunk; nullopt after close() once all were taken.
  std::optional<Chunk> pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return std::nullopt;
    Chunk c = std::move(chunks_.front());
    chunks_.pop_front();
    room_.notify_one();
    return c;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_all();
  }
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    room_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<Chunk> chunks_;
  bool closed_ = false;
  bool cancelled_ = false;
};

// Reads position ranges: the whole log, or the span a time filter allows. Reading and
// decoding take more than half the work, so two threads each read every other chunk
// (positions are gap-free: chunk k is [from + k * kChunk, ...]) while this one writes
// the chunks in order.
class RangeReader {
 public:
  static constexpr size_t kReaders = 2;

  explicit RangeReader(Run& run)
      : run_(run), next_(std::max(run.options.filter.from, Position{1})) {}

  // Narrows the first pass to the events the time filter can match.
  [[nodiscard]] Status plan(Position head) {
    const ReplayFilter& f = run_.options.filter;
    if (!f.since && !f.until) return {};
    const Timestamp since = f.since.value_or(Timestamp{INT64_MIN});
    const Timestamp until = f.until.value_or(Timestamp{INT64_MAX});
    auto span = run_.log.span_in_time(since, until);
    if (!span) return std::unexpected(span.error());
    // Past the span nothing up to this head matches: a follower goes on after it.
    resume_ = Position{head.value + 1};
    if (!*span) {
      next_ = resume_;
      return {};
    }
    next_ = std::max(next_, (*span)->first);
    limit_ = (*span)->last;
    return {};
  }

  [[nodiscard]] Status pass(Position head) {
    const Position end = std::min({head, limit_.value_or(head), to()});
    if (next_ <= end) {
      if (Status s = read_and_write(next_, end, head); !s) return s;
      next_ = std::max(next_, Position{run_.stats.last.value + 1});
    }
    if (limit_ && next_ > *limit_) next_ = std::max(next_, resume_);
    limit_.reset();
    return {};
  }

  [[nodiscard]] bool done() const { return next_ > to(); }

 private:
  [[nodiscard]] Position to() const {
    return run_.options.filter.to.value_or(Position{UINT64_MAX - 1});
  }

  [[nodiscard]] Status read_and_write(Position from, Position end, Position head) {
    std::array<ChunkQueue, kReaders> queues;
    std::array<Status, kReaders> read_status;
    std::vector<std::thread> readers;
    for (size_t r = 0; r < kReaders; ++r) {
      readers.emplace_back([&, r] {
        read_status[r] = produce(from, end, r, queues[r]);
        queues[r].close();
      });
    }
    Status write_status;
    for (size_t k = 0;; ++k) {
      std::optional<Chunk> chunk = queues[k % kReaders].pop();
      if (!chunk) break;
      if (write_status) write_status = run_.write(*chunk);
      if (!write_status || run_.stopped()) {
        for (ChunkQueue& q : queues) q.cancel();
      }
      run_.progress(head);
    }
    for (ChunkQueue& q : queues) q.cancel();  // a reader ahead of a failed one stops
    for (std::thread& t : readers) t.join();
    for (const Status& s : read_status) {
      if (!s) return s;
    }
    return write_status;
  }

  // Reader `r`: chunks r, r + kReaders, ... of [from, end] into its queue.
  [[nodiscard]] Status produce(Position from, Position end, size_t r, ChunkQueue& queue) {
    Selector select(run_.log, run_.options);
    for (uint64_t first = from.value + r * kChunk; first <= end.value; first += kReaders * kChunk) {
      const Position last{std::min(end.value, first + kChunk - 1)};
      Chunk chunk;
      chunk.events.reserve(kChunk);
      auto visited =
          run_.log.visit_range(Position{first}, last, kChunk,
                               [&](Position p, std::string_view record, const events::Hash& h) {
                                 return select.take(p, record, h, chunk);
                               });
      if (!visited) return std::unexpected(visited.error());
      if (*visited == 0 || !queue.push(std::move(chunk))) break;
    }
    return {};
  }

  Run& run_;
  Position next_;
  std::optional<Position> limit_;  // the first pass's end when a time filter narrows it
  Position resume_;
};

// Reads the named streams through the stream index and merges them by position.
class StreamReader {
 public:
  explicit StreamReader(Run& run) : run_(run) {
    for (const std::string& s : run.options.filter.streams) {
      if (std::ranges::none_of(cursors_, [&](const Cursor& c) { return c.stream == s; })) {
        cursors_.push_back(Cursor{s, {1}, {}, false});
      }
    }
  }

  [[nodiscard]] Status pass(Position head) {
    const Position from = run_.options.filter.from;
    const Position end = std::min(head, run_.options.filter.to.value_or(head));
    for (Cursor& c : cursors_) c.exhausted = false;
    Chunk chunk;
    for (;;) {
      Cursor* first = nullptr;
      for (Cursor& c : cursors_) {
        if (c.buffered.empty() && !c.exhausted) {
          if (Status s = fill(c); !s) return s;
        }
        if (!c.buffered.empty() &&
            (first == nullptr || c.buffered.front().position < first->buffered.front().position)) {
          first = &c;
        }
      }
      // Not this pass's: the event stays buffered for the next.
      if (first == nullptr || first->buffered.front().position > end || run_.stopped()) break;
      events::StoredEvent e = std::move(first->buffered.front());
      first->buffered.pop_front();
      if (e.position < from) continue;
      if (Status s = run_.select.take(e.position, e.record, e.hash, chunk); !s) return s;
      if (chunk.read == kChunk) {
        if (Status s = flush(chunk, head); !s) return s;
      }
    }
    return flush(chunk, head);
  }

  [[nodiscard]] bool done() const {
    return run_.options.filter.to && run_.stats.last >= *run_.options.filter.to;
  }

 private:
  struct Cursor {
    std::string stream;
    StreamVersion next;
    std::deque<events::StoredEvent> buffered;
    bool exhausted = false;  // read to the head of this pass
  };

  [[nodiscard]] Status fill(Cursor& c) {
    auto stored = run_.log.read_stream(c.stream, c.next, kChunk / 4);
    if (!stored) return std::unexpected(stored.error());
    c.next.value += stored->size();
    c.exhausted = stored->empty();
    for (auto& e : *stored) c.buffered.push_back(std::move(e));
    return {};
  }

  [[nodiscard]] Status flush(Chunk& chunk, Position head) {
    Status s = run_.write(chunk);
    chunk = Chunk{};
    run_.progress(head);
    return s;
  }

  Run& run_;
  std::vector<Cursor> cursors_;
};

// One partition's log in a merged replay: the events that passed the filter, read a
// chunk at a time in position order.
class PartitionCursor {
 public:
  PartitionCursor(const PartitionLog& source, const ReplayOptions& options)
      : partition_(source.partition),
        log_(*source.log),
        options_(options),
        select_(*source.log, options),
        next_(std::max(options.filter.from, Position{1})),
        end_(std::min(source.log->head().position,
                      options.filter.to.value_or(Position{UINT64_MAX - 1}))) {}

  // The next event, reading on when nothing is buffered; nullptr at the end.
  [[nodiscard]] Result<Selected*> front(uint64_t& read) {
    while (buffered_.empty() && next_ <= end_) {
      Chunk chunk;
      auto visited = log_.visit_range(
          next_, end_, kChunk, [&](Position p, std::string_view record, const events::Hash& h) {
            return select_.take(p, record, h, chunk);
          });
      if (!visited) return std::unexpected(visited.error());
      if (*visited == 0) {
        next_ = Position{end_.value + 1};
        break;
      }
      read += chunk.read;
      next_ = Position{chunk.last.value + 1};
      for (Selected& s : chunk.events) {
        const auto& streams = options_.filter.streams;
        if (!streams.empty() && !contains(streams, s.event.event.stream)) continue;
        s.partition = partition_;
        buffered_.push_back(std::move(s));
      }
    }
    return buffered_.empty() ? nullptr : &buffered_.front();
  }

  void pop() { buffered_.pop_front(); }

 private:
  uint32_t partition_;
  const events::EventLog& log_;
  const ReplayOptions& options_;
  Selector select_;
  Position next_;
  Position end_;
  std::deque<Selected> buffered_;
};

// Time order, then partition, then position: a total order, the same on every run.
bool before(const Selected& a, const Selected& b) {
  const RecordedEvent& x = a.event.event;
  const RecordedEvent& y = b.event.event;
  if (x.time != y.time) return x.time < y.time;
  if (a.partition != b.partition) return a.partition < b.partition;
  return x.position < y.position;
}

template <class Reader>
Result<ReplayStats> drive(Run& run, Reader& reader, Position head) {
  for (;;) {
    if (Status s = reader.pass(head); !s) return std::unexpected(s.error());
    if (Status s = run.out.flush(); !s) return std::unexpected(s.error());
    run.progress(head);
    if (!run.options.follow || reader.done() || run.stopped()) break;
    for (auto waited = std::chrono::milliseconds(0); waited < run.options.poll && !run.stopped();
         waited += std::chrono::milliseconds(20)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    auto refreshed = run.log.refresh();
    if (!refreshed) return std::unexpected(refreshed.error());
    head = refreshed->position;
  }
  run.stats.written = run.out.written();
  return run.stats;
}

}  // namespace

Status check_filter(const ReplayFilter& f) {
  const auto names = event_type_names();
  for (const std::string& type : f.types) {
    if (std::ranges::find(names, type) == names.end()) {
      return fail(ErrorCode::kInvalidArgument, "unknown event type \"" + type +
                                                   "\" (types are named as in the events, e.g. "
                                                   "StockReserved)");
    }
  }
  const auto kinds = stream_kinds();
  for (const std::string& kind : f.kinds) {
    if (std::ranges::none_of(kinds, [&](const StreamKindName& k) { return k.kind == kind; })) {
      return fail(ErrorCode::kInvalidArgument,
                  "unknown kind \"" + kind + "\" (product, cart, order or review)");
    }
  }
  if (f.to && f.from > *f.to) {
    return fail(ErrorCode::kInvalidArgument, "--from-position is after --to-position");
  }
  if (f.since && f.until && *f.since >= *f.until) {
    return fail(ErrorCode::kInvalidArgument, "--since is not before --until");
  }
  return {};
}

std::string_view csv_header(bool with_raw) {
  return with_raw ? "position,time,stream,version,type,command_id,actor_id,actor_role,hash,data,"
                    "prev_hash,record\n"
                  : "position,time,stream,version,type,command_id,actor_id,actor_role,hash,data\n";
}

Result<ReplayStats> replay(events::EventLog& log, const ReplayOptions& options, const Sink& sink) {
  if (Status valid = check_filter(options.filter); !valid) return std::unexpected(valid.error());
  Run run{log, options, Selector(log, options), Output(options, sink), {}};
  const Position head = log.head().position;
  if (!options.filter.streams.empty()) {
    StreamReader reader(run);
    return drive(run, reader, head);
  }
  RangeReader reader(run);
  if (Status s = reader.plan(head); !s) return std::unexpected(s.error());
  return drive(run, reader, head);
}

Result<ReplayStats> replay_merged(std::span<const PartitionLog> logs, const ReplayOptions& options,
                                  const Sink& sink) {
  if (Status valid = check_filter(options.filter); !valid) return std::unexpected(valid.error());
  if (options.follow) {
    return fail(ErrorCode::kInvalidArgument, "a merged replay of partitions does not follow");
  }
  std::vector<PartitionCursor> cursors;
  cursors.reserve(logs.size());
  for (const PartitionLog& source : logs) cursors.emplace_back(source, options);
  Output out(options, sink, /*partitioned=*/true);
  ReplayStats stats;
  Chunk chunk;
  for (;;) {
    PartitionCursor* first = nullptr;
    Selected* first_event = nullptr;
    for (PartitionCursor& c : cursors) {
      auto e = c.front(stats.read);
      if (!e) return std::unexpected(e.error());
      if (*e != nullptr && (first_event == nullptr || before(**e, *first_event))) {
        first = &c;
        first_event = *e;
      }
    }
    if (first == nullptr) break;
    chunk.events.push_back(std::move(*first_event));
    first->pop();
    if (chunk.events.size() == kChunk) {
      if (Status s = out.write(chunk); !s) return std::unexpected(s.error());
      chunk.events.clear();
      if (options.progress) options.progress(out.written(), Position{}, Position{});
    }
    if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed)) break;
  }
  if (Status s = out.write(chunk); !s) return std::unexpected(s.error());
  if (Status s = out.flush(); !s) return std::unexpected(s.error());
  stats.written = out.written();
  return stats;
}

}  // namespace stockroom::tools

#include "adapters/tools/replay.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <thread>

#include "adapters/tools/csv.h"
#include "adapters/wire/wire.h"
#include "engine/event.h"
#include "events/record_codec.h"

namespace stockroom::tools {
namespace {

constexpr size_t kChunk = 4096;          // events per read
constexpr size_t kFlushBytes = 1 << 20;  // output block size

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::ranges::find(names, name) != names.end();
}

// What the position range does not decide: time, type, kind.
class Matcher {
 public:
  explicit Matcher(const ReplayFilter& f) : f_(f) {}

  [[nodiscard]] bool operator()(const RecordedEvent& e) const {
    if (f_.since && e.time < *f_.since) return false;
    if (f_.until && e.time >= *f_.until) return false;
    if (!f_.types.empty() && !contains(f_.types, event_type_name(e.data))) return false;
    if (!f_.kinds.empty()) {
      auto kind = wire::stream_kind(e.stream);
      if (!kind || !contains(f_.kinds, kind->kind)) return false;
    }
    return true;
  }

 private:
  const ReplayFilter& f_;
};

// Formats events into blocks and hands full blocks to the sink.
class Output {
 public:
  Output(const ReplayOptions& options, const Sink& sink) : options_(options), sink_(sink) {
    if (options_.format == ReplayFormat::kCsv) buffer_ += csv_header(options_.with_raw);
  }

  [[nodiscard]] Status write(const engine::LoggedEvent& e, std::string_view record,
                             const events::Hash& prev) {
    if (options_.format == ReplayFormat::kJsonLines) {
      if (options_.with_raw) {
        wire::event_json(e, wire::RawRecord{record, prev}, line_);
      } else {
        wire::event_json(e, line_);
      }
      buffer_ += line_;
    } else {
      csv_row(e, record, prev);
    }
    buffer_.push_back('\n');
    ++written_;
    return buffer_.size() >= kFlushBytes ? flush() : Status{};
  }

  [[nodiscard]] Status flush() {
    if (buffer_.empty()) return {};
    Status s = sink_(buffer_);
    buffer_.clear();
    return s;
  }

  [[nodiscard]] uint64_t written() const { return written_; }

 private:
  void csv_row(const engine::LoggedEvent& logged, std::string_view record,
               const events::Hash& prev) {
    const RecordedEvent& e = logged.event;
    auto field = [&](std::string_view text, bool last = false) {
      append_csv_field(buffer_, text);
      if (!last) buffer_.push_back(',');
    };
    field(std::to_string(e.position.value));
    field(wire::time_text(e.time));
    field(e.stream);
    field(std::to_string(e.version.value));
    field(event_type_name(e.data));
    field(e.command_id.str());
    field(e.actor.id.str());
    field(role_name(e.actor.role));
    field(events::to_hex(logged.hash));
    wire::event_data_json(logged, line_);
    field(line_, !options_.with_raw);
    if (options_.with_raw) {
      field(events::to_hex(prev));
      line_.clear();
      wire::append_base64(record, line_);
      field(line_, true);
    }
  }

  const ReplayOptions& options_;
  const Sink& sink_;
  std::string buffer_;
  std::string line_;
  uint64_t written_ = 0;
};

Result<events::Hash> hash_before(const events::EventLog& log, Position position) {
  if (position.value <= 1) return events::Hash{};
  auto stored = log.read(Position{position.value - 1});
  if (!stored) return std::unexpected(stored.error());
  if (!*stored)
    return fail(ErrorCode::kNotFound,
                "the log has no position before " + std::to_string(position.value));
  return (*stored)->hash;
}

// The shared state of one replay: what to write and how far it got.
struct Run {
  events::EventLog& log;
  const ReplayOptions& options;
  Matcher match;
  Output out;
  ReplayStats stats;
  // The hash of the position before the next event, when known without a read.
  std::optional<std::pair<Position, events::Hash>> prev;

  [[nodiscard]] Status take(Position p, std::string_view record, const events::Hash& hash) {
    ++stats.read;
    stats.last = p;
    auto decoded =
        events::decode_event({reinterpret_cast<const uint8_t*>(record.data()), record.size()});
    if (!decoded) {
      return fail(ErrorCode::kMalformed, "position " + std::to_string(p.value) +
                                             " cannot be decoded: " + decoded.error().message);
    }
    Status written;
    if (match(*decoded)) {
      events::Hash before{};
      if (options.with_raw) {
        if (prev && prev->first.value + 1 == p.value) {
          before = prev->second;
        } else {
          auto read = hash_before(log, p);
          if (!read) return std::unexpected(read.error());
          before = *read;
        }
      }
      written = out.write(engine::LoggedEvent{std::move(*decoded), hash}, record, before);
    }
    prev = {p, hash};
    return written;
  }

  void progress(Position head) {
    if (options.progress) options.progress(out.written(), stats.last, head);
  }

  [[nodiscard]] bool stopped() const {
    return options.stop != nullptr && options.stop->load(std::memory_order_relaxed);
  }
};

// Reads position ranges: the whole log, or the span a time filter allows.
class RangeReader {
 public:
  explicit RangeReader(Run& run)
      : run_(run), next_(std::max(run.options.filter.from, Position{1})) {}

  // Narrows the first pass to the events the time filter can match.
  [[nodiscard]] Status plan(Position head) {
    const ReplayFilter& f = run_.options.filter;
    limit_ = head;
    if (!f.since && !f.until) return {};
    const Timestamp since = f.since.value_or(Timestamp{INT64_MIN});
    const Timestamp until = f.until.value_or(Timestamp{INT64_MAX});
    auto span = run_.log.span_in_time(since, until);
    if (!span) return std::unexpected(span.error());
    if (!*span) {
      next_ = Position{head.value + 1};
      return {};
    }
    next_ = std::max(next_, (*span)->first);
    limit_ = (*span)->last;
    // Past the span nothing up to this head matches: a follower goes on after it.
    resume_ = Position{head.value + 1};
    return {};
  }

  [[nodiscard]] Status pass(Position head) {
    const Position end = std::min({head, limit_.value_or(head), to()});
    while (next_ <= end && !run_.stopped()) {
      auto visited = run_.log.visit_range(
          next_, end, kChunk, [this](Position p, std::string_view record, const events::Hash& h) {
            return run_.take(p, record, h);
          });
      if (!visited) return std::unexpected(visited.error());
      if (*visited == 0) break;
      next_ = Position{run_.stats.last.value + 1};
      run_.progress(head);
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
    for (;;) {
      if (run_.stopped()) return {};
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
      if (first == nullptr) return {};
      events::StoredEvent e = std::move(first->buffered.front());
      first->buffered.pop_front();
      if (e.position > end) {
        first->buffered.push_front(std::move(e));  // not this pass's
        return {};
      }
      if (e.position < from) continue;
      if (Status s = run_.take(e.position, e.record, e.hash); !s) return s;
      if (run_.stats.read % kChunk == 0) run_.progress(head);
    }
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

  Run& run_;
  std::vector<Cursor> cursors_;
};

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
  Run run{log, options, Matcher(options.filter), Output(options, sink), {}, {}};
  const Position head = log.head().position;
  if (!options.filter.streams.empty()) {
    StreamReader reader(run);
    return drive(run, reader, head);
  }
  RangeReader reader(run);
  if (Status s = reader.plan(head); !s) return std::unexpected(s.error());
  return drive(run, reader, head);
}

}  // namespace stockroom::tools

#include "events/internal/log_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "events/internal/keys.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

std::string_view view(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

Result<StoredEvent> to_event(Position position, std::string record, std::string_view chain) {
  std::optional<ChainEntry> entry = decode_chain_value(chain);
  if (!entry) return std::unexpected(corrupt_value(fmt::format("chain entry {}", position.value)));
  return StoredEvent{position, std::move(record), entry->hash};
}

Status invalid_stream(std::string_view stream) {
  if (is_valid_stream_name(stream)) return {};
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("stream name \"{}\" is not 1 or more of [A-Za-z0-9_-]", stream));
}

}  // namespace

Result<Head> LogReader::stored_head() const {
  Result<std::optional<std::string>> value =
      get_value(store_.families().meta, kHeadKey, "reading the head");
  if (!value) return std::unexpected(value.error());
  if (!*value) return Head{};
  std::optional<Head> head = decode_head(**value);
  if (!head) return std::unexpected(corrupt_value("the head"));
  return *head;
}

Result<StreamVersion> LogReader::stream_version(std::string_view stream) const {
  if (Status valid = invalid_stream(stream); !valid) return std::unexpected(valid.error());
  std::string prefix;
  append_stream_prefix(prefix, stream);
  std::string last;
  append_stream_key(last, stream, StreamVersion{std::numeric_limits<uint64_t>::max()});
  rocksdb::ReadOptions options;
  options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db().NewIterator(options, store_.families().streams));
  it->SeekForPrev(last);
  if (!it->Valid()) {
    if (Status ok = check(it->status(), "reading a stream version"); !ok) {
      return std::unexpected(ok.error());
    }
    return StreamVersion{};
  }
  std::optional<StreamVersion> version = decode_stream_key(view(it->key()), prefix);
  // A key of another stream ends the search: prefix_same_as_start is a hint, not a rule.
  return version.value_or(StreamVersion{});
}

Result<std::optional<StoredEvent>> LogReader::read(Position position, Position head) const {
  if (position.value == 0 || position > head) return std::nullopt;
  const Position one[] = {position};
  Result<std::vector<StoredEvent>> events = load(one);
  if (!events) return std::unexpected(events.error());
  return std::move(events->front());
}

Result<std::vector<StoredEvent>> LogReader::read_stream(std::string_view stream,
                                                        StreamVersion from_version, size_t limit,
                                                        Position head) const {
  Result<std::vector<Position>> positions = stream_positions(stream, from_version, limit, head);
  if (!positions) return std::unexpected(positions.error());
  return load(*positions);
}

Result<std::vector<Position>> LogReader::stream_positions(std::string_view stream,
                                                          StreamVersion from_version, size_t limit,
                                                          Position head) const {
  if (Status valid = invalid_stream(stream); !valid) return std::unexpected(valid.error());
  std::string prefix;
  append_stream_prefix(prefix, stream);
  std::string start;
  append_stream_key(start, stream, from_version);
  rocksdb::ReadOptions options;
  options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db().NewIterator(options, store_.families().streams));
  std::vector<Position> positions;
  for (it->Seek(start); it->Valid() && positions.size() < limit; it->Next()) {
    if (!decode_stream_key(view(it->key()), prefix)) break;
    std::optional<Position> position = decode_position(view(it->value()));
    if (!position) return std::unexpected(corrupt_value("a stream index entry"));
    if (*position > head) break;
    positions.push_back(*position);
  }
  if (Status ok = check(it->status(), "reading a stream"); !ok) return std::unexpected(ok.error());
  return positions;
}

Result<std::vector<StoredEvent>> LogReader::read_range(Position from, Position to, size_t limit,
                                                       Position head) const {
  std::vector<StoredEvent> events;
  auto visited = visit_range(from, to, limit, head,
                             [&](Position p, std::string_view record, const Hash& hash) -> Status {
                               events.push_back(StoredEvent{p, std::string(record), hash});
                               return {};
                             });
  if (!visited) return std::unexpected(visited.error());
  return events;
}

Result<size_t> LogReader::visit_range(Position from, Position to, size_t limit, Position head,
                                      const EventLog::EventVisitor& visit) const {
  from = std::max(from, Position{1});
  to = std::min(to, head);
  size_t visited = 0;
  if (from > to || limit == 0) return visited;
  const std::string lower = position_key(from);
  const std::string upper = position_key(Position{to.value + 1});
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  // A range read is a scan: its blocks would only evict the ones point reads need.
  options.fill_cache = false;
  std::vector<rocksdb::Iterator*> raw;
  const Families& families = store_.families();
  // Two iterators from one call share one view of the store.
  if (Status ok = check(store_.db().NewIterators(options, {families.log, families.chain}, &raw),
                        "reading a position range");
      !ok) {
    return std::unexpected(ok.error());
  }
  std::unique_ptr<rocksdb::Iterator> log(raw[0]);
  std::unique_ptr<rocksdb::Iterator> chain(raw[1]);
  log->Seek(lower);
  chain->Seek(lower);
  for (; log->Valid() && visited < limit; log->Next(), chain->Next()) {
    if (!chain->Valid() || log->key() != chain->key()) {
      return std::unexpected(corrupt_value("the chain family (an entry is missing)"));
    }
    std::optional<Position> position = decode_position(view(log->key()));
    if (!position) return std::unexpected(corrupt_value("a log key"));
    std::optional<ChainEntry> entry = decode_chain_value(view(chain->value()));
    if (!entry) {
      return std::unexpected(corrupt_value(fmt::format("chain entry {}", position->value)));
    }
    if (Status s = visit(*position, view(log->value()), entry->hash); !s) {
      return std::unexpected(s.error());
    }
    ++visited;
  }
  if (Status ok = check(log->status(), "reading a position range"); !ok) {
    return std::unexpected(ok.error());
  }
  if (Status ok = check(chain->status(), "reading a position range"); !ok) {
    return std::unexpected(ok.error());
  }
  return visited;
}

Result<std::vector<Position>> LogReader::positions_in_time(Timestamp from, Timestamp until,
                                                           size_t limit, Position head) const {
  std::vector<Position> positions;
  if (from >= until || limit == 0) return positions;
  const std::string lower = time_bound(from);
  const std::string upper = time_bound(until);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(store_.db().NewIterator(options, store_.families().time));
  for (it->Seek(lower); it->Valid() && positions.size() < limit; it->Next()) {
    std::optional<Position> position = decode_time_key_position(view(it->key()));
    if (!position) return std::unexpected(corrupt_value("a time index key"));
    if (*position <= head) positions.push_back(*position);
  }
  if (Status ok = check(it->status(), "reading a time range"); !ok) {
    return std::unexpected(ok.error());
  }
  std::ranges::sort(positions);
  return positions;
}

Result<std::optional<EventLog::PositionSpan>> LogReader::span_in_time(Timestamp from,
                                                                      Timestamp until,
                                                                      Position head) const {
  std::optional<EventLog::PositionSpan> span;
  if (from >= until) return span;
  const std::string lower = time_bound(from);
  const std::string upper = time_bound(until);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(store_.db().NewIterator(options, store_.families().time));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::optional<Position> position = decode_time_key_position(view(it->key()));
    if (!position) return std::unexpected(corrupt_value("a time index key"));
    if (*position > head) continue;
    if (!span) span = EventLog::PositionSpan{*position, *position};
    span->first = std::min(span->first, *position);
    span->last = std::max(span->last, *position);
  }
  if (Status ok = check(it->status(), "reading a time range"); !ok) {
    return std::unexpected(ok.error());
  }
  return span;
}

Result<std::optional<CommandRecord>> LogReader::find_command(const CommandId& id) const {
  Result<std::optional<std::string>> value =
      get_value(store_.families().commands, id.str(), "reading a command record");
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::nullopt;
  std::optional<CommandRecord> record = decode_command_value(**value);
  if (!record) return std::unexpected(corrupt_value("command record " + id.str()));
  return record;
}

Status LogReader::visit_commands(const EventLog::CommandVisitor& visit) const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db().NewIterator(options, store_.families().commands));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::optional<CommandRecord> record = decode_command_value(view(it->value()));
    if (!record) return std::unexpected(corrupt_value("command record " + it->key().ToString()));
    if (Status s = visit(view(it->key()), *record); !s) return s;
  }
  return check(it->status(), "reading the command records");
}

Result<std::optional<std::string>> LogReader::get(std::string_view space,
                                                  std::string_view key) const {
  Result<rocksdb::ColumnFamilyHandle*> family = store_.space(space);
  if (!family) return std::unexpected(family.error());
  return get_value(*family, key, fmt::format("reading keyspace {}", space));
}

Result<std::vector<std::pair<std::string, std::string>>> LogReader::scan(std::string_view space,
                                                                         std::string_view begin,
                                                                         std::string_view end,
                                                                         size_t limit) const {
  Result<rocksdb::ColumnFamilyHandle*> family = store_.space(space);
  if (!family) return std::unexpected(family.error());
  std::vector<std::pair<std::string, std::string>> entries;
  if (begin >= end || limit == 0) return entries;
  const rocksdb::Slice upper(end.data(), end.size());
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(store_.db().NewIterator(options, *family));
  for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid() && entries.size() < limit;
       it->Next()) {
    entries.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (Status ok = check(it->status(), fmt::format("scanning keyspace {}", space)); !ok) {
    return std::unexpected(ok.error());
  }
  return entries;
}

Result<std::optional<std::string>> LogReader::get_value(rocksdb::ColumnFamilyHandle* family,
                                                        std::string_view key,
                                                        std::string_view what) const {
  std::string value;
  const rocksdb::Status status = store_.db().Get(rocksdb::ReadOptions(), family,
                                                 rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) return std::unexpected(storage_error(status, what));
  return value;
}

Result<std::vector<StoredEvent>> LogReader::load(std::span<const Position> positions) const {
  const size_t n = positions.size();
  std::vector<std::string> keys;
  keys.reserve(n);
  for (Position position : positions) keys.push_back(position_key(position));
  std::vector<rocksdb::ColumnFamilyHandle*> families(n, store_.families().log);
  families.resize(2 * n, store_.families().chain);
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  slices.insert(slices.end(), keys.begin(), keys.end());
  std::vector<std::string> values;
  const std::vector<rocksdb::Status> statuses =
      store_.db().MultiGet(rocksdb::ReadOptions(), families, slices, &values);
  std::vector<StoredEvent> events;
  events.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string what = fmt::format("reading position {}", positions[i].value);
    for (size_t at : {i, n + i}) {
      if (statuses[at].IsNotFound()) return std::unexpected(corrupt_value(what + " (missing)"));
      if (!statuses[at].ok()) return std::unexpected(storage_error(statuses[at], what));
    }
    Result<StoredEvent> event = to_event(positions[i], std::move(values[i]), values[n + i]);
    if (!event) return std::unexpected(event.error());
    events.push_back(std::move(*event));
  }
  return events;
}

}  // namespace stockroom::events::internal

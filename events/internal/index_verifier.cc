#include "events/internal/index_verifier.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "events/internal/keys.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

std::string_view view(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

VerifyReport failed(VerifyReport report, Position position, std::string reason) {
  report.ok = false;
  report.first_bad = position;
  report.reason = fmt::format("position {}: {}", position.value, std::move(reason));
  return report;
}

// Key-only walk of a whole family: the visitor sees each key and value and may stop
// the walk with a verdict (a position and why).
struct Stray {
  Position position;
  std::string why;
};
using EntryCheck =
    std::function<Result<std::optional<Stray>>(std::string_view key, std::string_view value)>;

Result<std::optional<Stray>> walk(const LogStore& store, rocksdb::ColumnFamilyHandle* family,
                                  const EntryCheck& check_entry, uint64_t& count) {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(store.db().NewIterator(options, family));
  count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++count;
    Result<std::optional<Stray>> verdict = check_entry(view(it->key()), view(it->value()));
    if (!verdict) return std::unexpected(verdict.error());
    if (*verdict) return verdict;
  }
  if (Status ok = check(it->status(), "verifying an index"); !ok) {
    return std::unexpected(ok.error());
  }
  return std::nullopt;
}

Result<std::optional<ChainEntry>> chain_entry(const LogStore& store, const LogReader& reader,
                                              Position position) {
  Result<std::optional<std::string>> value =
      reader.get_value(store.families().chain, position_key(position), "reading the chain");
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::optional<ChainEntry>();
  return decode_chain_value(**value);
}

// Every "streams" entry must name an event of its stream and version.
Result<std::optional<Stray>> stray_stream_entry(const LogStore& store, const LogReader& reader,
                                                const Head& head) {
  uint64_t count = 0;
  return walk(
      store, store.families().streams,
      [&](std::string_view key, std::string_view value) -> Result<std::optional<Stray>> {
        std::optional<Position> position = decode_position(value);
        const size_t cut = key.find(kStreamSeparator);
        if (!position || cut == std::string_view::npos) {
          return Stray{Position{}, "a stream index entry does not have the documented layout"};
        }
        const std::string_view stream = key.substr(0, cut);
        std::string prefix;
        append_stream_prefix(prefix, stream);
        const std::optional<StreamVersion> version = decode_stream_key(key, prefix);
        if (!version) return Stray{*position, "a stream index key is malformed"};
        if (position->value == 0 || *position > head.position) {
          return Stray{*position, fmt::format("the stream index maps {} version {} past the head",
                                              stream, version->value)};
        }
        Result<std::optional<ChainEntry>> entry = chain_entry(store, reader, *position);
        if (!entry) return std::unexpected(entry.error());
        if (!*entry || (*entry)->stream != stream || (*entry)->version != *version) {
          return Stray{*position,
                       fmt::format("the stream index maps {} version {} to this position, which "
                                   "holds another event",
                                   stream, version->value)};
        }
        return std::nullopt;
      },
      count);
}

// Every event's time entry exists; returns the first event without one.
Result<std::optional<Stray>> missing_time_entry(const LogStore& store, const LogReader& reader,
                                                const Head& head, const EventLog::TimeOf& time_of) {
  std::optional<Stray> missing;
  std::string key;
  auto visited =
      reader.visit_range(Position{1}, head.position, head.position.value, head.position,
                         [&](Position p, std::string_view record, const Hash&) -> Status {
                           Result<Timestamp> time = time_of(record);
                           if (!time) return std::unexpected(time.error());
                           key.clear();
                           append_time_key(key, *time, p);
                           Result<std::optional<std::string>> found = reader.get_value(
                               store.families().time, key, "reading the time index");
                           if (!found) return std::unexpected(found.error());
                           if (!*found) {
                             missing = Stray{p, "the time index has no entry at the event's time"};
                             return fail(ErrorCode::kNotFound, "stop");
                           }
                           return {};
                         });
  if (missing) return missing;
  if (!visited) return std::unexpected(visited.error());
  return std::nullopt;
}

// Every "time" entry must be the entry of its event at that event's time.
Result<std::optional<Stray>> stray_time_entry(const LogStore& store, const LogReader& reader,
                                              const Head& head, const EventLog::TimeOf& time_of) {
  uint64_t count = 0;
  return walk(
      store, store.families().time,
      [&](std::string_view key, std::string_view) -> Result<std::optional<Stray>> {
        std::optional<Position> position = decode_time_key_position(key);
        std::optional<uint64_t> flipped = read_u64(key, 0);
        if (!position || !flipped) {
          return Stray{Position{}, "a time index key does not have the documented layout"};
        }
        if (position->value == 0 || *position > head.position) {
          return Stray{*position, "the time index holds an entry past the head"};
        }
        Result<std::optional<StoredEvent>> event = reader.read(*position, head.position);
        if (!event) return std::unexpected(event.error());
        Result<Timestamp> time = time_of((*event)->record);
        if (!time) return std::unexpected(time.error());
        if (time->micros != unflip_sign(*flipped)) {
          return Stray{*position,
                       "the time index holds an entry at a time the event does not have"};
        }
        return std::nullopt;
      },
      count);
}

Result<uint64_t> count_entries(const LogStore& store, rocksdb::ColumnFamilyHandle* family) {
  uint64_t count = 0;
  auto none = walk(
      store, family,
      [](std::string_view, std::string_view) -> Result<std::optional<Stray>> {
        return std::nullopt;
      },
      count);
  if (!none) return std::unexpected(none.error());
  return count;
}

}  // namespace

Result<VerifyReport> verify_indexes(const LogStore& store, const LogReader& reader,
                                    const Head& head, const EventLog::TimeOf& time_of) {
  VerifyReport report{.head = head};
  const uint64_t events = head.position.value;

  Result<uint64_t> streams = count_entries(store, store.families().streams);
  if (!streams) return std::unexpected(streams.error());
  if (*streams != events) {
    Result<std::optional<Stray>> stray = stray_stream_entry(store, reader, head);
    if (!stray) return std::unexpected(stray.error());
    const std::string why =
        fmt::format("the stream index holds {} entries for {} events", *streams, events);
    if (!*stray) return failed(report, head.position, why);
    return failed(report, (*stray)->position, fmt::format("{}; {}", (*stray)->why, why));
  }

  Result<std::optional<Stray>> missing = missing_time_entry(store, reader, head, time_of);
  if (!missing) return std::unexpected(missing.error());
  if (*missing) return failed(report, (*missing)->position, (*missing)->why);
  Result<uint64_t> times = count_entries(store, store.families().time);
  if (!times) return std::unexpected(times.error());
  if (*times != events) {
    Result<std::optional<Stray>> stray = stray_time_entry(store, reader, head, time_of);
    if (!stray) return std::unexpected(stray.error());
    const std::string why =
        fmt::format("the time index holds {} entries for {} events", *times, events);
    if (!*stray) return failed(report, head.position, why);
    return failed(report, (*stray)->position, fmt::format("{}; {}", (*stray)->why, why));
  }
  report.checked = events;
  return report;
}

}  // namespace stockroom::events::internal

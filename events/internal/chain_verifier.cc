#include "events/internal/chain_verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "events/internal/keys.h"
#include "events/internal/rocks_status.h"
#include "events/sha256.h"

namespace stockroom::events::internal {
namespace {

using Verdict = std::optional<std::string>;  // nullopt: sound; else why not

std::string_view view(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

std::span<const uint8_t> bytes(const rocksdb::Slice& slice) {
  return {reinterpret_cast<const uint8_t*>(slice.data()), slice.size()};
}

// One step of the walk at a time, carrying the running hash.
class ChainWalk {
 public:
  ChainWalk(const LogStore& store, const LogReader& reader, const Hash& previous)
      : store_(store), reader_(reader), hash_(previous) {}

  [[nodiscard]] const Hash& hash() const { return hash_; }

  // `log` and `chain` are positioned where `position` should be.
  [[nodiscard]] Result<Verdict> step(Position position, const rocksdb::Iterator& log,
                                     const rocksdb::Iterator& chain) {
    for (const rocksdb::Iterator* it : {&log, &chain}) {
      if (Status ok = check(it->status(), "verifying the chain"); !ok) {
        return std::unexpected(ok.error());
      }
    }
    const std::string key = position_key(position);
    if (!log.Valid() || view(log.key()) != key) return "the position is missing from the log";
    if (!chain.Valid() || view(chain.key()) != key) return "the position has no chain entry";
    std::optional<ChainEntry> entry = decode_chain_value(view(chain.value()));
    if (!entry) return "the chain entry does not have the documented layout";
    const Hash computed = chain_hash(hash_, bytes(log.value()));
    if (computed != entry->hash) {
      return fmt::format("the recomputed hash {} differs from the stored hash {}", to_hex(computed),
                         to_hex(entry->hash));
    }
    hash_ = computed;
    return check_index(position, *entry);
  }

 private:
  // The index entry of (stream, version) must point here, and version - 1 before here.
  [[nodiscard]] Result<Verdict> check_index(Position position, const ChainEntry& entry) const {
    Result<std::optional<Position>> here = indexed(entry.stream, entry.version);
    if (!here) return std::unexpected(here.error());
    if (*here != position) {
      return fmt::format("the stream index does not map {} version {} to this position",
                         entry.stream, entry.version.value);
    }
    if (entry.version.value <= 1) return std::nullopt;
    Result<std::optional<Position>> before =
        indexed(entry.stream, StreamVersion{entry.version.value - 1});
    if (!before) return std::unexpected(before.error());
    if (!*before || **before >= position) {
      return fmt::format("{} version {} does not precede version {}", entry.stream,
                         entry.version.value - 1, entry.version.value);
    }
    return std::nullopt;
  }

  [[nodiscard]] Result<std::optional<Position>> indexed(std::string_view stream,
                                                        StreamVersion version) const {
    std::string key;
    append_stream_key(key, stream, version);
    Result<std::optional<std::string>> value =
        reader_.get_value(store_.families().streams, key, "reading the stream index");
    if (!value) return std::unexpected(value.error());
    if (!*value) return std::nullopt;
    return decode_position(**value);
  }

  const LogStore& store_;
  const LogReader& reader_;
  Hash hash_;
};

// The stored chain hash of `position` (the zero hash for 0); nullopt when absent.
Result<std::optional<Hash>> stored_hash(const LogStore& store, const LogReader& reader,
                                        Position position) {
  if (position.value == 0) return Hash{};
  Result<std::optional<std::string>> value =
      reader.get_value(store.families().chain, position_key(position), "reading the chain");
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::nullopt;
  std::optional<ChainEntry> entry = decode_chain_value(**value);
  if (!entry) return std::nullopt;
  return entry->hash;
}

VerifyReport failed(VerifyReport report, Position position, std::string reason) {
  report.ok = false;
  report.first_bad = position;
  report.reason = fmt::format("position {}: {}", position.value, std::move(reason));
  return report;
}

// Iterators over the log and chain families from `from` up to `to`, in one view.
Result<std::vector<std::unique_ptr<rocksdb::Iterator>>> open_walk(const LogStore& store,
                                                                  const rocksdb::Slice& upper) {
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper;
  std::vector<rocksdb::Iterator*> raw;
  const Families& families = store.families();
  if (Status ok = check(store.db().NewIterators(options, {families.log, families.chain}, &raw),
                        "verifying the chain");
      !ok) {
    return std::unexpected(ok.error());
  }
  std::vector<std::unique_ptr<rocksdb::Iterator>> iterators;
  for (rocksdb::Iterator* it : raw) iterators.emplace_back(it);
  return iterators;
}

}  // namespace

Result<VerifyReport> verify_chain(const LogStore& store, const LogReader& reader, const Head& head,
                                  Position from, Position to) {
  VerifyReport report{.head = head};
  from = std::max(from, Position{1});
  to = std::min(to, head.position);
  if (from > to) return report;
  const Position before{from.value - 1};
  Result<std::optional<Hash>> start = stored_hash(store, reader, before);
  if (!start) return std::unexpected(start.error());
  if (!*start) return failed(report, before, "no readable chain entry to start from");
  const std::string upper = position_key(Position{to.value + 1});
  const rocksdb::Slice upper_slice(upper);
  auto iterators = open_walk(store, upper_slice);
  if (!iterators) return std::unexpected(iterators.error());
  rocksdb::Iterator& log = *(*iterators)[0];
  rocksdb::Iterator& chain = *(*iterators)[1];
  log.Seek(position_key(from));
  chain.Seek(position_key(from));
  ChainWalk walk(store, reader, **start);
  for (Position at = from; at <= to; at.value++, log.Next(), chain.Next()) {
    Result<Verdict> verdict = walk.step(at, log, chain);
    if (!verdict) return std::unexpected(verdict.error());
    if (*verdict) return failed(report, at, std::move(**verdict));
    report.checked++;
  }
  if (Status ok = check(log.status(), "verifying the chain"); !ok)
    return std::unexpected(ok.error());
  if (to == head.position && walk.hash() != head.hash) {
    return failed(report, to, "the head's hash differs from the recomputed chain");
  }
  return report;
}

}  // namespace stockroom::events::internal

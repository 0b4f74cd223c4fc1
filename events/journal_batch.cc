#include "events/journal_batch.h"

#include <cstring>
#include <utility>

namespace stockroom::events {
namespace {

constexpr std::string_view kMagic = "SRJ1";

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
void put_hash(std::string& out, const Hash& h) {
  out.append(reinterpret_cast<const char*>(h.data()), h.size());
}

// Reads a journal front to back; every read checks the bytes left.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  [[nodiscard]] bool done() const noexcept { return at_ == bytes_.size(); }
  bool u8(uint8_t& v) {
    if (bytes_.size() - at_ < 1) return false;
    v = static_cast<uint8_t>(bytes_[at_++]);
    return true;
  }
  bool u32(uint32_t& v) {
    if (bytes_.size() - at_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(bytes_[at_ + i])} << (8 * i);
    at_ += 4;
    return true;
  }
  bool u64(uint64_t& v) {
    if (bytes_.size() - at_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(bytes_[at_ + i])} << (8 * i);
    at_ += 8;
    return true;
  }
  bool str(std::string_view& s) {
    uint32_t n = 0;
    if (!u32(n) || bytes_.size() - at_ < n) return false;
    s = bytes_.substr(at_, n);
    at_ += n;
    return true;
  }
  bool hash(Hash& h) {
    if (bytes_.size() - at_ < h.size()) return false;
    std::memcpy(h.data(), bytes_.data() + at_, h.size());
    at_ += h.size();
    return true;
  }
  bool magic() {
    if (!bytes_.starts_with(kMagic)) return false;
    at_ = kMagic.size();
    return true;
  }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

std::unexpected<Error> malformed(std::string what) {
  return fail(ErrorCode::kMalformed, "not a replication journal: " + std::move(what));
}

struct Append {
  Position position;
  std::string_view stream;
  StreamVersion version;
  Timestamp time;
  std::string_view record;
  Hash hash{};
};

bool read_append(Reader& r, Append& a) {
  uint64_t time = 0;
  return r.u64(a.position.value) && r.str(a.stream) && r.u64(a.version.value) && r.u64(time) &&
         ((a.time.micros = static_cast<int64_t>(time)), true) && r.str(a.record) && r.hash(a.hash);
}

// Walks the operations, handing appends to `on_append` and the rest to `on_other`.
template <class OnAppend, class OnOther>
Status walk(std::string_view journal, OnAppend&& on_append, OnOther&& on_other) {
  Reader r(journal);
  if (!r.magic()) return malformed("no SRJ1 magic");
  while (!r.done()) {
    uint8_t tag = 0;
    r.u8(tag);
    if (tag == 'A') {
      Append a;
      if (!read_append(r, a)) return malformed("a truncated append");
      if (Status s = on_append(a); !s) return s;
    } else if (tag == 'C' || tag == 'P' || tag == 'R' || tag == 'D') {
      if (Status s = on_other(tag, r); !s) return s;
    } else {
      return malformed("unknown operation " + std::to_string(tag));
    }
  }
  return {};
}

}  // namespace

JournalBatch::JournalBatch(std::unique_ptr<LogBatch> inner) : inner_(std::move(inner)) {
  journal_.append(kMagic);
}

Result<Hash> JournalBatch::append(Position position, std::string_view stream, StreamVersion version,
                                  Timestamp time, std::span<const uint8_t> record,
                                  VersionCheck check) {
  Result<Hash> hash = inner_->append(position, stream, version, time, record, check);
  if (!hash) return hash;
  journal_.push_back('A');
  put_u64(journal_, position.value);
  put_str(journal_, stream);
  put_u64(journal_, version.value);
  put_u64(journal_, static_cast<uint64_t>(time.micros));
  put_str(journal_, {reinterpret_cast<const char*>(record.data()), record.size()});
  put_hash(journal_, *hash);
  return hash;
}

void JournalBatch::put_command(const CommandId& command_id, const CommandRecord& record) {
  inner_->put_command(command_id, record);
  journal_.push_back('C');
  put_str(journal_, command_id.str());
  put_hash(journal_, record.fingerprint);
  put_u64(journal_, static_cast<uint64_t>(record.recorded_at.micros));
  put_str(journal_, record.result);
}

void JournalBatch::put(std::string_view space, std::string_view key, std::string_view value) {
  inner_->put(space, key, value);
  journal_.push_back('P');
  put_str(journal_, space);
  put_str(journal_, key);
  put_str(journal_, value);
}

void JournalBatch::remove(std::string_view space, std::string_view key) {
  inner_->remove(space, key);
  journal_.push_back('R');
  put_str(journal_, space);
  put_str(journal_, key);
}

void JournalBatch::remove_range(std::string_view space, std::string_view begin,
                                std::string_view end) {
  inner_->remove_range(space, begin, end);
  journal_.push_back('D');
  put_str(journal_, space);
  put_str(journal_, begin);
  put_str(journal_, end);
}

Status apply_journal(std::string_view journal, LogBatch& batch) {
  return walk(
      journal,
      [&](const Append& a) -> Status {
        const std::span<const uint8_t> record(reinterpret_cast<const uint8_t*>(a.record.data()),
                                              a.record.size());
        Result<Hash> hash = batch.append(a.position, a.stream, a.version, a.time, record);
        if (!hash) return std::unexpected(hash.error());
        if (*hash != a.hash) {
          return fail(ErrorCode::kConflict,
                      "the journal's event at position " + std::to_string(a.position.value) +
                          " chains to another hash here: this log is not a prefix of the "
                          "partition's stream");
        }
        return {};
      },
      [&](uint8_t tag, Reader& r) -> Status {
        std::string_view a, b, c;
        if (tag == 'C') {
          CommandRecord rec;
          uint64_t at = 0;
          if (!r.str(a) || !r.hash(rec.fingerprint) || !r.u64(at) || !r.str(b)) {
            return malformed("a truncated command record");
          }
          rec.recorded_at.micros = static_cast<int64_t>(at);
          rec.result = std::string(b);
          batch.put_command(CommandId(a), rec);
        } else if (tag == 'P') {
          if (!r.str(a) || !r.str(b) || !r.str(c)) return malformed("a truncated put");
          batch.put(a, b, c);
        } else if (tag == 'R') {
          if (!r.str(a) || !r.str(b)) return malformed("a truncated remove");
          batch.remove(a, b);
        } else {
          if (!r.str(a) || !r.str(b) || !r.str(c)) return malformed("a truncated range removal");
          batch.remove_range(a, b, c);
        }
        return {};
      });
}

Status visit_journal_events(std::string_view journal, const JournalEventVisitor& visit) {
  return walk(
      journal,
      [&](const Append& a) -> Status { return visit(a.position, a.stream, a.record, a.hash); },
      [&](uint8_t tag, Reader& r) -> Status {
        std::string_view a, b, c;
        Hash h{};
        uint64_t at = 0;
        const bool ok = tag == 'C'   ? r.str(a) && r.hash(h) && r.u64(at) && r.str(b)
                        : tag == 'R' ? r.str(a) && r.str(b)
                                     : r.str(a) && r.str(b) && r.str(c);
        return ok ? Status{} : malformed("a truncated operation");
      });
}

}  // namespace stockroom::events

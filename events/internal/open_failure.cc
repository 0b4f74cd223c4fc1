#include "events/internal/open_failure.h"

#include <fmt/format.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

#include "events/data_dir.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}, {}};
}

bool mentions(const rocksdb::Status& status, std::string_view text) {
  return status.ToString().find(text) != std::string::npos;
}

// The decimal number that starts right after the first `marker` in `text`, or "".
std::string_view number_after(std::string_view text, std::string_view marker) {
  const size_t at = text.find(marker);
  if (at == std::string_view::npos) return {};
  const std::string_view rest = text.substr(at + marker.size());
  return rest.substr(0, rest.find_first_not_of("0123456789"));
}

// The decimal number that ends right before the first `marker` in `text`, or "".
std::string_view number_before(std::string_view text, std::string_view marker) {
  const size_t at = text.find(marker);
  if (at == std::string_view::npos) return {};
  size_t start = at;
  while (start > 0 && text[start - 1] >= '0' && text[start - 1] <= '9') --start;
  return text.substr(start, at - start);
}

// A WAL file's name from RocksDB's log number, as RocksDB writes it ("000043.log").
std::string wal_name(std::string_view number) {
  return fmt::format("{:0>6}.log", number.empty() ? "?" : number);
}

// A file the store needs that RocksDB did not find, or "". RocksDB looks for a missing
// NNNNNN.sst under its old name NNNNNN.ldb too and reports the last name it tried.
std::string missing_file(std::string_view text) {
  constexpr std::string_view kNoFile = ": No such file or directory";
  if (text.find(kNoFile) == std::string_view::npos) return "";
  for (std::string_view suffix : {".ldb", ".sst"}) {
    const std::string_view table = number_before(text, std::string(suffix) + std::string(kNoFile));
    if (!table.empty()) {
      return fmt::format("its table file {}.sst, which its MANIFEST lists, is missing", table);
    }
  }
  const std::string_view manifest = number_after(text, "MANIFEST-");
  if (!manifest.empty()) {
    return fmt::format("its MANIFEST-{}, which CURRENT names, is missing", manifest);
  }
  return "";
}

// What a RocksDB Corruption says is damaged.
std::string corrupt_part(std::string_view text) {
  if (std::string_view wal = number_after(text, "Missing WAL with log number: "); !wal.empty()) {
    return fmt::format("its write-ahead log {}, which its MANIFEST lists, is missing",
                       wal_name(wal));
  }
  if (std::string_view wal = number_after(text, "WAL (log number: "); !wal.empty()) {
    return fmt::format("its write-ahead log {} is shorter than when it was synced", wal_name(wal));
  }
  if (text.find("SST file is ahead of WALs") != std::string_view::npos) {
    return "its table files hold writes that its write-ahead logs do not lead up to";
  }
  if (text.find(".sst") != std::string_view::npos || text.find(".ldb") != std::string_view::npos) {
    return "a table file (*.sst) is corrupt or has the wrong size";
  }
  if (text.find("MANIFEST") != std::string_view::npos) return "its MANIFEST is corrupt";
  // The log reader's words for a bad record (an incomplete last record is tolerated and
  // never gets here: store_options.cc).
  for (std::string_view record :
       {"checksum mismatch", "bad record length", "truncated", "record without end",
        "missing start of fragmented record", "error in middle of record", "unknown record type",
        "log record too small", "error reading trailing data"}) {
    if (text.find(record) != std::string_view::npos) {
      return "a record in a write-ahead log (*.log) is corrupt";
    }
  }
  return "RocksDB found it corrupt";
}

// What the RocksDB status says is damaged, or "" when it is not about damage. The
// texts are RocksDB 7.8's (db/version_set.cc, db/wal_edit.cc, db/log_reader.cc): a
// missing file is an IOError, inside a Corruption or not; the rest are Corruptions.
std::string what_is_damaged(const rocksdb::Status& status) {
  const std::string text = status.ToString();
  if (std::string missing = missing_file(text); !missing.empty()) return missing;
  return status.IsCorruption() ? corrupt_part(text) : "";
}

// The first table file in `dir` (by name) that does not open on its own, and why:
// RocksDB 7.8 reports a table file whose properties block is damaged as a corrupt
// MANIFEST ("properties unsorted in file .../MANIFEST-000044"), without the file's
// name. Opening a table file reads its footer, meta-index, properties and index, the
// parts the store's open reads, not its data blocks; so this costs a few small reads per
// file, and only on the path of an open that already failed. A table file no MANIFEST
// lists (a crash's half-written flush, deleted by the next open that succeeds) may be
// the one named; RocksDB's own text stays in the message beside it.
std::optional<std::pair<std::string, rocksdb::Status>> damaged_table_file(const std::string& dir) {
  std::vector<std::filesystem::path> tables;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (ext == ".sst" || ext == ".ldb") tables.push_back(it->path());
  }
  std::sort(tables.begin(), tables.end());
  const rocksdb::Options options;
  for (const std::filesystem::path& table : tables) {
    rocksdb::SstFileReader reader(options);
    if (rocksdb::Status s = reader.Open(table.string()); !s.ok()) {
      return std::pair{table.filename().string(), std::move(s)};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> damaged_store(const std::string& dir, const rocksdb::Status& status) {
  std::string what = what_is_damaged(status);
  if (what.empty()) return std::nullopt;
  std::string rocksdb_says = status.ToString();
  // A Corruption that names no table file may still be one (damaged_table_file).
  if (status.IsCorruption() && what.find("table file") == std::string::npos &&
      what.find("write-ahead log") == std::string::npos) {
    if (auto table = damaged_table_file(dir)) {
      what = fmt::format("its table file {} is corrupt", table->first);
      rocksdb_says += fmt::format("; {} alone: {}", table->first, table->second.ToString());
    }
  }
  return Error{ErrorCode::kInvalidState,
               fmt::format("{} is damaged: {}. Restore it from a checkpoint (docs/storage.md, "
                           "\"Corruption on open\"). RocksDB: {}",
                           dir, what, rocksdb_says),
               {},
               {}};
}

Error open_failure(const std::string& dir, const rocksdb::Status& status) {
  if (std::optional<Error> problem = data_dir_problem(dir, false)) return std::move(*problem);
  if (mentions(status, "Permission denied")) {
    return invalid(fmt::format("permission denied on {}: {}", dir, status.ToString()));
  }
  // flock() on LOCK fails with EWOULDBLOCK when another process holds it. (Within one
  // process RocksDB says "lock hold by current process" instead.)
  if (mentions(status, "lock file") && mentions(status, "Resource temporarily unavailable")) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("{} is in use by another process, which holds its lock file "
                             "{}/LOCK (another stockroom serve?)",
                             dir, dir),
                 {},
                 {}};
  }
  if (std::optional<Error> damage = damaged_store(dir, status)) return std::move(*damage);
  return storage_error(status, "opening " + dir);
}

}  // namespace stockroom::events::internal

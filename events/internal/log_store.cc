#include "events/internal/log_store.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "events/data_dir.h"
#include "events/internal/info_log.h"
#include "events/internal/open_failure.h"
#include "events/internal/rocks_status.h"

namespace stockroom::events::internal {
namespace {

constexpr std::array<std::string_view, 5> kCoreFamilies = {kLogFamily, kChainFamily, kStreamsFamily,
                                                           kTimeFamily, kCommandsFamily};

Status check_spaces(const std::vector<std::string>& spaces) {
  std::set<std::string_view> seen;
  for (const std::string& space : spaces) {
    if (space.empty() || is_core_family(space)) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("keyspace name \"{}\" is empty or reserved by the log", space));
    }
    if (!seen.insert(space).second) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("keyspace \"{}\" named twice", space));
    }
  }
  return {};
}

void add_unique(std::vector<std::string>& names, std::string_view name) {
  if (std::ranges::find(names, name) == names.end()) names.emplace_back(name);
}

// A read-only store opens what it has and must be a log; a follower opens only the log's
// own families and the spaces asked for (it replays the writer's WAL into memtables
// for every family it has open, so each one left out is work saved while it follows);
// a writable one opens what it has plus what the log needs (RocksDB requires every
// existing family to be opened).
Result<std::vector<std::string>> family_names(const std::string& dir,
                                              const rocksdb::DBOptions& db_options,
                                              const LogOptions& options) {
  std::vector<std::string> names;
  const rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
  if (options.read_only) {
    if (!listed.ok()) {
      if (std::optional<Error> damage = damaged_store(dir, listed)) {
        return std::unexpected(std::move(*damage));
      }
      return fail(ErrorCode::kNotFound,
                  fmt::format("no event log at {}: {}", dir, listed.ToString()));
    }
    for (std::string_view core : kCoreFamilies) {
      if (std::ranges::find(names, core) == names.end()) {
        return fail(ErrorCode::kNotFound,
                    fmt::format("{} is not an event log: it has no \"{}\" family", dir, core));
      }
    }
    if (options.follow) {
      std::erase_if(names, [&](const std::string& name) {
        if (name == rocksdb::kDefaultColumnFamilyName || name == kLogFamily ||
            name == kChainFamily) {
          return false;
        }
        if (is_core_family(name)) return !options.follow_indexes;
        return std::ranges::find(options.spaces, name) == options.spaces.end();
      });
    }
    return names;
  }
  // Listing fails for a store not created yet; Open creates it, or reports what is wrong.
  if (!listed.ok()) names.clear();
  add_unique(names, rocksdb::kDefaultColumnFamilyName);
  for (std::string_view core : kCoreFamilies) add_unique(names, core);
  for (const std::string& space : options.spaces) add_unique(names, space);
  return names;
}

// A secondary instance writes its own info log; it gets a fresh directory under
// $TMPDIR (default /tmp) so that following never writes into the data directory.
Result<std::string> make_secondary_dir() {
  const char* tmp = ::getenv("TMPDIR");
  std::string path =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/stockroom-follow-XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    return fail(ErrorCode::kUnavailable,
                fmt::format("cannot make a directory for following the log in {}: {}", path,
                            std::strerror(errno)));
  }
  return path;
}

}  // namespace

LogStore::LogStore(const LogOptions& options)
    : env_(options.env),
      command_filter_(options.idempotency_retention, options.clock),
      tuning_(make_tuning(&command_filter_)),
      spaces_(options.spaces),
      read_only_(options.read_only) {}

LogStore::~LogStore() {
  if (db_) {
    // Nothing can be done about a failure here; the WAL holds every committed write.
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (follower()) {
    std::error_code ignored;  // a temporary directory left behind harms nothing
    std::filesystem::remove_all(secondary_dir_, ignored);
  }
}

Result<std::unique_ptr<LogStore>> LogStore::open(const std::string& dir,
                                                 const LogOptions& options) {
  if (Status valid = check_spaces(options.spaces); !valid) return std::unexpected(valid.error());
  std::unique_ptr<LogStore> store(new LogStore(options));
  if (Status opened = store->open_db(dir, options); !opened) {
    return std::unexpected(opened.error());
  }
  return store;
}

Status LogStore::open_db(const std::string& dir, const LogOptions& options) {
  // Before RocksDB, which would take such a store for a new one (data_dir.h).
  if (std::optional<Error> damage = store_without_current(dir)) {
    return std::unexpected(std::move(*damage));
  }
  rocksdb::DBOptions db_options = make_db_options(options, env_.get());
  // A writer's only (a read-only open beside it must not move its LOG aside): it must
  // survive a full disk (info_log.h).
  if (!read_only_) db_options.info_log = open_info_log(dir);
  Result<std::vector<std::string>> names = family_names(dir, db_options, options);
  if (!names) return std::unexpected(names.error());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : *names) {
    descriptors.emplace_back(name, make_family_options(name, tuning_));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status;
  if (read_only_ && options.follow) {
    Result<std::string> own = make_secondary_dir();
    if (!own) return std::unexpected(own.error());
    secondary_dir_ = std::move(*own);
    status =
        rocksdb::DB::OpenAsSecondary(db_options, dir, secondary_dir_, descriptors, &handles, &db);
  } else if (read_only_) {
    status = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &db);
  } else {
    status = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &db);
  }
  if (!status.ok()) return std::unexpected(open_failure(dir, status));
  db_.reset(db);
  return adopt_handles(std::move(handles));
}

Status LogStore::adopt_handles(std::vector<rocksdb::ColumnFamilyHandle*> handles) {
  handles_ = std::move(handles);
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    const std::string& name = handle->GetName();
    if (name == rocksdb::kDefaultColumnFamilyName)
      families_.meta = handle;
    else if (name == kLogFamily)
      families_.log = handle;
    else if (name == kChainFamily)
      families_.chain = handle;
    else if (name == kStreamsFamily)
      families_.streams = handle;
    else if (name == kTimeFamily)
      families_.time = handle;
    else if (name == kCommandsFamily)
      families_.commands = handle;
    else
      space_handles_.emplace(name, handle);
  }
  if (families_.meta == nullptr) {
    return fail(ErrorCode::kInvalidState, "the store opened without its default family");
  }
  return {};
}

Status LogStore::require_indexes(std::string_view what) const {
  if (families_.streams != nullptr && families_.time != nullptr && families_.commands != nullptr) {
    return {};
  }
  return fail(ErrorCode::kUnavailable,
              fmt::format("{} needs the log's indexes, which this follower did not open", what));
}

Result<rocksdb::ColumnFamilyHandle*> LogStore::space(std::string_view name) const {
  if (auto it = space_handles_.find(name); it != space_handles_.end()) return it->second;
  if (std::ranges::find(spaces_, name) != spaces_.end()) {
    return fail(ErrorCode::kNotFound,
                fmt::format("keyspace \"{}\" does not exist in this read-only store", name));
  }
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown keyspace \"{}\": name it in LogOptions::spaces", name));
}

}  // namespace stockroom::events::internal

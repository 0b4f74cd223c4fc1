// The views against the log: every checkpoint is the head, and every stored entry of
// every view (auxiliary entries included) equals, byte for byte, what an independent
// fold of the whole log gives. The fold runs the same projections into a scratch
// store on disk, so memory stays bounded however many views there are; both stores are
// then walked side by side in key order.
#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/internal/audit_checks.h"
#include "engine/internal/projection_runtime.h"
#include "engine/internal/view_space.h"
#include "projections/projection.h"

namespace stockroom::engine::internal {
namespace {

constexpr size_t kChunk = 1024;

// A directory that is removed with its contents when the guard goes.
class ScratchDir {
 public:
  static Result<ScratchDir> make(const std::string& parent) {
    const char* tmp = ::getenv("TMPDIR");
    std::string base = !parent.empty()                    ? parent
                       : (tmp != nullptr && *tmp != '\0') ? std::string(tmp)
                                                          : std::string("/tmp");
    std::string path = base + "/stockroom-verify-XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) {
      return fail(ErrorCode::kUnavailable, fmt::format("cannot make a scratch directory in {}: {}",
                                                       base, std::strerror(errno)));
    }
    return ScratchDir(std::move(path));
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ~ScratchDir() {
    std::error_code ignored;  // a leftover in $TMPDIR harms nothing
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// What a person can read of a view key (auxiliary keys start with 0x01).
std::string printable(std::string_view key) {
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

// The position a view reflects: its JSON ends with "position":N}.
std::optional<Position> view_position(std::string_view json) {
  const auto at = json.rfind("\"position\":");
  if (at == std::string_view::npos) return std::nullopt;
  uint64_t value = 0;
  bool any = false;
  for (char c : json.substr(at + 11)) {
    if (c < '0' || c > '9') break;
    value = value * 10 + static_cast<uint64_t>(c - '0');
    any = true;
  }
  if (!any) return std::nullopt;
  return Position{value};
}

// Walks one generation of a view keyspace in key order, a chunk at a time.
class GenCursor {
 public:
  GenCursor(const events::EventLog& log, std::string space, uint32_t gen)
      : log_(log),
        space_(std::move(space)),
        next_(ViewSpace::gen_begin(gen)),
        end_(ViewSpace::gen_end(gen)) {}

  // The current entry (key without the generation), or nullptr at the end.
  [[nodiscard]] Result<const std::pair<std::string, std::string>*> current() {
    if (at_ < rows_.size()) return &rows_[at_];
    if (done_) return nullptr;
    auto rows = log_.scan(space_, next_, end_, kChunk);
    if (!rows) return std::unexpected(rows.error());
    rows_ = std::move(*rows);
    at_ = 0;
    if (rows_.size() < kChunk) done_ = true;
    if (rows_.empty()) return nullptr;
    next_ = rows_.back().first + '\0';
    for (auto& row : rows_) row.first.erase(0, 4);
    return &rows_[at_];
  }
  void advance() { ++at_; }

 private:
  const events::EventLog& log_;
  std::string space_;
  std::string next_;
  std::string end_;
  std::vector<std::pair<std::string, std::string>> rows_;
  size_t at_ = 0;
  bool done_ = false;
};

Finding differ(std::string_view view, std::string_view key, const std::string* stored,
               const std::string* folded) {
  std::optional<Position> at = folded != nullptr ? view_position(*folded) : std::nullopt;
  if (!at && stored != nullptr) at = view_position(*stored);
  const char* what = stored == nullptr   ? "is missing from the store"
                     : folded == nullptr ? "is stored but the log gives no such entry"
                                         : "differs from the fold of the log";
  return Finding{at, fmt::format("view {} key {} {}", view, printable(key), what)};
}

Result<std::optional<Finding>> compare_view(const events::EventLog& stored_log,
                                            const events::EventLog& folded_log,
                                            std::string_view name) {
  const ViewSpace space(name);
  auto stored_meta = space.read_meta(stored_log);
  if (!stored_meta) return std::unexpected(stored_meta.error());
  auto folded_meta = space.read_meta(folded_log);
  if (!folded_meta) return std::unexpected(folded_meta.error());
  GenCursor stored(stored_log, space.space(), stored_meta->gen);
  GenCursor folded(folded_log, space.space(), folded_meta->gen);
  for (;;) {
    auto a = stored.current();
    if (!a) return std::unexpected(a.error());
    auto b = folded.current();
    if (!b) return std::unexpected(b.error());
    if (*a == nullptr && *b == nullptr) return std::nullopt;
    if (*b == nullptr || (*a != nullptr && (*a)->first < (*b)->first)) {
      return differ(name, (*a)->first, &(*a)->second, nullptr);
    }
    if (*a == nullptr || (*b)->first < (*a)->first) {
      return differ(name, (*b)->first, nullptr, &(*b)->second);
    }
    if ((*a)->second != (*b)->second) {
      return differ(name, (*a)->first, &(*a)->second, &(*b)->second);
    }
    stored.advance();
    folded.advance();
  }
}

}  // namespace

Result<std::optional<Finding>> check_view_checkpoints(const events::EventLog& log) {
  const Position head = log.head().position;
  for (const auto& projection : projections::standard_projections()) {
    const ViewSpace space(projection->name());
    auto meta = space.read_meta(log);
    if (!meta) return std::unexpected(meta.error());
    if (meta->checkpoint != head) {
      return Finding{std::min(Position{meta->checkpoint.value + 1}, head),
                     fmt::format("view {} reflects position {} but the head is {}",
                                 projection->name(), meta->checkpoint.value, head.value)};
    }
  }
  return std::nullopt;
}

Result<std::optional<Finding>> check_views(const events::EventLog& log,
                                           const AuditOptions& options) {
  auto dir = ScratchDir::make(options.scratch_parent);
  if (!dir) return std::unexpected(dir.error());
  const auto standard = projections::standard_projections();
  events::LogOptions scratch_options;
  scratch_options.durability = events::Durability::kNone;  // thrown away afterwards
  scratch_options.spaces = ProjectionRuntime::spaces(standard);
  auto scratch = events::EventLog::open(dir->path(), scratch_options);
  if (!scratch) return std::unexpected(scratch.error());
  ProjectionRuntime fold(**scratch, standard);
  if (auto opened = fold.open(); !opened) return std::unexpected(opened.error());
  ProgressFn progress;
  if (options.progress) {
    progress = [&](std::string_view, Position done, Position head) {
      options.progress("views", done.value, head.value);
    };
  }
  if (auto folded = fold.fold_from(log, progress); !folded) {
    return std::unexpected(folded.error());
  }
  for (const auto& projection : standard) {
    auto finding = compare_view(log, **scratch, projection->name());
    if (!finding || *finding) return finding;
  }
  return std::nullopt;
}

}  // namespace stockroom::engine::internal

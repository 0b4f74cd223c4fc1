#include "adapters/audit/heads_check.h"

#include <array>
#include <limits>
#include <string_view>

#include "adapters/audit/head_json.h"

namespace stockroom::audit {
namespace {

constexpr size_t kMaxLine = 64 * 1024;

// Why `head` does not match `log`, or "" when it does; an Error when the log cannot
// be read.
Result<std::string> mismatch(const events::EventLog& log, const SignedHead& head) {
  const Position position = head.head.position;
  const events::Head log_head = log.head();
  if (position > log_head.position) {
    return "the log does not reach position " + std::to_string(position.value) + " (head " +
           std::to_string(log_head.position.value) + ")";
  }
  events::Hash stored{};  // position 0: the empty log's hash
  if (position.value > 0) {
    Result<std::optional<events::StoredEvent>> event = log.read(position);
    if (!event && event.error().code == ErrorCode::kUnavailable) {
      return std::unexpected(event.error());
    }
    if (!event) return "position " + std::to_string(position.value) + ": " + event.error().message;
    if (!*event) return "position " + std::to_string(position.value) + " is missing from the log";
    stored = (*event)->hash;
  }
  if (stored == head.head.hash) return std::string();
  return "the log's hash at position " + std::to_string(position.value) + " is " +
         events::to_hex(stored) + ", the head says " + events::to_hex(head.head.hash);
}

// Why one line fails, or "" when it passes; `passed` receives the head that did.
Result<std::string> check_line(const events::EventLog& log, const PublicKey& key,
                               uint32_t partition, std::string_view line,
                               std::optional<SignedHead>& passed) {
  Result<SignedHead> head = parse_head_json(line);
  if (!head) return head.error().message;
  if (head->partition != partition) {
    return "a head of partition " + std::to_string(head->partition) + ", not of partition " +
           std::to_string(partition);
  }
  if (Status signature = verify_head(key, *head); !signature) return signature.error().message;
  Result<std::string> why = mismatch(log, *head);
  if (why && why->empty()) passed = std::move(*head);
  return why;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

void keep_latest(HeadsReport& report, SignedHead head) {
  if (!report.latest || head.head.position >= report.latest->head.position) {
    report.latest = std::move(head);
  }
}

}  // namespace

Result<HeadsReport> check_heads(const events::EventLog& log, const PublicKey& key,
                                std::istream& lines, uint32_t partition) {
  HeadsReport report;
  std::array<char, kMaxLine + 1> buffer{};
  for (uint64_t number = 1;; ++number) {
    lines.getline(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const size_t size = static_cast<size_t>(lines.gcount());
    if (lines.bad()) return fail(ErrorCode::kUnavailable, "cannot read the heads file");
    if (size == 0 && lines.eof()) break;
    std::string_view line(buffer.data(), lines.fail() ? size : size - (lines.eof() ? 0 : 1));
    std::string reason;
    if (lines.fail() && !lines.eof()) {
      // Longer than the buffer: skip the rest of it, it is bad whatever it says.
      lines.clear();
      lines.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
      reason = "a line longer than " + std::to_string(kMaxLine) + " bytes";
    } else {
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (is_blank(line)) continue;
      std::optional<SignedHead> passed;
      Result<std::string> why = check_line(log, key, partition, line, passed);
      if (!why) return std::unexpected(why.error());
      reason = std::move(*why);
      if (passed) keep_latest(report, std::move(*passed));
    }
    ++report.lines;
    if (reason.empty()) {
      ++report.ok;
    } else if (!report.first_bad_line) {
      report.first_bad_line = number;
      report.reason = std::move(reason);
    }
    if (lines.eof()) break;
  }
  return report;
}

}  // namespace stockroom::audit

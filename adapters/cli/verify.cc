// `stockroom verify --data DIR`: the auditor's check of a data directory (cli.md,
// docs/auditing.md): the hash chain, the indexes, the idempotency records and every
// view against a fold of the log (`--quick`: the chain alone), and a kept receipt
// (`--expect POSITION:HASH`). Prints the head, or the first position that fails and
// why; exit 1 on any failure. Read-only; safe beside serve.
#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <string>

#include "adapters/cli/progress_line.h"
#include "adapters/cli/subcommands.h"
#include "engine/audit.h"
#include "engine/offline.h"

namespace stockroom::cli {
namespace {

struct VerifyArgs {
  std::string data;
  bool quick = false;
  std::string expect;
  std::string scratch;
};

// A kept receipt: a position and its chain hash.
struct Receipt {
  Position position;
  events::Hash hash;
};

std::optional<Receipt> parse_receipt(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  uint64_t position = 0;
  const std::string_view digits = text.substr(0, colon);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), position);
  if (ec != std::errc() || end != digits.data() + digits.size() || position == 0) {
    return std::nullopt;
  }
  auto hash = events::hash_from_hex(text.substr(colon + 1));
  if (!hash) return std::nullopt;
  return Receipt{Position{position}, *hash};
}

int report_failure(std::string_view check, std::optional<Position> at, std::string_view reason) {
  fmt::print("FAIL {}: {}\n", check, reason);
  if (at) fmt::print("first bad position: {}\n", at->value);
  return 1;
}

int run_verify(const VerifyArgs& a) {
  std::optional<Receipt> receipt;
  if (!a.expect.empty()) {
    receipt = parse_receipt(a.expect);
    if (!receipt) {
      fmt::print(stderr,
                 "stockroom verify: --expect takes POSITION:HASH, e.g. 1042:<64 hex digits>\n");
      return 2;
    }
  }
  auto log = engine::open_offline(a.data);
  if (!log) {
    fmt::print(stderr, "stockroom verify: {}\n", log.error().message);
    return 1;
  }
  ProgressLine progress;
  engine::AuditOptions options;
  options.quick = a.quick;
  options.scratch_parent = a.scratch;
  if (progress.enabled()) {
    options.progress = [&progress](std::string_view check, uint64_t done, uint64_t total) {
      progress.show(total > 0 ? fmt::format("{}: {} of {}", check, done, total)
                              : fmt::format("{}: {}", check, done));
    };
  }
  auto report = engine::audit_log(**log, options);
  progress.finish();
  if (!report) {
    fmt::print(stderr, "stockroom verify: {}\n", report.error().message);
    return 1;
  }
  if (!report->ok) return report_failure(report->failed_check, report->first_bad, report->reason);
  if (receipt) {
    auto wrong = engine::check_receipt(**log, receipt->position, receipt->hash);
    if (!wrong) {
      fmt::print(stderr, "stockroom verify: {}\n", wrong.error().message);
      return 1;
    }
    if (!wrong->empty()) return report_failure("receipt", receipt->position, *wrong);
    report->checks.emplace_back("receipt");
  }
  fmt::print("ok: {} events; checked {}\n", report->events, fmt::join(report->checks, ", "));
  fmt::print("head {} {}\n", report->head.position.value, events::to_hex(report->head.hash));
  return 0;
}

}  // namespace

Runner add_verify(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "verify", "check the hash chain, the indexes and every view against the log (read-only)");
  auto a = std::make_shared<VerifyArgs>();
  sub->add_option("--data", a->data, "data directory")->required();
  sub->add_flag("--quick", a->quick, "the hash chain alone");
  sub->add_option("--expect", a->expect, "POSITION:HASH of a kept receipt the log must still hold");
  sub->add_option("--scratch", a->scratch,
                  "where to build the fold of the views that is compared (default $TMPDIR)");
  return [a] { return run_verify(*a); };
}

}  // namespace stockroom::cli

// `stockroom verify --data DIR`: the auditor's check of a data directory (cli.md,
// docs/auditing.md): the hash chain, the indexes, the idempotency records and every
// view against a fold of the log (`--quick`: the chain alone), a kept receipt
// (`--expect POSITION:HASH`) and a file of collected signed heads (`--heads FILE
// --public-key KEY`). Prints the head, or the first position that fails and why;
// exit 1 on any failure. Read-only; safe beside serve.
//
// `stockroom verify --cluster --nats URLS`: the same checks for every partition of a
// cluster, on copies made from the partitions' JetStream streams (cluster/partition_copy.h:
// each event's chain hash is checked as it is copied, then the copy is audited like a
// data directory). One line per partition; exit 1 when any partition fails.
#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <memory>
#include <string>

#include "adapters/audit/heads_check.h"
#include "adapters/cli/progress_line.h"
#include "adapters/cli/subcommands.h"
#include "adapters/cluster/partition_copy.h"
#include "engine/audit.h"
#include "engine/offline.h"

namespace stockroom::cli {
namespace {

struct VerifyArgs {
  std::string data;
  bool quick = false;
  std::string expect;
  std::string heads;
  std::string public_key;
  std::string scratch;
  bool cluster = false;
  nats_adapter::ConnectOptions nats;
  std::string prefix = "stockroom";
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

// The collected signed heads against the log: "" when every one passes, else what
// failed ("line N: why").
Result<std::string> check_heads_file(const events::EventLog& log, const VerifyArgs& a) {
  auto key = audit::PublicKey::read_pem_file(a.public_key);
  if (!key) return std::unexpected(key.error());
  std::ifstream file(a.heads);
  if (!file) return fail(ErrorCode::kNotFound, "cannot read the heads file " + a.heads);
  auto report = audit::check_heads(log, *key, file);
  if (!report) return std::unexpected(report.error());
  if (report->passed()) return std::string();
  if (!report->first_bad_line) return std::string("the heads file holds no head");
  return fmt::format("line {}: {} ({} of {} heads passed)", *report->first_bad_line, report->reason,
                     report->ok, report->lines);
}

engine::AuditOptions audit_options(const VerifyArgs& a, ProgressLine& progress) {
  engine::AuditOptions options;
  options.quick = a.quick;
  options.scratch_parent = a.scratch;
  if (progress.enabled()) {
    options.progress = [&progress](std::string_view check, uint64_t done, uint64_t total) {
      progress.show(total > 0 ? fmt::format("{}: {} of {}", check, done, total)
                              : fmt::format("{}: {}", check, done));
    };
  }
  return options;
}

// One partition's copy: "partition P: ok ..." and its head, or its failure. True when
// it passed.
bool verify_partition(const cluster::PartitionCopy& part, const VerifyArgs& a) {
  if (!part.status) {
    fmt::print("partition {}: FAIL copy: {}\n", part.partition, part.status.error().message);
    return false;
  }
  auto log = engine::open_offline(part.dir);
  if (!log) {
    fmt::print("partition {}: FAIL open: {}\n", part.partition, log.error().message);
    return false;
  }
  ProgressLine progress;
  auto report = engine::audit_log(**log, audit_options(a, progress));
  progress.finish();
  if (!report) {
    fmt::print("partition {}: FAIL {}\n", part.partition, report.error().message);
    return false;
  }
  if (!report->ok) {
    fmt::print(
        "partition {}: FAIL {}: {}{}\n", part.partition, report->failed_check, report->reason,
        report->first_bad ? fmt::format(" (first bad position {})", report->first_bad->value) : "");
    return false;
  }
  fmt::print("partition {}: ok: {} events, {} stream messages; checked {}\n", part.partition,
             report->events, part.stream_sequence, fmt::join(report->checks, ", "));
  fmt::print("partition {}: head {} {}\n", part.partition, report->head.position.value,
             events::to_hex(report->head.hash));
  return true;
}

int run_verify_cluster(const VerifyArgs& a) {
  if (!a.expect.empty() || !a.heads.empty() || !a.data.empty()) {
    fmt::print(stderr,
               "stockroom verify --cluster: --data, --expect and --heads are for one data "
               "directory; with --cluster every partition is read from JetStream\n");
    return 2;
  }
  engine::EngineOptions engine;
  engine.durability = events::Durability::kNone;  // a scratch copy, removed at the end
  auto copy = cluster::ClusterCopy::make(a.nats, a.prefix, a.scratch, engine);
  if (!copy) {
    fmt::print(stderr, "stockroom verify --cluster: {}\n", copy.error().message);
    return 1;
  }
  size_t passed = 0;
  for (const cluster::PartitionCopy& part : (*copy)->partitions()) {
    if (verify_partition(part, a)) ++passed;
  }
  const size_t all = (*copy)->partitions().size();
  if (passed != all) {
    fmt::print("FAIL: {} of {} partitions passed\n", passed, all);
    return 1;
  }
  fmt::print("ok: all {} partitions\n", all);
  return 0;
}

int run_verify(const VerifyArgs& a) {
  if (a.cluster) return run_verify_cluster(a);
  if (a.data.empty()) {
    fmt::print(stderr, "stockroom verify: --data is required (or --cluster --nats URLS)\n");
    return 2;
  }
  if (a.heads.empty() != a.public_key.empty()) {
    fmt::print(stderr, "stockroom verify: --heads and --public-key go together\n");
    return 2;
  }
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
  auto report = engine::audit_log(**log, audit_options(a, progress));
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
  if (!a.heads.empty()) {
    auto wrong = check_heads_file(**log, a);
    if (!wrong) {
      fmt::print(stderr, "stockroom verify: {}\n", wrong.error().message);
      return 1;
    }
    if (!wrong->empty()) return report_failure("heads", std::nullopt, *wrong);
    report->checks.emplace_back("signed heads");
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
  sub->add_option("--data", a->data, "data directory");
  sub->add_flag("--quick", a->quick, "the hash chain alone");
  sub->add_option("--expect", a->expect, "POSITION:HASH of a kept receipt the log must still hold");
  sub->add_option("--heads", a->heads,
                  "a file of collected signed heads (JSON lines) the log must match");
  sub->add_option("--public-key", a->public_key, "the serve's public key (PEM) for --heads");
  sub->add_option("--scratch", a->scratch,
                  "where to build the fold of the views that is compared (default $TMPDIR)");
  sub->add_flag("--cluster", a->cluster,
                "check every partition of a cluster, read from its JetStream streams");
  sub->add_option("--nats", a->nats.url, "with --cluster: NATS server URLs, comma-separated");
  sub->add_option("--prefix", a->prefix, "with --cluster: the cluster's subject prefix");
  return [a] { return run_verify(*a); };
}

}  // namespace stockroom::cli

// `stockroom replay --data DIR`: the log as JSON lines or CSV on stdout (cli.md), for
// analysts. Opens the directory read-only (as a follower with --follow), so it runs
// beside a serve on the same directory and never changes the log.
//
// `stockroom replay --cluster --nats URLS`: every partition of a cluster, copied from
// its JetStream stream (cluster/partition_copy.h, each hash checked on the way) and
// merged in time order, ties broken by partition and position; each event carries its
// partition. Nothing is written to the cluster.
#include "adapters/tools/replay.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "adapters/cli/progress_line.h"
#include "adapters/cli/stdout_sink.h"
#include "adapters/cli/subcommands.h"
#include "adapters/cluster/partition_copy.h"
#include "adapters/tools/time_arg.h"
#include "engine/offline.h"

namespace stockroom::cli {
namespace {

struct ReplayArgs {
  std::string data;
  std::string format = "json";
  uint64_t from = 1;
  std::optional<uint64_t> to;
  std::string since;
  std::string until;
  std::vector<std::string> types;
  std::vector<std::string> streams;
  std::vector<std::string> kinds;
  bool with_raw = false;
  bool follow = false;
  bool cluster = false;
  nats_adapter::ConnectOptions nats;
  std::string prefix = "stockroom";
  std::string scratch;
};

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

// SIGINT/SIGTERM end a --follow cleanly: what was read is written out, exit 0.
void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int usage_error(const Error& e) {
  fmt::print(stderr, "stockroom replay: {}\n", e.message);
  return 2;
}

// The partitions of a cluster, merged (see the top).
int run_cluster_replay(const ReplayArgs& a, const tools::ReplayOptions& options) {
  if (!a.data.empty() || a.follow) {
    return usage_error(Error{ErrorCode::kInvalidArgument,
                             "--cluster reads every partition from JetStream: no --data, no "
                             "--follow",
                             {},
                             {}});
  }
  engine::EngineOptions engine;
  engine.durability = events::Durability::kNone;  // a scratch copy, removed at the end
  auto copy = cluster::ClusterCopy::make(a.nats, a.prefix, a.scratch, engine);
  if (!copy) {
    fmt::print(stderr, "stockroom replay --cluster: {}\n", copy.error().message);
    return 1;
  }
  std::vector<std::unique_ptr<events::EventLog>> logs;
  std::vector<tools::PartitionLog> sources;
  for (const cluster::PartitionCopy& part : (*copy)->partitions()) {
    if (!part.status) {
      fmt::print(stderr, "stockroom replay --cluster: partition {}: {}\n", part.partition,
                 part.status.error().message);
      return 1;
    }
    auto log = engine::open_offline(part.dir);
    if (!log) {
      fmt::print(stderr, "stockroom replay --cluster: partition {}: {}\n", part.partition,
                 log.error().message);
      return 1;
    }
    sources.push_back(tools::PartitionLog{part.partition, log->get()});
    logs.push_back(std::move(*log));
  }
  auto stats = tools::replay_merged(sources, options, write_stdout);
  if (!stats) {
    fmt::print(stderr, "stockroom replay --cluster: {}\n", stats.error().message);
    return 1;
  }
  return 0;
}

int run_replay(const ReplayArgs& a) {
  tools::ReplayOptions options;
  options.filter.from = Position{a.from};
  if (a.to) options.filter.to = Position{*a.to};
  for (auto [text, target] :
       {std::pair{&a.since, &options.filter.since}, std::pair{&a.until, &options.filter.until}}) {
    if (text->empty()) continue;
    auto time = tools::parse_time_arg(*text);
    if (!time) return usage_error(time.error());
    *target = *time;
  }
  options.filter.types = a.types;
  options.filter.streams = a.streams;
  options.filter.kinds = a.kinds;
  if (Status valid = tools::check_filter(options.filter); !valid) return usage_error(valid.error());
  options.format = a.format == "csv" ? tools::ReplayFormat::kCsv : tools::ReplayFormat::kJsonLines;
  options.with_raw = a.with_raw;
  options.follow = a.follow;
  options.stop = &g_stop;
  if (a.cluster) return run_cluster_replay(a, options);
  if (a.data.empty()) {
    return usage_error(Error{
        ErrorCode::kInvalidArgument, "--data is required (or --cluster --nats URLS)", {}, {}});
  }
  if (a.follow) catch_stop_signals();

  // A follower opens as little as it can: each family it has open costs it a replay of
  // serve's writes to that family.
  const bool needs_indexes = !a.streams.empty() || options.filter.since || options.filter.until;
  auto log = engine::open_offline(a.data, !a.follow       ? engine::OfflineMode::kSnapshot
                                          : needs_indexes ? engine::OfflineMode::kFollowWithIndexes
                                                          : engine::OfflineMode::kFollow);
  if (!log) {
    fmt::print(stderr, "stockroom replay: {}\n", log.error().message);
    return 1;
  }
  ProgressLine progress;
  if (progress.enabled()) {
    options.progress = [&progress](uint64_t written, Position at, Position head) {
      const double s = progress.seconds();
      progress.show(fmt::format("{} events written, {:.0f} events/s, position {} of {}", written,
                                s > 0 ? static_cast<double>(at.value) / s : 0.0, at.value,
                                head.value));
    };
  }
  auto stats = tools::replay(**log, options, write_stdout);
  progress.finish();
  if (!stats) {
    fmt::print(stderr, "stockroom replay: {}\n", stats.error().message);
    return 1;
  }
  return 0;
}

}  // namespace

Runner add_replay(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "replay", "stream events from the log as JSON lines or CSV (read-only; safe beside serve)");
  auto a = std::make_shared<ReplayArgs>();
  sub->add_option("--data", a->data, "data directory");
  sub->add_option("--format", a->format, "json (JSON lines) or csv")
      ->check(CLI::IsMember({"json", "csv"}))
      ->capture_default_str();
  sub->add_option("--from-position", a->from, "first position")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX - 1));
  sub->add_option("--to-position", a->to, "last position (inclusive)")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX - 1));
  sub->add_option("--since", a->since, "events at or after this time (RFC 3339)");
  sub->add_option("--until", a->until, "events before this time (RFC 3339)");
  sub->add_option("--type", a->types,
                  "only events of this type (repeatable or comma-separated), e.g. StockReserved")
      ->delimiter(',');
  sub->add_option("--stream", a->streams,
                  "only this stream (repeatable or comma-separated), e.g. order-o-1")
      ->delimiter(',');
  sub->add_option("--kind", a->kinds,
                  "only streams of this kind: product, cart, order, review (repeatable)")
      ->delimiter(',');
  sub->add_flag("--with-raw", a->with_raw,
                "add each event's stored record (base64) and the hash before it (prev_hash)");
  sub->add_flag("--follow", a->follow, "keep streaming what a running serve appends, until Ctrl-C");
  sub->add_flag("--cluster", a->cluster,
                "every partition of a cluster, read from JetStream, merged in time order");
  sub->add_option("--nats", a->nats.url, "with --cluster: NATS server URLs, comma-separated");
  sub->add_option("--prefix", a->prefix, "with --cluster: the cluster's subject prefix");
  sub->add_option("--scratch", a->scratch,
                  "with --cluster: where the partitions are copied (default $TMPDIR)");
  return [a] { return run_replay(*a); };
}

}  // namespace stockroom::cli
